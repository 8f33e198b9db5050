package dev.troupe.transport.shm;

import dev.troupe.spi.Link;
import dev.troupe.spi.support.NodeDirectories;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The shared-memory transport ({@code shm}): two single-producer/single-consumer rings per link in a
 * memory-mapped file under {@code /dev/shm}, with futex wake-ups. Preferred over {@code pipe} when both are
 * on the class path. Addresses are {@code shm:/path/to/rendezvous.sock}. Its settings are the {@code troupe.shm}
 * options of {@link TransportSettings#options()} (see {@code ShmSettings} and this module's {@code reference.conf}).
 */
public final class ShmTransportProvider implements TransportProvider {
    /** The transport's name and address scheme. */
    public static final String NAME = "shm";
    private static final Path DEV_SHM = Path.of("/dev/shm");
    private static final int MAX_PATH_BYTES = 4096;
    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    @Override
    public LinkServer listen(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        ShmSettings shm = ShmSettings.of(settings.options());
        Futex.configure(ShmSettings.noFutex(settings.options()));
        Futex.preload();
        return ShmLinkServer.start(settings, shm, acceptor);
    }

    @Override
    public Link connect(String address, TransportSettings settings) throws IOException {
        if (!address.startsWith(NAME + ":")) {
            throw new IllegalArgumentException("not a shared-memory address (shm:/path): " + address);
        }
        Path socket = Path.of(address.substring(NAME.length() + 1));
        ShmSettings shm = ShmSettings.of(settings.options());
        Futex.configure(ShmSettings.noFutex(settings.options()));
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer head = readFully(channel, 12, address);
            int magic = head.getInt();
            int version = head.getInt();
            int length = head.getInt();
            if (magic != ShmLinkServer.RENDEZVOUS_MAGIC || version != Segment.VERSION || length <= 0
                || length > MAX_PATH_BYTES) {
                throw new IOException("unexpected rendezvous from " + address + " (magic " + Integer.toHexString(magic)
                    + ", version " + version + ", path of " + length + " bytes); this side speaks version "
                    + Segment.VERSION);
            }
            ByteBuffer pathBytes = readFully(channel, length, address);
            Path file = Path.of(StandardCharsets.UTF_8.decode(pathBytes).toString());
            long pid = ProcessHandle.current().pid();
            Segment segment = Segment.open(file, pid);
            try {
                ByteBuffer ack = ByteBuffer.allocate(12).putInt(ShmLinkServer.RENDEZVOUS_MAGIC).putLong(pid).flip();
                while (ack.hasRemaining()) {
                    channel.write(ack);
                }
                long serverPid = segment.header.getLongVolatile(Segment.SERVER_PID_OFFSET);
                return new ShmLink(segment, false, serverPid, address + " (segment of pid " + serverPid + ")",
                    settings.maxFrameBytes(), shm);
            } catch (IOException | RuntimeException e) {
                segment.unmap();
                throw e;
            }
        }
    }

    private static ByteBuffer readFully(SocketChannel channel, int n, String address) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("the node at " + address + " closed the rendezvous early");
            }
        }
        return b.flip();
    }

    /**
     * Creates the owner-only directory a server's segment files go in: under {@code /dev/shm} where it exists
     * (memory, not disk), else in the run directory.
     */
    static Path createSegmentDirectory(Path runDirectory) throws IOException {
        return NodeDirectories.create(Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM) ? DEV_SHM : runDirectory);
    }

    private static Throwable probe() {
        try {
            SocketChannel.open(StandardProtocolFamily.UNIX).close();
        } catch (IOException | UnsupportedOperationException e) {
            return e;
        }
        return null;
    }
}
