package dev.troupe.internal.node;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * INTERNAL API. The node's owner-only directory for sockets and segments, removed on close.
 */
final class RunDirectory implements AutoCloseable {
    private final Path path;
    private final boolean owned;

    private RunDirectory(Path path, boolean owned) {
        this.path = path;
        this.owned = owned;
    }

    static RunDirectory create(String configured) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath();
            Files.createDirectories(p);
            if (posix) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            }
            return new RunDirectory(p, false);
        }
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        sweepDeadNodes(base);
        String prefix = "troupe-" + ProcessHandle.current().pid() + "-";
        Path p = posix
            ? Files.createTempDirectory(base, prefix, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")))
            : Files.createTempDirectory(base, prefix);
        return new RunDirectory(p, true);
    }

    /**
     * Removes run directories left by nodes that were killed before they could clean up (their name holds the
     * node's pid, and no process has that pid any more).
     */
    private static void sweepDeadNodes(Path base) {
        try (Stream<Path> entries = Files.list(base)) {
            entries.filter(p -> p.getFileName().toString().matches("troupe-\\d+-\\d+") && Files.isDirectory(p))
                .filter(p -> {
                    String name = p.getFileName().toString();
                    long pid = Long.parseLong(name.substring(7, name.indexOf('-', 7)));
                    return ProcessHandle.of(pid).isEmpty();
                })
                .forEach(p -> new RunDirectory(p, true).close());
        } catch (IOException | RuntimeException ignored) {
            // best effort: someone else's directory, or a race with its owner
        }
    }

    Path path() {
        return path;
    }

    /** Removes the directory if this node created it, or only its contents otherwise. */
    @Override
    public void close() {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder())
                .filter(p -> owned || !p.equals(path))
                .forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // best effort on the way out
                    }
                });
        } catch (IOException ignored) {
            // best effort on the way out
        }
    }
}
