package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.TroupeException;
import dev.troupe.shared.SharedDirectoryTest;
import dev.troupe.shared.SharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared memory on a file system too small to back it (a 1 MiB tmpfs mounted for the test): creation fails with an
 * error naming the size and the directory, instead of a mapping whose first write past the space kills the thread
 * with SIGBUS. Needs {@code mount} (root); skipped, saying why, where it is not permitted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileSpaceTest {
    private Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        // The shared-object directory this module's tests configure (read once per JVM) is the mount point.
        mountPoint = SharedDirectoryTest.configured();
        SharedDirectoryTest.removeAll(mountPoint);
        Files.createDirectories(mountPoint, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
        String why = run(List.of("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mountPoint.toString()));
        if (why != null) {
            System.out.println("FileSpaceTest skipped: cannot mount a 1 MiB tmpfs at " + mountPoint + ": " + why);
        }
        mounted = why == null;
        Assumptions.assumeTrue(mounted, "mounting a tmpfs is not permitted here: " + why);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            // Lazy: a shared object's mapping stays until it is garbage-collected; the mount goes with it.
            String why = run(List.of("umount", "--lazy", mountPoint.toString()));
            assertThat(why).as("umount " + mountPoint).isNull();
        }
        SharedDirectoryTest.removeAll(mountPoint);
    }

    /** Runs a command; {@code null} when it succeeded, else what it printed. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return command.get(0) + " did not finish";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }

    @Test
    void shouldRefuseSharedMemoryTheFileSystemCannotBack() throws Exception {
        Path dir = mountPoint;

        assertThatThrownBy(() -> SharedMemory.create("too-large", 8 << 20))
            .isInstanceOf(TroupeException.class)
            .hasMessageContaining("cannot reserve " + ((8 << 20) + 64) + " bytes")
            .hasMessageContaining("8.0 MiB")
            .hasMessageContaining(dir.toString())
            .hasMessageContaining("shared memory 'too-large'");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("nothing left behind").isEmpty();
        }

        // What fits is created, and every byte of it can be written.
        SharedMemory fits = SharedMemory.create("fits", 256 << 10);
        ByteBuffer b = fits.buffer();
        while (b.hasRemaining()) {
            b.put((byte) 7);
        }
        assertThat(fits.buffer().get((256 << 10) - 1)).isEqualTo((byte) 7);
        fits.unlink();
        fits.close();
    }

    @Test
    void shouldRefuseALinkSegmentTheFileSystemCannotBack() throws Exception {
        Path file = mountPoint.resolve("link-1.shm");
        int ring = 1 << 20;
        assertThatThrownBy(() -> Segment.create(file, ring, ProcessHandle.current().pid()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("cannot reserve " + Segment.fileBytes(ring) + " bytes")
            .hasMessageContaining(mountPoint.toString())
            .hasMessageContaining("segment");
        assertThat(file).doesNotExist();

        Segment small = Segment.create(file, Segment.MIN_RING_BYTES, ProcessHandle.current().pid());
        try {
            assertThat(Files.size(file)).isEqualTo(Segment.fileBytes(Segment.MIN_RING_BYTES));
        } finally {
            small.unmap();
            Files.delete(file);
        }
    }
}
