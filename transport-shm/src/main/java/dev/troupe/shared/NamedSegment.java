package dev.troupe.shared;

import dev.troupe.TroupeException;
import dev.troupe.spi.support.ProcessConfig;
import dev.troupe.transport.shm.FileSpace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
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
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
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
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
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
        try {
            try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW,
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
            Files.createLink(path, tmp); // fails if the name exists: the first creator wins
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Removes the name; processes that have the object open keep using it, new opens create a fresh one.
     *
     * @return whether there was such an object.
     */
    static boolean unlink(String kind, String name) {
        try {
            return Files.deleteIfExists(pathOf(kind, name));
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
        String configured = ProcessConfig.get().getString("troupe.shared.directory");
        Path dir;
        if (!configured.isBlank()) {
            dir = Path.of(configured);
        } else {
            Path base = Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
            dir = base.resolve("troupe-shared-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]",
                "_"));
        }
        try {
            if (!Files.isDirectory(dir)) {
                try {
                    Files.createDirectories(dir.getParent());
                    Files.createDirectory(dir, ownerOnly("rwx------"));
                } catch (FileAlreadyExistsException raced) {
                    // created by another process meanwhile
                }
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
                String owner = Files.getOwner(dir).getName();
                if (!perms.equals(PosixFilePermissions.fromString("rwx------"))
                    || !owner.equals(System.getProperty("user.name"))) {
                    throw new TroupeException("refusing to use " + dir + " for shared objects: it belongs to " + owner
                        + " with permissions " + PosixFilePermissions.toString(perms)
                        + "; it must be this user's and rwx------");
                }
            }
        } catch (IOException e) {
            throw new TroupeException("cannot create the shared-object directory " + dir + ": " + e, e);
        }
        return dir;
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
