package dev.troupe.internal.node;

import dev.troupe.spi.support.NodeDirectories;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

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
        return new RunDirectory(NodeDirectories.create(Path.of(System.getProperty("java.io.tmpdir"))), true);
    }

    Path path() {
        return path;
    }

    /** Removes the directory if this node created it, or only its contents otherwise. */
    @Override
    public void close() {
        NodeDirectories.delete(path, !owned);
    }
}
