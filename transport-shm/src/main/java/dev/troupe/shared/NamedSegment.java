package dev.troupe.shared;

import dev.troupe.TroupeException;
import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.transport.shm.FileSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The file behind a named shared object: {@code KIND.NAME} in an owner-only (0700) directory of this user under
 * {@code /dev/shm} (the setting {@code troupe.shared.directory} overrides it), itself owner-only (0600). A 64-byte
 * header (magic, kind, version, data size) precedes the object's data.
 *
 * <p>The directory is checked without following symbolic links (it must be a directory itself, this user's,
 * {@code rwx------}) and then held open: objects are opened, created and removed relative to that open directory
 * ({@code openat}), so that a symbolic link planted in its place later is not followed. Each use looks at the path
 * again (without following links) and refuses it when it no longer names the directory that was checked.
 *
 * <p>Creating is race-free between processes: the creator writes and initializes a private temporary file and
 * then links it under the name, which fails if another process got there first; that process's object is then
 * opened instead. The mapping is never unmapped explicitly: a thread blocked on the object, or using it while
 * another closes it, must not touch unmapped memory. It goes when the object is garbage-collected.
 */
final class NamedSegment {
    private static final long MAGIC = 0x54524f5550454f42L; // "TROUPEOB"
    private static final int VERSION = 1;
    static final int HEADER_BYTES = 64;
    private static final int MAGIC_OFFSET = 0;
    private static final int KIND_OFFSET = 8;
    private static final int VERSION_OFFSET = 12;
    private static final int SIZE_OFFSET = 16;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /** Called once, by the creating process only, on a zeroed data area before the object gets its name. */
    interface Initializer {
        void initialize(UnsafeBuffer data);
    }

    final String name;
    final String kind;
    final Path path;
    final UnsafeBuffer data;
    private final MappedByteBuffer mapped;

    private NamedSegment(String name, String kind, Path path, MappedByteBuffer mapped, int size) {
        this.name = name;
        this.kind = kind;
        this.path = path;
        this.mapped = mapped;
        this.data = new UnsafeBuffer(mapped, HEADER_BYTES, size);
    }

    /**
     * Opens the object with this name and kind, creating it when it does not exist.
     *
     * @param kind     the object's kind, such as {@code lock}; objects of different kinds may share a name.
     * @param name     letters, digits, {@code . _ -}, at most 200 characters.
     * @param size     the data size; an existing object must have this size.
     * @param init     fills a new object's data.
     * @return the mapped object.
     */
    static NamedSegment openOrCreate(String kind, String name, int size, Initializer init) {
        Path path = pathOf(kind, name);
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                return open(kind, name, path, size);
            } catch (NoSuchFileException e) {
                try {
                    create(kind, name, path, size, init);
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first: open theirs
                } catch (IOException io) {
                    throw new TroupeException(
                        "cannot create shared " + kind + " '" + name + "' at " + path + ": " + io, io);
                }
            } catch (IOException e) {
                throw new TroupeException("cannot open shared " + kind + " '" + name + "' at " + path + ": " + e, e);
            }
        }
        throw new TroupeException("shared " + kind + " '" + name + "' at " + path
            + " keeps disappearing while being opened");
    }

    /**
     * Opens an existing object.
     *
     * @throws TroupeException when there is none by that name.
     */
    static NamedSegment openExisting(String kind, String name, int size) {
        Path path = pathOf(kind, name);
        try {
            return open(kind, name, path, size);
        } catch (NoSuchFileException e) {
            throw new TroupeException("no shared " + kind + " named '" + name + "' (looked for " + path + ")", e);
        } catch (IOException e) {
            throw new TroupeException("cannot open shared " + kind + " '" + name + "' at " + path + ": " + e, e);
        }
    }

    private static NamedSegment open(String kind, String name, Path path, int size) throws IOException {
        MappedByteBuffer m;
        long fileSize;
        try (FileChannel ch = checkedDirectory().open(path.getFileName(), EnumSet.of(StandardOpenOption.READ,
            StandardOpenOption.WRITE))) {
            fileSize = ch.size();
            m = ch.map(FileChannel.MapMode.READ_WRITE, 0, fileSize);
        }
        UnsafeBuffer h = new UnsafeBuffer(m, 0, (int) Math.min(fileSize, HEADER_BYTES));
        if (fileSize < HEADER_BYTES || h.getLongVolatile(MAGIC_OFFSET) != MAGIC
            || h.getInt(VERSION_OFFSET) != VERSION) {
            throw new TroupeException(path + " is not a shared object of this Troupe version");
        }
        int storedKind = h.getInt(KIND_OFFSET);
        int storedSize = h.getInt(SIZE_OFFSET);
        if (storedKind != kind.hashCode()) {
            throw new TroupeException("shared object at " + path + " is not a " + kind);
        }
        if (size >= 0 && storedSize != size) {
            throw new TroupeException("shared " + kind + " '" + name + "' exists with " + storedSize
                + " bytes of data, not " + size + " (created with other parameters)");
        }
        return new NamedSegment(name, kind, path, m, storedSize);
    }

    /** Reads the data size of an existing object, for objects whose size the opener does not know. */
    static int sizeOf(String kind, String name) {
        Path path = pathOf(kind, name);
        try (FileChannel ch = checkedDirectory().open(path.getFileName(), EnumSet.of(StandardOpenOption.READ))) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(ch.size(), HEADER_BYTES));
            return new UnsafeBuffer(m).getInt(SIZE_OFFSET);
        } catch (NoSuchFileException e) {
            throw new TroupeException("no shared " + kind + " named '" + name + "' (looked for " + path + ")", e);
        } catch (IOException e) {
            throw new TroupeException("cannot open shared " + kind + " '" + name + "' at " + path + ": " + e, e);
        }
    }

    private static void create(String kind, String name, Path path, int size, Initializer init)
        throws IOException {
        Path tmp = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid() + "."
            + Thread.currentThread().getId() + ".new");
        long fileSize = HEADER_BYTES + (long) size;
        CheckedDirectory dir = checkedDirectory();
        try {
            try (FileChannel ch = dir.open(tmp.getFileName(), EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE), ownerOnly("rw-------"))) {
                FileSpace.reserve(tmp, ch, fileSize, "shared " + kind + " '" + name + "'");
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, fileSize);
                UnsafeBuffer h = new UnsafeBuffer(m, 0, HEADER_BYTES);
                h.putInt(KIND_OFFSET, kind.hashCode());
                h.putInt(VERSION_OFFSET, VERSION);
                h.putInt(SIZE_OFFSET, size);
                init.initialize(new UnsafeBuffer(m, HEADER_BYTES, size));
                h.putLongVolatile(MAGIC_OFFSET, MAGIC);
                m.force();
            }
            // Fails if the name exists: the first creator wins. Java has no linkat, so this one step goes by path;
            // the directory was checked again just before, and the object is then opened relative to it.
            dir.recheck();
            Files.createLink(path, tmp);
        } finally {
            dir.deleteIfExists(tmp.getFileName());
        }
    }

    /**
     * Removes the name; processes that have the object open keep using it, new opens create a fresh one.
     *
     * @return whether there was such an object.
     */
    static boolean unlink(String kind, String name) {
        try {
            return checkedDirectory().deleteIfExists(pathOf(kind, name).getFileName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The absolute address of a data word, for futex calls. */
    long address(int dataOffset) {
        return data.addressOffset() + dataOffset;
    }

    static Path pathOf(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a shared object name is 1 to 200 letters, digits, '.', '_' or '-',"
                + " starting with a letter or digit: '" + name + "'");
        }
        return directory().resolve(kind + "." + name);
    }

    /** This user's owner-only directory of shared objects, created on first use. */
    static Path directory() {
        return checkedDirectory().path;
    }

    /**
     * The directory of shared objects, checked and held open; checked again (by path, without following links) at
     * each call.
     */
    private static CheckedDirectory checkedDirectory() {
        Path dir = configuredDirectory();
        CheckedDirectory held = checked;
        if (held != null && held.path.equals(dir)) {
            try {
                held.recheck();
                return held;
            } catch (TroupeException replaced) {
                boolean exists = Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
                if (exists && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw replaced;
                }
                // Removed, or removed and made again: make (if gone) and check it anew below, as on first use.
            }
        }
        synchronized (NamedSegment.class) {
            held = checked;
            if (held != null && held.path.equals(dir) && held.stillHere()) {
                return held;
            }
            CheckedDirectory fresh = CheckedDirectory.open(dir);
            checked = fresh;
            if (held != null) {
                held.close();
            }
            return fresh;
        }
    }

    private static volatile CheckedDirectory checked;

    private static Path configuredDirectory() {
        String configured = ProcessConfig.get().getString("troupe.shared.directory");
        if (!configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
            : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("troupe-shared-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]",
            "_"));
    }

    /**
     * The directory as checked: its path, its identity (device and inode) and, where the platform can, an open
     * handle.
     */
    private static final class CheckedDirectory {
        final Path path;
        private final Object fileKey;
        private final SecureDirectoryStream<Path> handle;

        private CheckedDirectory(Path path, Object fileKey, SecureDirectoryStream<Path> handle) {
            this.path = path;
            this.fileKey = fileKey;
            this.handle = handle;
        }

        static CheckedDirectory open(Path dir) {
            try {
                if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.createDirectories(dir.getParent());
                        Files.createDirectory(dir, ownerOnly("rwx------"));
                    } catch (FileAlreadyExistsException raced) {
                        // created by another process meanwhile
                    }
                }
                BasicFileAttributes before = checkAttributes(dir);
                DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
                if (!(stream instanceof SecureDirectoryStream)) {
                    stream.close();
                    return new CheckedDirectory(dir, before.fileKey(), null);
                }
                SecureDirectoryStream<Path> sds = (SecureDirectoryStream<Path>) stream;
                Object opened = sds.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
                if (before.fileKey() == null || !before.fileKey().equals(opened)) {
                    sds.close();
                    throw new TroupeException("refusing to use " + dir + " for shared objects: it was replaced while"
                        + " being opened");
                }
                return new CheckedDirectory(dir, opened, sds);
            } catch (IOException e) {
                throw new TroupeException("cannot create the shared-object directory " + dir + ": " + e, e);
            }
        }

        /** Reads the directory's own attributes, not a link's target, and refuses anything but this user's 0700. */
        private static BasicFileAttributes checkAttributes(Path dir) throws IOException {
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            BasicFileAttributes a = posix
                ? Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                : Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                throw new TroupeException("refusing to use " + dir + " for shared objects: it is a symbolic link"
                    + " (to " + Files.readSymbolicLink(dir) + "); it must be a directory of this user's, rwx------");
            }
            if (!a.isDirectory()) {
                throw new TroupeException("refusing to use " + dir + " for shared objects: it is not a directory");
            }
            if (posix) {
                PosixFileAttributes p = (PosixFileAttributes) a;
                String owner = p.owner().getName();
                if (!p.permissions().equals(PosixFilePermissions.fromString("rwx------"))
                    || !owner.equals(System.getProperty("user.name"))) {
                    throw new TroupeException("refusing to use " + dir + " for shared objects: it belongs to " + owner
                        + " with permissions " + PosixFilePermissions.toString(p.permissions())
                        + "; it must be this user's and rwx------");
                }
            }
            return a;
        }

        /** Whether the path still names, not following links, the directory that was checked. */
        boolean stillHere() {
            try {
                BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
                return a.isDirectory() && fileKey != null && fileKey.equals(a.fileKey());
            } catch (IOException e) {
                return false;
            }
        }

        /** @throws TroupeException when the path no longer names the checked directory. */
        void recheck() throws TroupeException {
            if (!stillHere()) {
                String now;
                try {
                    now = Files.isSymbolicLink(path) ? "a symbolic link (to " + Files.readSymbolicLink(path) + ")"
                        : Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? "another file" : "gone";
                } catch (IOException e) {
                    now = "unreadable (" + e + ")";
                }
                throw new TroupeException("refusing to use " + path + " for shared objects: it is now " + now
                    + ", not the directory that was checked");
            }
        }

        FileChannel open(Path name, Set<? extends OpenOption> options,
                         java.nio.file.attribute.FileAttribute<?>... attrs)
            throws IOException {
            Set<OpenOption> all = new java.util.HashSet<>(options);
            all.add(LinkOption.NOFOLLOW_LINKS);
            if (handle == null) {
                recheck();
                return FileChannel.open(path.resolve(name), all, attrs);
            }
            SeekableByteChannel ch = handle.newByteChannel(name, all, attrs);
            if (ch instanceof FileChannel) {
                return (FileChannel) ch;
            }
            ch.close();
            recheck();
            return FileChannel.open(path.resolve(name), all, attrs);
        }

        boolean deleteIfExists(Path name) throws IOException {
            if (handle == null) {
                recheck();
                return Files.deleteIfExists(path.resolve(name));
            }
            try {
                handle.deleteFile(name);
                return true;
            } catch (NoSuchFileException e) {
                return false;
            }
        }

        void close() {
            if (handle != null) {
                try {
                    handle.close();
                } catch (IOException ignored) {
                    // only a descriptor to give back
                }
            }
        }
    }

    private static java.nio.file.attribute.FileAttribute<?>[] ownerOnly(String perms) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
            ? new java.nio.file.attribute.FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms))}
            : new java.nio.file.attribute.FileAttribute<?>[0];
    }

    @Override
    public String toString() {
        return kind + " '" + name + "'";
    }

    MappedByteBuffer mapped() {
        return mapped;
    }
}
