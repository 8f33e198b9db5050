package dev.troupe.spi.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The check every file holding a shared secret passes before it is read: it exists, this process can read it, and
 * nobody else can (mode 0600, as {@code multiprocessing}'s authkey files and ssh keys are kept). Thread-safe.
 */
public final class SecretFiles {
    private SecretFiles() {
    }

    /**
     * Checks that a secret file exists, is readable and is owner-only. Where the file system has no POSIX
     * permissions (Windows), the file's ACL decides and only existence is checked.
     *
     * @param file the file.
     * @param name how the error names it, such as {@code the TCP transport's secret file /etc/s
     *             (troupe.tcp.secret-file)}.
     * @throws IllegalArgumentException when the file is missing or unreadable, or readable by other users; the
     *                                  message names it and says how to fix it.
     */
    public static void checkOwnerOnly(Path file, String name) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(name + " does not exist or is not readable");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IllegalArgumentException(name + " is readable by other users; make it owner-only: chmod 600 "
                    + file);
            }
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the file's ACL decides.
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the permissions of " + name + ": " + e.getMessage(), e);
        }
    }
}
