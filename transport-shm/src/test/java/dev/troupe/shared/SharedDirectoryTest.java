package dev.troupe.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.TroupeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The directory of shared objects (at the path this module's tests set in {@code troupe.shared.directory}, read
 * once per JVM) is checked without following symbolic links, and objects are opened relative to
 * the directory that was checked: a symbolic link in its place, planted before the first use or after it, is
 * refused, even when it points at an owner-only directory of this user's.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
public class SharedDirectoryTest {
    private Path root;
    private Path dir;

    /** The configured directory, which the tests make, replace and remove. */
    public static Path configured() {
        return Path.of(System.getProperty("troupe.shared.directory")).toAbsolutePath();
    }

    @BeforeEach
    void makeRoot() throws IOException {
        dir = configured();
        removeAll(dir);
        Files.createDirectories(dir.getParent());
        root = Files.createTempDirectory(dir.getParent(), "shared-dir-test-");
    }

    @AfterEach
    void removeRoot() throws IOException {
        removeAll(dir);
        removeAll(root);
    }

    /** Removes a file, a link (not its target) or a directory tree. */
    public static void removeAll(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isSymbolicLink(p) || !Files.isDirectory(p)) {
            Files.delete(p);
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    private Path ownerOnlyDirectory(String name) throws IOException {
        return Files.createDirectory(root.resolve(name),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void shouldRefuseASymbolicLinkPlantedInPlaceOfTheDirectory() throws Exception {
        Path target = ownerOnlyDirectory("elsewhere");
        Path planted = Files.createSymbolicLink(dir, target);

        assertThatThrownBy(() -> SharedMemory.create("planted", 64))
            .isInstanceOf(TroupeException.class)
            .hasMessageContaining(planted.toString()).hasMessageContaining("symbolic link");
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files).as("nothing created through the link").isEmpty();
        }
    }

    @Test
    void shouldRefuseADirectoryReplacedByASymbolicLinkAfterItsCheck() throws Exception {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Value.OfLong counter = Value.ofLong("counter")) {
            counter.set(41);
        }
        // Swap the checked directory for a link to another owner-only directory holding a decoy of the same name.
        Path moved = Files.move(dir, root.resolve("moved"));
        Path decoy = ownerOnlyDirectory("decoy");
        Files.copy(moved.resolve("value-long.counter"), decoy.resolve("value-long.counter"));
        Files.createSymbolicLink(dir, decoy);

        assertThatThrownBy(() -> Value.ofLong("counter"))
            .isInstanceOf(TroupeException.class)
            .hasMessageContaining(dir.toString()).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> SharedMemory.create("after-swap", 64))
            .isInstanceOf(TroupeException.class).hasMessageContaining("symbolic link");
        try (Stream<Path> files = Files.list(decoy)) {
            assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("value-long.counter");
        }

        // A real directory made again at the path is checked anew and used.
        Files.delete(dir);
        Path again = Files.createDirectory(dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (Value.OfLong fresh = Value.ofLong("counter")) {
            assertThat(fresh.get()).as("a new object, not the moved one").isZero();
        }
        assertThat(again.resolve("value-long.counter")).exists();
    }

    @Test
    void shouldRefuseADirectoryOthersCanRead() throws Exception {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // createDirectory's mode is filtered by the umask: set the group and other bits afterwards.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> SharedMemory.create("open", 64))
            .isInstanceOf(TroupeException.class).hasMessageContaining("rwxr-xr-x");
    }
}
