package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.Troupe;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker JVMs start from a class-data archive the node makes and keeps up to date
 * ({@code troupe.worker.class-data-sharing}): made once by a training run, used by later workers (seen in their
 * command line and in the files they map), never used when broken or stale, and never in the way of a worker's
 * start. The workers get a class path of jars (directories cannot be archived): this test's classes, jarred.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClassDataSharingTest {
    private static final String USE = "-XX:SharedArchiveFile=";

    @TempDir
    static Path temp;
    private static Path archives;
    private static List<Path> jars;

    /**
     * In the worker: the archive named on its command line ("" if none), then "mapped" when the JVM maps that
     * file (it uses it) or "unmapped".
     */
    static String sharing(Object ignored) throws IOException {
        String archive = "";
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith(USE)) {
                archive = a.substring(USE.length());
            }
        }
        String named = archive;
        boolean mapped = !named.isEmpty()
            && Files.readAllLines(Path.of("/proc/self/maps")).stream().anyMatch(l -> l.endsWith(named));
        return archive + "|" + (mapped ? "mapped" : "unmapped");
    }

    @BeforeAll
    static void jarTheClassPath() throws IOException {
        archives = temp.resolve("archives");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        jars = new ArrayList<>();
        int i = 0;
        for (String entry : cp.split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                jars.add(jar(p, temp.resolve("entry-" + i++ + ".jar")));
            } else if (Files.isRegularFile(p)) {
                jars.add(p);
            }
        }
    }

    @AfterAll
    static void noWorkerLeft() {
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
            .as("child processes left").isZero();
    }

    private static Path jar(Path dir, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    private static Troupe node() {
        Map<String, Object> settings = new HashMap<>();
        settings.put("troupe.worker.class-data-directory", archives.toString());
        settings.put("troupe.worker.classpath", String.join(File.pathSeparator, jars.stream().map(Path::toString)
            .toList()));
        return Transports.start("shm", settings);
    }

    private static String[] spawnSharing(Troupe troupe) throws Exception {
        return troupe.spawn(ClassDataSharingTest::sharing, "x").result().get(60, TimeUnit.SECONDS).split("\\|");
    }

    private static List<Path> archiveFiles() throws IOException {
        try (Stream<Path> files = Files.list(archives)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jsa")).sorted().toList();
        }
    }

    /** Spawns until a worker maps an archive (the training run is in the background); returns its path. */
    private static Path awaitArchiveInUse(Troupe troupe) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String[] s = spawnSharing(troupe);
            if (!s[0].isEmpty()) {
                assertThat(s[1]).as("a worker named archive %s is mapped", s[0]).isEqualTo("mapped");
                return Path.of(s[0]);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no worker started from an archive within 60 s; archives: " + archiveFiles());
    }

    @Test
    void shouldMakeTheArchiveOnceUseItAndRemakeItWhenBrokenOrStale() throws Exception {
        Path archive;
        try (Troupe troupe = node()) {
            // The first worker starts without: there is none yet.
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            archive = awaitArchiveInUse(troupe);
            assertThat(archive.getParent()).isEqualTo(archives);
            assertThat(Files.getPosixFilePermissions(archive)).containsOnly(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getPosixFilePermissions(archives)).containsOnly(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
            FileTime made = Files.getLastModifiedTime(archive);
            // Made once: later workers use the same file.
            assertThat(spawnSharing(troupe)).containsExactly(archive.toString(), "mapped");
            assertThat(archiveFiles()).containsExactly(archive);
            assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);
        }
        // A new node finds it and uses it from its first worker on.
        try (Troupe troupe = node()) {
            assertThat(spawnSharing(troupe)).containsExactly(archive.toString(), "mapped");
        }

        // Truncated (the JVM itself would crash on it): not used, removed, made again.
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        try (Troupe troupe = node()) {
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            Path again = awaitArchiveInUse(troupe);
            assertThat(archiveFiles()).containsExactly(again);
            archive = again;
        }

        // Same size, one byte changed: its checksum says so.
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff);
        }
        try (Troupe troupe = node()) {
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            archive = awaitArchiveInUse(troupe);
        }

        // A jar of the class path changes: the old archive is stale and no longer named; a new one is made.
        Path changed = jars.stream().filter(j -> j.startsWith(temp)).findFirst().orElseThrow();
        Files.setLastModifiedTime(changed, FileTime.from(Instant.now().plusSeconds(5)));
        try (Troupe troupe = node()) {
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            Path fresh = awaitArchiveInUse(troupe);
            assertThat(fresh).isNotEqualTo(archive);
            assertThat(archiveFiles()).contains(archive, fresh);
        }
    }

    @Test
    void shouldStartWorkersWhenTheJvmRefusesTheArchive() throws Exception {
        // A file that passes the node's own checks (owner, size and checksum in its name) but that is no archive:
        // the JVM, with -Xshare:auto, starts without it.
        Path dir = temp.resolve("refused");
        Files.createDirectories(dir);
        Map<String, Object> settings = new HashMap<>();
        settings.put("troupe.worker.class-data-directory", dir.toString());
        settings.put("troupe.worker.classpath", String.join(File.pathSeparator, jars.stream().map(Path::toString)
            .toList()));
        try (Troupe troupe = Transports.start("shm", settings)) {
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            awaitArchiveInUse(troupe);
        }
        Path good;
        try (Stream<Path> files = Files.list(dir)) {
            good = files.filter(f -> f.toString().endsWith(".jsa")).findFirst().orElseThrow();
        }
        byte[] garbage = new byte[(int) Files.size(good)];
        java.util.Arrays.fill(garbage, (byte) 0x5a);
        CRC32C crc = new CRC32C();
        crc.update(garbage);
        String name = good.getFileName().toString();
        String key = name.split("-")[1];
        Files.delete(good);
        Path fake = dir.resolve("worker-" + key + "-" + garbage.length + "-" + Long.toHexString(crc.getValue())
            + ".jsa");
        try (OutputStream out = Files.newOutputStream(fake)) {
            out.write(garbage);
        }
        Files.setPosixFilePermissions(fake, java.util.EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE));
        try (Troupe troupe = Transports.start("shm", settings)) {
            for (int i = 0; i < 2; i++) {
                assertThat(spawnSharing(troupe)).containsExactly(fake.toString(), "unmapped");
            }
        }
    }

    @Test
    void shouldNameNoArchiveWhenSharingIsOff() throws Exception {
        Path dir = temp.resolve("off");
        Map<String, Object> settings = new HashMap<>();
        settings.put("troupe.worker.class-data-sharing", "off");
        settings.put("troupe.worker.class-data-directory", dir.toString());
        settings.put("troupe.worker.classpath", String.join(File.pathSeparator, jars.stream().map(Path::toString)
            .toList()));
        try (Troupe troupe = Transports.start("shm", settings)) {
            assertThat(spawnSharing(troupe)[0]).isEmpty();
            Thread.sleep(500);
            assertThat(spawnSharing(troupe)[0]).isEmpty();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void shouldStartWorkersWithoutAnArchiveWhenItsDirectoryCannotBeUsed() throws Exception {
        Path notADirectory = temp.resolve("a-file");
        Files.writeString(notADirectory, "not a directory");
        Map<String, Object> settings = new HashMap<>();
        settings.put("troupe.worker.class-data-directory", notADirectory.toString());
        settings.put("troupe.worker.classpath", String.join(File.pathSeparator, jars.stream().map(Path::toString)
            .toList()));
        try (Troupe troupe = Transports.start("shm", settings)) {
            for (int i = 0; i < 2; i++) {
                assertThat(spawnSharing(troupe)[0]).isEmpty();
            }
        }
        assertThat(Files.readString(notADirectory)).isEqualTo("not a directory");
    }

    @Test
    void shouldLetTwoNodesMakeTheSameArchiveAtOnce() throws Exception {
        Path dir = temp.resolve("race");
        Map<String, Object> settings = new HashMap<>();
        settings.put("troupe.worker.class-data-directory", dir.toString());
        settings.put("troupe.worker.classpath", String.join(File.pathSeparator, jars.stream().map(Path::toString)
            .toList()));
        try (Troupe a = Transports.start("shm", settings); Troupe b = Transports.start("shm", settings)) {
            // Both nodes' first launches find no archive: each starts a training run into its own file.
            java.util.concurrent.CompletableFuture<Path> inA = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return awaitArchiveInUse(a);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            Path inB = awaitArchiveInUse(b);
            Path usedByA = inA.get(90, TimeUnit.SECONDS);
            assertThat(usedByA.getParent()).isEqualTo(dir);
            assertThat(inB.getParent()).isEqualTo(dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            // Every file there is a whole archive under its final name: none half-written, none left temporary.
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                .isNotEmpty().allMatch(n -> n.matches("worker-[0-9a-f]+-[0-9]+-[0-9a-f]+\\.jsa"));
        }
    }
}
