package dev.troupe.spi.support;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {
    @TempDir
    Path dir;

    @Test
    void shouldAcceptAnOwnerOnlyFile() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        assertThatCode(() -> SecretFiles.checkOwnerOnly(secret, "the test's secret")).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAFileOthersCanReadAndSayHowToFixIt() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "0123456789abcdef0123");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SecretFiles.checkOwnerOnly(secret, "the test's secret"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("the test's secret is readable by other users; make it owner-only: chmod 600 " + secret);
    }

    @Test
    void shouldRefuseAMissingFile() {
        assertThatThrownBy(() -> SecretFiles.checkOwnerOnly(dir.resolve("none"), "the test's secret"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("the test's secret does not exist or is not readable");
    }
}
