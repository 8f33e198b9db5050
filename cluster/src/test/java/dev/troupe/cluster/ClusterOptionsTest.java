package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class ClusterOptionsTest {
    private static final CommandSpec SPEC = new CommandLine(new NodeCommand()).getCommandSpec();

    @TempDir
    Path dir;

    @Test
    void flagsOverrideTheConfigFileWhichOverridesTheDefaults() throws Exception {
        Path file = dir.resolve("node.conf");
        Files.writeString(file, "troupe.cluster { seed-nodes = [\"10.0.0.9:25520\"], join-timeout = 5s,"
            + " labels = [from-file], bind = \"127.0.0.1:26000\" }\n", StandardCharsets.UTF_8);
        ClusterOptions options = new ClusterOptions();
        options.seeds.add("127.0.0.1:25521");
        options.insecure = true;
        options.configFile = file;

        Config config = options.config(Map.of("labels", List.of("from-flag"), "workers", 3), SPEC);

        assertThat(config.getStringList("troupe.cluster.seed-nodes")).containsExactly("127.0.0.1:25521");
        assertThat(config.getStringList("troupe.cluster.labels")).containsExactly("from-flag");
        assertThat(config.getInt("troupe.cluster.workers")).isEqualTo(3);
        assertThat(config.getBoolean("troupe.cluster.insecure")).isTrue();
        assertThat(config.getString("troupe.cluster.bind")).isEqualTo("127.0.0.1:26000");
        assertThat(config.getDuration("troupe.cluster.join-timeout")).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.getDuration("troupe.cluster.leave-timeout")).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.getString("troupe.cluster.secret-env")).isEqualTo("TROUPE_SECRET");
    }

    @Test
    void aSecretFileIsPassedAsAnAbsolutePathAndNeverRead() {
        ClusterOptions options = new ClusterOptions();
        options.secretFile = Path.of("relative", "secret");

        Config config = options.config(Map.of(), SPEC);

        assertThat(config.getString("troupe.cluster.secret-file"))
            .isEqualTo(Path.of("relative", "secret").toAbsolutePath().toString());
    }

    @Test
    void aMissingOrBrokenConfigFileIsAUsageError() throws Exception {
        ClusterOptions missing = new ClusterOptions();
        missing.configFile = dir.resolve("absent.conf");
        assertThatThrownBy(() -> missing.config(Map.of(), SPEC))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--config").hasMessageContaining(
                "absent.conf");

        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "troupe.cluster { bind = ", StandardCharsets.UTF_8);
        ClusterOptions bad = new ClusterOptions();
        bad.configFile = broken;
        assertThatThrownBy(() -> bad.config(Map.of(), SPEC))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("broken.conf");
    }

    @Test
    void hostPortFlagsAreCheckedAsTheSettingsAre() {
        assertThat(new ClusterOptions.SeedAddress().convert(" 10.0.0.1:25520 ")).isEqualTo("10.0.0.1:25520");
        assertThat(new ClusterOptions.BindAddress().convert("[::1]:0")).isEqualTo("[::1]:0");
        assertThatThrownBy(() -> new ClusterOptions.SeedAddress().convert("10.0.0.1:0"))
            .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("out of range 1-65535");
        assertThatThrownBy(() -> new ClusterOptions.BindAddress().convert("pekko://troupe@h:1"))
            .isInstanceOf(CommandLine.TypeConversionException.class).hasMessage(
                "'pekko://troupe@h:1' is not HOST:PORT (for example 10.0.0.1:25520)");
    }

    @Test
    void theObserverBindsToTheSeedsLoopbackAddressForASeedOnThisMachine() {
        assertThat(StatusCommand.observerBind("127.0.0.1:25520")).isEqualTo("127.0.0.1:0");
        assertThat(StatusCommand.observerBind("localhost:25520")).endsWith(":0")
            .satisfiesAnyOf(b -> assertThat(b).startsWith("127."), b -> assertThat(b).startsWith("[0:0:0:0:0:0:0:1]"));
    }
}
