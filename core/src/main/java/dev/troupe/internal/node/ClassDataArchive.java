package dev.troupe.internal.node;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. The application class-data-sharing archives (AppCDS) worker JVMs start from, which the node makes
 * and keeps up to date by itself.
 *
 * <p>An archive belongs to one key: the worker's java (its real path, and the size and time of its runtime image),
 * its JVM options, its class path and the size and time of each class path jar. So a changed jar, JDK or option
 * means another key, and a stale archive is never named to a JVM. The first launch of a key with no archive asks
 * the {@link Trainer} for a training run: one more worker, started with {@code -XX:ArchiveClassesAtExit} into a
 * temporary file, that runs a small task and exits; the JVM writes the classes it loaded at its exit. The file is
 * then made owner-only and renamed, atomically, to {@code worker-KEY-SIZE-CRC.jsa} (its size and CRC-32C in its
 * name). Nodes that train the same key at once each rename a complete file; the last one wins, none sees half a file.
 *
 * <p>Before a node names an archive to a JVM for the first time, it checks the file's owner, permissions, size and
 * checksum: JDK 17 crashes on a truncated archive rather than ignore it. A file that fails is removed and made
 * again. The directory must be the user's own and owner-only, or archives are not used. Nothing here fails a
 * launch: whatever goes wrong is logged once and the worker starts without an archive. Thread-safe.
 */
final class ClassDataArchive {
    private static final Logger LOG = LoggerFactory.getLogger(ClassDataArchive.class);
    static final String PREFIX = "worker-";
    static final String SUFFIX = ".jsa";
    private static final String TEMP_SUFFIX = ".tmp";
    /** The option that names an archive to use. */
    static final String USE_OPTION = "-XX:SharedArchiveFile=";
    /** The option that dumps one at exit. */
    static final String DUMP_OPTION = "-XX:ArchiveClassesAtExit=";
    /** Options with which the user already decides about class sharing: Troupe then adds none. */
    private static final List<String> SHARING_OPTIONS = List.of("-Xshare:off", "-Xshare:dump", "-XX:SharedArchiveFile",
        "-XX:ArchiveClassesAtExit", "-XX:+AutoCreateSharedArchive", "-XX:-UseSharedSpaces",
        "-XX:SharedClassListFile", "-XX:DumpLoadedClassList");
    /** An archive nobody used for this long is removed. */
    private static final Duration UNUSED_FOR = Duration.ofDays(30);
    /** A training run's file left behind (its node killed) is removed after this long. */
    private static final Duration TEMP_LEFT_FOR = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Starts training runs. */
    interface Trainer {
        /**
         * Starts, in the background, a worker with {@code training.jvmOptions()} and the class path of
         * {@code training.taskClasses()}, runs a task on it, waits for it to exit, then calls
         * {@link Training#finished} once, whatever happened.
         */
        void train(Training training);
    }

    /** One training run: a worker to start with these options, and what to do once it has exited. */
    static final class Training {
        private final String key;
        private final Path temp;
        private final List<String> jvmOptions;
        private final List<Class<?>> taskClasses;
        private final Consumer<String> done;

        private Training(String key, Path temp, List<String> jvmOptions, List<Class<?>> taskClasses,
                         Consumer<String> done) {
            this.key = key;
            this.temp = temp;
            this.jvmOptions = jvmOptions;
            this.taskClasses = taskClasses;
            this.done = done;
        }

        /** The options of the launch that asked for the archive, plus the one that dumps it. */
        List<String> jvmOptions() {
            return jvmOptions;
        }

        List<Class<?>> taskClasses() {
            return taskClasses;
        }

        /**
         * @param failure why the run failed (the worker did not start or exit with code 0), or {@code null}.
         */
        void finished(String failure) {
            done.accept(failure);
        }

        @Override
        public String toString() {
            return "class-data training " + key + " into " + temp;
        }
    }

    /** A checked archive and the attributes it had when checked. */
    private record Checked(Path path, long size, FileTime modified) {
    }

    private enum Pending { TRAINING, FAILED }

    private final Path directory;
    private final Trainer trainer;
    /** What is known of each key: a {@link Checked} archive, or a {@link Pending}. */
    private final Map<String, Object> keys = new ConcurrentHashMap<>();
    /** Keys of launches that cannot use an archive, already logged. */
    private final Set<String> loggedIneligible = ConcurrentHashMap.newKeySet();
    /** Whether the directory was checked and is usable ({@code null}: not checked yet). */
    private volatile Boolean usable;

    /**
     * @param directory where archives live, or {@code null} when class-data sharing is off.
     * @param trainer   starts training runs.
     */
    ClassDataArchive(Path directory, Trainer trainer) {
        this.directory = directory;
        this.trainer = trainer;
    }

    /**
     * The archive directory of the settings: {@code troupe.worker.class-data-directory}, else
     * {@code $XDG_CACHE_HOME/troupe/class-data}, else {@code ~/.cache/troupe/class-data}; {@code null} when
     * {@code troupe.worker.class-data-sharing} is off.
     */
    static Path directoryOf(NodeSettings settings) {
        if (!settings.classDataSharing) {
            return null;
        }
        if (!settings.classDataDirectory.isEmpty()) {
            return Path.of(settings.classDataDirectory).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("troupe").resolve("class-data");
    }

    /** The directory archives live in, or {@code null} when sharing is off. */
    Path directory() {
        return directory;
    }

    /**
     * The options to add to a worker's command line: {@code -XX:SharedArchiveFile=...} when a checked archive of
     * this launch's key exists; else none, and a training run for the key starts unless one ran already.
     *
     * @param java        the worker's java executable.
     * @param allOptions  every JVM option of the launch, in order.
     * @param classpath   its class path.
     * @param extraOptions the launch's own options (beyond the configured ones), for the training run.
     * @param taskClasses the launch's task classes, for the training run's class path.
     * @return the options, possibly none.
     */
    List<String> options(String java, List<String> allOptions, String classpath, List<String> extraOptions,
                         List<Class<?>> taskClasses) {
        if (directory == null || !decidesNothing(allOptions)) {
            return List.of();
        }
        String key;
        try {
            key = keyOf(java, allOptions, classpath);
        } catch (IOException | RuntimeException e) {
            if (loggedIneligible.add(classpath)) {
                LOG.debug("workers start without a class-data archive: {}", e.getMessage());
            }
            return List.of();
        }
        if (key == null || !usableDirectory()) {
            return List.of();
        }
        Object known = keys.get(key);
        if (known instanceof Checked c && unchanged(c)) {
            return List.of(USE_OPTION + c.path());
        }
        if (known == Pending.TRAINING || known == Pending.FAILED) {
            return List.of();
        }
        Checked found = findChecked(key);
        if (found != null) {
            keys.put(key, found);
            return List.of(USE_OPTION + found.path());
        }
        boolean mine = known == null ? keys.putIfAbsent(key, Pending.TRAINING) == null
            : keys.replace(key, known, Pending.TRAINING);
        if (mine) {
            startTraining(key, extraOptions, taskClasses);
        }
        return List.of();
    }

    /** Whether the options leave class sharing to Troupe. */
    static boolean decidesNothing(List<String> options) {
        for (String o : options) {
            for (String s : SHARING_OPTIONS) {
                if (o.startsWith(s)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The key of a launch, or {@code null} when its class path has an entry that is not a jar file (a directory
     * cannot be archived).
     */
    static String keyOf(String java, List<String> options, String classpath) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder text = new StringBuilder("troupe-cds-1\n");
        Path javaPath = Path.of(java).toRealPath();
        text.append(javaPath).append('\n');
        // The runtime image changes with every JDK update, even where the java launcher does not.
        Path modules = javaPath.getParent().getParent().resolve("lib").resolve("modules");
        appendStamp(text, Files.isRegularFile(modules) ? modules : javaPath);
        for (String o : options) {
            text.append("opt ").append(o).append('\n');
        }
        text.append("cp ").append(classpath).append('\n');
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (!Files.isRegularFile(p) || !entry.toLowerCase(Locale.ROOT).endsWith(".jar")) {
                return null;
            }
            appendStamp(text, p);
        }
        byte[] digest = sha.digest(text.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 12);
    }

    private static void appendStamp(StringBuilder text, Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        text.append(p).append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis()).append('\n');
    }

    private boolean unchanged(Checked c) {
        try {
            BasicFileAttributes a = Files.readAttributes(c.path(), BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.size() == c.size() && a.lastModifiedTime().equals(c.modified());
        } catch (IOException e) {
            return false;
        }
    }

    /** The newest good archive of the key in the directory, checked; bad ones are removed. */
    private Checked findChecked(String key) {
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + key + "-*" + SUFFIX)) {
            files.forEach(candidates::add);
        } catch (IOException e) {
            return null;
        }
        candidates.sort((a, b) -> Long.compare(modifiedMillis(b), modifiedMillis(a)));
        for (Path p : candidates) {
            String problem = problemOf(p, key);
            if (problem == null) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                    if (Duration.between(a.lastModifiedTime().toInstant(), Instant.now()).toDays() >= 1) {
                        // Marks it as in use, for the clean-up of archives nobody uses.
                        Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
                        a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    }
                    return new Checked(p, a.size(), a.lastModifiedTime());
                } catch (IOException e) {
                    continue;
                }
            }
            LOG.warn("class-data archive {} is not used and is removed: {}", p, problem);
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // another node may have removed it; a file we cannot remove is still never used
            }
        }
        return null;
    }

    private static long modifiedMillis(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * What is wrong with an archive file, or {@code null}: it must be a regular file (not a link) of this user,
     * writable by nobody else, with the size and CRC-32C its name says.
     */
    static String problemOf(Path p, String key) {
        String name = p.getFileName().toString();
        String[] parts = name.substring(0, name.length() - SUFFIX.length()).split("-");
        if (parts.length != 4 || !(PREFIX + key + "-").equals(parts[0] + "-" + parts[1] + "-")) {
            return "its name is not " + PREFIX + key + "-SIZE-CRC" + SUFFIX;
        }
        try {
            long size = Long.parseLong(parts[2]);
            long crc = Long.parseLong(parts[3], 16);
            PosixFileAttributeView posix = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
            BasicFileAttributes a;
            if (posix != null) {
                PosixFileAttributes pa = posix.readAttributes();
                if (!pa.owner().getName().equals(System.getProperty("user.name"))) {
                    return "it belongs to " + pa.owner().getName();
                }
                Set<PosixFilePermission> perms = pa.permissions();
                if (perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                    return "others may write it (" + PosixFilePermissions.toString(perms) + ")";
                }
                a = pa;
            } else {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
            if (!a.isRegularFile()) {
                return "it is not a regular file";
            }
            if (a.size() != size) {
                return "its size is " + a.size() + " bytes, not " + size;
            }
            long actual = crcOf(p);
            if (actual != crc) {
                return "its checksum is " + Long.toHexString(actual) + ", not " + Long.toHexString(crc);
            }
            return null;
        } catch (NumberFormatException e) {
            return "its name is not " + PREFIX + key + "-SIZE-CRC" + SUFFIX;
        } catch (IOException e) {
            return "it cannot be read: " + e;
        }
    }

    static long crcOf(Path p) throws IOException {
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue();
    }

    /**
     * Creates the directory owner-only when missing, and checks that it is this user's and that nobody else may
     * use it; once, then remembered. Also removes archives unused for long and training files left behind.
     */
    private boolean usableDirectory() {
        Boolean u = usable;
        if (u != null) {
            return u;
        }
        synchronized (this) {
            if (usable == null) {
                String problem = prepareDirectory();
                if (problem != null) {
                    LOG.warn("workers start without a class-data archive: the directory {} {} (set"
                        + " troupe.worker.class-data-directory, or troupe.worker.class-data-sharing = off)", directory,
                        problem);
                }
                usable = problem == null;
                if (problem == null) {
                    cleanUp();
                }
            }
            return usable;
        }
    }

    private String prepareDirectory() {
        try {
            boolean posix = directory.getFileSystem().supportedFileAttributeViews().contains("posix");
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(directory.getParent());
                try {
                    if (posix) {
                        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                                PosixFilePermission.OWNER_EXECUTE)));
                    } else {
                        Files.createDirectory(directory);
                    }
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // made by another node at the same time: checked below like any other
                }
            }
            if (!posix) {
                return null;
            }
            PosixFileAttributes a = Files.getFileAttributeView(directory, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!a.isDirectory()) {
                return "is not a directory (or is a symbolic link)";
            }
            if (!a.owner().getName().equals(System.getProperty("user.name"))) {
                return "belongs to " + a.owner().getName();
            }
            Set<PosixFilePermission> perms = a.permissions();
            if (!EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE).containsAll(perms)) {
                // Ours, but open to others: close it rather than refuse.
                Files.setPosixFilePermissions(directory, EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot be used: " + e;
        }
    }

    private void cleanUp() {
        Instant now = Instant.now();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*")) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                Duration age = Duration.between(Instant.ofEpochMilli(modifiedMillis(p)), now);
                if ((name.endsWith(SUFFIX) && age.compareTo(UNUSED_FOR) > 0)
                    || (name.endsWith(TEMP_SUFFIX) && age.compareTo(TEMP_LEFT_FOR) > 0)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cleaning up {} failed: {}", directory, e.toString());
        }
    }

    private void startTraining(String key, List<String> extraOptions, List<Class<?>> taskClasses) {
        Path temp = directory.resolve(PREFIX + key + "." + ProcessHandle.current().pid() + "-"
            + Long.toHexString(RANDOM.nextLong() >>> 1) + TEMP_SUFFIX);
        List<String> options = new ArrayList<>(extraOptions);
        options.add(DUMP_OPTION + temp);
        // The JVM warns of each class it cannot archive (JFR's, generated accessors): nothing anyone can act on.
        options.add("-Xlog:cds*=off");
        Training t = new Training(key, temp, List.copyOf(options), List.copyOf(taskClasses),
            failure -> trained(key, temp, failure));
        LOG.debug("no class-data archive for workers yet: {}", t);
        try {
            trainer.train(t);
        } catch (RuntimeException e) {
            trained(key, temp, e.toString());
        }
    }

    /** Publishes a training run's archive under its final name, or gives up on the key for this node. */
    private void trained(String key, Path temp, String failure) {
        try {
            if (failure == null && Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) && Files.size(temp) > 0) {
                if (temp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(temp, EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE));
                }
                long size = Files.size(temp);
                Path target = directory.resolve(PREFIX + key + "-" + size + "-" + Long.toHexString(crcOf(temp))
                    + SUFFIX);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
                keys.put(key, new Checked(target, a.size(), a.lastModifiedTime()));
                LOG.debug("class-data archive for workers made: {} ({} bytes)", target, size);
                return;
            }
            if (failure == null) {
                failure = "the training worker wrote no archive";
            }
        } catch (IOException e) {
            failure = e.toString();
        }
        keys.put(key, Pending.FAILED);
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // removed by the clean-up of a later node
        }
        LOG.info("workers start without a class-data archive: making one failed ({}); set"
            + " troupe.worker.class-data-sharing = off to stop trying", failure);
    }
}
