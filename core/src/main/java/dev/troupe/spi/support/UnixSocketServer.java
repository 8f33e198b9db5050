package dev.troupe.spi.support;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix domain socket bound owner-only (0600, in the caller's 0700 run directory), with one daemon thread that
 * accepts connections and hands each to a callback; the socket file is removed on close. For transports that
 * meet their peers on a local socket (pipe, and shm for its rendezvous). Thread-safe.
 */
public final class UnixSocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketServer.class);

    private final ServerSocketChannel server;
    private final Path path;
    private final String address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixSocketServer(ServerSocketChannel server, Path path, String address) {
        this.server = server;
        this.path = path;
        this.address = address;
    }

    /**
     * Binds the socket and starts accepting.
     *
     * @param path     the socket file; it must not exist.
     * @param address  the transport address, for logs.
     * @param onAccept receives each connection, on the accept thread; if it throws, that connection is closed
     *                 and logged, and accepting goes on.
     * @return the server.
     * @throws IOException when the socket cannot be bound.
     */
    public static UnixSocketServer start(Path path, String address, Consumer<SocketChannel> onAccept)
        throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                // The run directory is 0700 already; the socket itself is 0600 as well.
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
        UnixSocketServer s = new UnixSocketServer(server, path, address);
        Thread t = new Thread(() -> s.acceptLoop(onAccept), "troupe-accept-" + path.getFileName());
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void acceptLoop(Consumer<SocketChannel> onAccept) {
        while (!closed.get()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.warn("accepting on {} failed: {}", address, e.toString());
                }
                return;
            }
            try {
                onAccept.accept(channel);
            } catch (RuntimeException e) {
                LOG.error("accepting a connection on {} failed; connection dropped", address, e);
                closeQuietly(channel);
            }
        }
    }

    /**
     * @return whether {@link #close()} was called.
     */
    public boolean isClosed() {
        return closed.get();
    }

    /** Stops accepting and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(server);
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("cannot remove socket file {}: {}", path, e.toString());
            }
        }
    }

    /**
     * Closes, ignoring failures: for the way out.
     *
     * @param c what to close.
     */
    public static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out: nothing more to do
        }
    }
}
