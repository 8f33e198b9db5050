package dev.troupe.transport.shm;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The shared-memory transport ({@code shm}): two single-producer/single-consumer rings per link in a
 * memory-mapped file under {@code /dev/shm}, with futex wake-ups. Preferred over {@code pipe} when both are
 * on the class path. Addresses are {@code shm:/path/to/rendezvous.sock}.
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
        Futex.preload();
        return ShmLinkServer.start(settings, ShmSettings.fromSystemProperties(), acceptor);
    }

    @Override
    public Link connect(String address, TransportSettings settings) throws IOException {
        if (!address.startsWith(NAME + ":")) {
            throw new IllegalArgumentException("not a shared-memory address (shm:/path): " + address);
        }
        Path socket = Path.of(address.substring(NAME.length() + 1));
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
                    settings.maxFrameBytes(), ShmSettings.fromSystemProperties());
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
     * (memory, not disk), else in the run directory. Directories of nodes that were killed are removed first.
     */
    static Path createSegmentDirectory(Path runDirectory) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path base = Files.isDirectory(DEV_SHM) && Files.isWritable(DEV_SHM) ? DEV_SHM : runDirectory;
        if (base == DEV_SHM) {
            sweepDeadNodes(base);
        }
        String prefix = "troupe-" + ProcessHandle.current().pid() + "-";
        return posix
            ? Files.createTempDirectory(base, prefix, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")))
            : Files.createTempDirectory(base, prefix);
    }

    static void deleteSegmentDirectory(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort on the way out
                }
            });
        } catch (IOException ignored) {
            // gone already
        }
    }

    /** Removes segment directories whose node (the pid in the name) no longer runs. */
    private static void sweepDeadNodes(Path base) {
        try (Stream<Path> entries = Files.list(base)) {
            entries.filter(p -> p.getFileName().toString().matches("troupe-\\d+-\\d+") && Files.isDirectory(p))
                .filter(p -> {
                    String name = p.getFileName().toString();
                    return ProcessHandle.of(Long.parseLong(name.substring(7, name.indexOf('-', 7)))).isEmpty();
                })
                .forEach(ShmTransportProvider::deleteSegmentDirectory);
        } catch (IOException | RuntimeException ignored) {
            // best effort: someone else's directory, or a race with its owner
        }
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
