package dev.troupe.transport.pipe;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix domain socket bound in the run directory, owner-only, with one thread accepting connections.
 */
final class PipeLinkServer implements LinkServer {
    private static final Logger LOG = LoggerFactory.getLogger(PipeLinkServer.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final ServerSocketChannel server;
    private final Path path;
    private final String address;
    private final TransportSettings settings;
    private final Consumer<Link> acceptor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PipeLinkServer(ServerSocketChannel server, Path path, TransportSettings settings,
                           Consumer<Link> acceptor) {
        this.server = server;
        this.path = path;
        this.address = PipeTransportProvider.NAME + ":" + path;
        this.settings = settings;
        this.acceptor = acceptor;
    }

    static PipeLinkServer start(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        Path path = settings.runDirectory().resolve("node-" + SEQUENCE.incrementAndGet() + ".sock")
            .toAbsolutePath();
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
        PipeLinkServer s = new PipeLinkServer(server, path, settings, acceptor);
        Thread t = new Thread(s::acceptLoop, "troupe-pipe-accept-" + path.getFileName());
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void acceptLoop() {
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
                acceptor.accept(new PipeLink(channel, address + " (accepted)", settings));
            } catch (RuntimeException e) {
                LOG.error("link acceptor on {} failed; connection dropped", address, e);
                closeQuietly(channel);
            }
        }
    }

    @Override
    public String address() {
        return address;
    }

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

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out: nothing more to do
        }
    }
}
