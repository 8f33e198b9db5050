package dev.troupe.spi.support;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Owner-only directories that belong to one node process, named {@code troupe-PID-RANDOM}, for the run
 * directory and for transports that keep files elsewhere (shared-memory segments under {@code /dev/shm}).
 * A node killed before it could clean up leaves its directory behind; the next node to create one in the same
 * place removes it. Thread-safe.
 */
public final class NodeDirectories {
    private NodeDirectories() {
    }

    /**
     * Removes the directories of nodes that no longer run from {@code base}, then creates one for this process,
     * with mode 0700 where the file system has POSIX permissions.
     *
     * @param base where.
     * @return the new directory.
     * @throws IOException when it cannot be created.
     */
    public static Path create(Path base) throws IOException {
        sweepDeadNodes(base);
        String prefix = "troupe-" + ProcessHandle.current().pid() + "-";
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? Files.createTempDirectory(base, prefix, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")))
            : Files.createTempDirectory(base, prefix);
    }

    /**
     * Deletes a directory tree, best effort: what cannot be deleted is left.
     *
     * @param directory the directory.
     * @param keepRoot  whether to keep the directory itself and delete only what it holds.
     */
    public static void delete(Path directory, boolean keepRoot) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.sorted(Comparator.reverseOrder())
                .filter(p -> !keepRoot || !p.equals(directory))
                .forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // best effort on the way out
                    }
                });
        } catch (IOException ignored) {
            // gone already, or not ours
        }
    }

    /** Removes directories whose node (the pid in the name) no longer runs. */
    private static void sweepDeadNodes(Path base) {
        try (Stream<Path> entries = Files.list(base)) {
            entries.filter(p -> p.getFileName().toString().matches("troupe-\\d+-\\d+") && Files.isDirectory(p))
                .filter(p -> {
                    String name = p.getFileName().toString();
                    return ProcessHandle.of(Long.parseLong(name.substring(7, name.indexOf('-', 7)))).isEmpty();
                })
                .forEach(p -> delete(p, false));
        } catch (IOException | RuntimeException ignored) {
            // best effort: someone else's directory, or a race with its owner
        }
    }
}
