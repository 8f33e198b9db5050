package dev.troupe.transport.shm;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * INTERNAL API. Reserves the whole of a file that is about to be memory-mapped. A mapping of a sparse file on a
 * full file system (a small {@code tmpfs}, a full {@code /dev/shm}) succeeds, and the first write to a page the
 * file system cannot back then kills the writing thread with a {@code SIGBUS} that the JVM reports as an
 * {@link InternalError}. Reserving at creation turns that into an {@link IOException} that says how much was asked
 * for and where. Thread-safe.
 *
 * <p>On Linux it calls {@code posix_fallocate(3)} through JNA, on a descriptor of its own (opened by path, not
 * following a symbolic link: the caller has just created the file in an owner-only directory); where that is not
 * available it writes one zero byte into every page through the channel, which makes the file system allocate it.
 */
public final class FileSpace {
    private static final int PAGE_BYTES = 4096;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    /** {@code O_NOFOLLOW}, whose value differs between architectures; 0 where it is not known (no native call). */
    private static final int O_NOFOLLOW = noFollowFlag();
    /** {@code errno} values that mean "this file system cannot do it here", not "no space". */
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;

    private static final boolean NATIVE = O_NOFOLLOW != 0 && bind();

    private FileSpace() {
    }

    private static int noFollowFlag() {
        String arch = System.getProperty("os.arch", "");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return 0400000;
        } else if (arch.equals("aarch64") || arch.equals("arm64")) {
            return 0100000;
        }
        return 0;
    }

    private static boolean bind() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Native.register(FileSpace.class, Platform.C_LIBRARY_NAME);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    private static native int open(String path, int flags);

    private static native int posix_fallocate(int fd, long offset, long len);

    private static native int close(int fd);

    private static native String strerror(int errnum);

    /**
     * Makes the file system back {@code bytes} bytes of an open, newly created file.
     *
     * @param path    the file (for the message, and for a descriptor of its own).
     * @param channel the file, open for writing.
     * @param bytes   how many bytes from its start.
     * @param what    names the file's use in the message, such as {@code "shared memory 'frames'"}.
     * @throws IOException when the space cannot be reserved: the message names the size, the directory and the
     *                     space left there.
     */
    public static void reserve(Path path, FileChannel channel, long bytes, String what) throws IOException {
        String failure = NATIVE ? fallocate(path, bytes) : "";
        if (failure != null && !failure.isEmpty()) {
            throw noSpace(path, bytes, what, failure);
        }
        if (failure == null) {
            return;
        }
        // No posix_fallocate here: touch every page.
        ByteBuffer zero = ByteBuffer.allocate(1);
        try {
            for (long at = 0; at < bytes; at += PAGE_BYTES) {
                zero.clear();
                channel.write(zero, at);
            }
            zero.clear();
            channel.write(zero, bytes - 1);
        } catch (IOException e) {
            throw noSpace(path, bytes, what, e.getMessage());
        }
    }

    /** {@code null} when reserved, {@code ""} when the file system cannot reserve, else why it failed. */
    private static String fallocate(Path path, long bytes) {
        int fd = open(path.toString(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            return "";
        }
        try {
            int rc = posix_fallocate(fd, 0, bytes);
            if (rc == 0) {
                return null;
            }
            if (rc == EINVAL || rc == ENOSYS || rc == EOPNOTSUPP) {
                return "";
            }
            return strerror(rc);
        } finally {
            close(fd);
        }
    }

    private static IOException noSpace(Path path, long bytes, String what, String reason) {
        Path dir = path.toAbsolutePath().getParent();
        String free;
        try {
            free = "; " + Files.getFileStore(dir).getUsableSpace() + " bytes are free there";
        } catch (IOException | RuntimeException e) {
            free = "";
        }
        return new IOException("cannot reserve " + bytes + " bytes (" + mebibytes(bytes) + ") for " + what + " in "
            + dir + ": " + reason + free);
    }

    private static String mebibytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
