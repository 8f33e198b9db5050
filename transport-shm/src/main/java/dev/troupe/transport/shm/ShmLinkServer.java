package dev.troupe.transport.shm;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.support.NodeDirectories;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.support.UnixSocketServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts shared-memory links. A client first connects to an owner-only Unix domain socket in the run
 * directory (the rendezvous); the server creates a fresh segment file, owner-only, in its own 0700 directory
 * under {@code /dev/shm}, and tells the client its path; the client maps it, writes its pid into the header
 * and acknowledges; the server then removes the file, so nothing is left on disk even if both processes are
 * killed, and hands the link to the acceptor. The socket is closed after the rendezvous: the link itself
 * lives in the mapping.
 */
final class ShmLinkServer implements LinkServer {
    private static final Logger LOG = LoggerFactory.getLogger(ShmLinkServer.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    static final int RENDEZVOUS_MAGIC = 0x54525348; // "TRSH"
    static final long RENDEZVOUS_TIMEOUT_MILLIS = 5_000;

    /** Set once by {@link #start}, before the server is handed out. */
    private volatile UnixSocketServer socket;
    private final Path segmentDirectory;
    private final String address;
    private final TransportSettings settings;
    private final ShmSettings shm;
    private final Consumer<Link> acceptor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger links = new AtomicInteger();
    private final ScheduledExecutorService timeouts;

    private ShmLinkServer(Path socketPath, Path segmentDirectory, TransportSettings settings, ShmSettings shm,
                          Consumer<Link> acceptor) {
        this.segmentDirectory = segmentDirectory;
        this.address = ShmTransportProvider.NAME + ":" + socketPath;
        this.settings = settings;
        this.shm = shm;
        this.acceptor = acceptor;
        this.timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "troupe-shm-rendezvous-timeout");
            t.setDaemon(true);
            return t;
        });
    }

    static ShmLinkServer start(TransportSettings settings, ShmSettings shm, Consumer<Link> acceptor)
        throws IOException {
        Path segments = ShmTransportProvider.createSegmentDirectory(settings.runDirectory());
        Path socket = settings.runDirectory().resolve("node-shm-" + SEQUENCE.incrementAndGet() + ".sock")
            .toAbsolutePath();
        ShmLinkServer s = new ShmLinkServer(socket, segments, settings, shm, acceptor);
        try {
            // The rendezvous blocks on the client: each gets its own short-lived thread and a deadline.
            s.socket = UnixSocketServer.start(socket, s.address, channel -> {
                Thread t = new Thread(() -> s.rendezvous(channel), "troupe-shm-rendezvous");
                t.setDaemon(true);
                t.start();
            });
        } catch (IOException | RuntimeException e) {
            s.timeouts.shutdownNow();
            NodeDirectories.delete(segments, false);
            throw e;
        }
        return s;
    }

    private void rendezvous(SocketChannel channel) {
        ScheduledFuture<?> deadline;
        try {
            deadline = timeouts.schedule(() -> UnixSocketServer.closeQuietly(channel), RENDEZVOUS_TIMEOUT_MILLIS,
                TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            UnixSocketServer.closeQuietly(channel); // the server is closing
            return;
        }
        Path file = segmentDirectory.resolve("link-" + links.incrementAndGet() + ".shm");
        Segment segment = null;
        try {
            segment = Segment.create(file, shm.ringBytes(), ProcessHandle.current().pid());
            byte[] path = file.toString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(12 + path.length);
            out.putInt(RENDEZVOUS_MAGIC).putInt(Segment.VERSION).putInt(path.length).put(path).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            ByteBuffer in = ByteBuffer.allocate(12);
            while (in.hasRemaining()) {
                if (channel.read(in) < 0) {
                    throw new IOException("client left during the rendezvous");
                }
            }
            in.flip();
            int magic = in.getInt();
            long pid = in.getLong();
            long written = segment.header.getLongVolatile(Segment.CLIENT_PID_OFFSET);
            if (magic != RENDEZVOUS_MAGIC || pid <= 0 || pid != written) {
                throw new IOException("client sent a bad acknowledgement (magic " + Integer.toHexString(magic)
                    + ", pid " + pid + ", pid in segment " + written + ")");
            }
            deadline.cancel(false);
            Files.deleteIfExists(file);
            UnixSocketServer.closeQuietly(channel);
            ShmLink link = new ShmLink(segment, true, pid, address + " (accepted, pid " + pid + ")",
                settings.maxFrameBytes(), shm);
            segment = null;
            try {
                acceptor.accept(link);
            } catch (RuntimeException e) {
                LOG.error("link acceptor on {} failed; link dropped", address, e);
                link.close(e);
            }
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                LOG.warn("shared-memory rendezvous on {} failed: {}", address,
                    deadline.isDone() && !deadline.isCancelled() ? "no answer within " + RENDEZVOUS_TIMEOUT_MILLIS
                        + " ms" : e.toString());
            }
        } finally {
            deadline.cancel(false);
            UnixSocketServer.closeQuietly(channel);
            if (segment != null) {
                segment.unmap();
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // best effort; the directory goes when the server closes
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
            socket.close();
            timeouts.shutdownNow();
            NodeDirectories.delete(segmentDirectory, false);
        }
    }
}
