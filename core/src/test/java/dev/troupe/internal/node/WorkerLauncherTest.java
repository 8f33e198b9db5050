package dev.troupe.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.troupe.internal.WorkerLaunch;
import dev.troupe.spi.support.ProcessConfig;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerLauncherTest {
    @TempDir
    Path tmp;

    private static NodeSettings settings(Map<String, Object> overrides) {
        return new NodeSettings(ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.defaultReference())
            .resolve());
    }

    private WorkerLauncher launcher(NodeSettings s, ClassLoader loader) {
        return new WorkerLauncher(s, "pipe:/run/node.sock", "tcp", tmp, loader);
    }

    @Test
    void shouldBuildTheCommandFromTheConfiguredJavaOptionsAndClassPath() {
        NodeSettings s = settings(Map.of(
            "troupe.worker.java", "/opt/jdk/bin/java",
            "troupe.worker.jvm-options", List.of("-Xmx64m", "-XX:+UseSerialGC"),
            "troupe.worker.classpath", "/app/troupe-core.jar:/app/tasks"));
        List<String> cmd = launcher(s, getClass().getClassLoader()).command(List.of("-Dtask.option=1"),
            List.of(WorkerLauncherTest.class));
        assertThat(cmd).containsExactly("/opt/jdk/bin/java", "-Xmx64m", "-XX:+UseSerialGC", "-Dtask.option=1",
            "-cp", "/app/troupe-core.jar:/app/tasks", WorkerLaunch.WORKER_MAIN);
    }

    @Test
    void shouldAssembleTheClassPathFromLoadersAndTaskClassesWhenNoneIsConfigured() throws Exception {
        Path extra = Files.createDirectory(tmp.resolve("user-classes"));
        Path testClasses = Path.of(WorkerLauncherTest.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI());
        Path coreClasses = Path.of(WorkerLaunch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {extra.toUri().toURL()},
            getClass().getClassLoader())) {
            List<String> cmd = launcher(settings(Map.of()), loader).command(List.of(),
                List.of(WorkerLauncherTest.class));
            assertThat(cmd.get(0)).endsWith("java");
            assertThat(cmd.get(cmd.size() - 1)).isEqualTo(WorkerLaunch.WORKER_MAIN);
            assertThat(cmd).containsSequence("-XX:+UseSerialGC", "-Xshare:auto", "--enable-native-access=ALL-UNNAMED");
            List<String> classpath = Arrays.asList(cmd.get(cmd.indexOf("-cp") + 1).split(java.io.File.pathSeparator));
            assertThat(classpath).contains(extra.toString(), testClasses.toString(), coreClasses.toString());
            assertThat(classpath).doesNotHaveDuplicates();
        }
    }

    @Test
    void shouldHandTheWorkerTheLaunchContractAndTheNodeSettings() {
        NodeSettings s = settings(Map.of(
            "troupe.max-pending-write", "256KiB",
            "troupe.max-frame-size", "1MiB",
            "troupe.worker.idle-spin", "20us",
            "troupe.tcp.idle-timeout", "7s",
            "troupe.shared.directory", "/dev/shm/mine",
            "troupe.shm.no-futex", true));
        Map<String, String> env = launcher(s, getClass().getClassLoader()).environment("w-7", new byte[] {1, 2, 3});
        assertThat(env).containsEntry(WorkerLaunch.ENV_CONNECT, "pipe:/run/node.sock")
            .containsEntry(WorkerLaunch.ENV_WORKER_ID, "w-7")
            .containsEntry(WorkerLaunch.ENV_TOKEN, "AQID")
            .containsEntry(WorkerLaunch.ENV_PARENT_PID, Long.toString(ProcessHandle.current().pid()))
            .containsEntry(WorkerLaunch.ENV_RUN_DIR, tmp.toString())
            .containsEntry(WorkerLaunch.ENV_MAX_FRAME, "1048576")
            .containsEntry(WorkerLaunch.ENV_MAX_PENDING_WRITE, "262144")
            .containsEntry(WorkerLaunch.ENV_IDLE_SPIN_NANOS, "20000");
        assertThat(WorkerLaunch.decodeOptions(env.get(WorkerLaunch.ENV_TRANSPORT_OPTIONS)))
            .containsEntry("idle-timeout", "7s");
        assertThat(env.get(WorkerLaunch.ENV_INHERITED_SETTINGS))
            .contains("troupe.shared.directory=/dev/shm/mine\n")
            .contains("troupe.shm.no-futex=true\n");
        assertThat(WorkerLaunch.ENV_INHERITED_SETTINGS).isEqualTo(ProcessConfig.ENV_INHERITED);
    }

    @Test
    void shouldSayHowToFixAClassPathWithoutTheWorkerMainClass() {
        List<String> cmd = List.of("java", "-cp", "/usr/share/maven/boot/plexus-classworlds.jar",
            WorkerLaunch.WORKER_MAIN);
        String advice = WorkerLauncher.adviceFor("Error: Could not find or load main class "
            + WorkerLaunch.WORKER_MAIN + "\nCaused by: java.lang.ClassNotFoundException: " + WorkerLaunch.WORKER_MAIN,
            cmd);
        assertThat(advice).contains("troupe.worker.classpath").contains("plexus-classworlds.jar");
        assertThat(WorkerLauncher.adviceFor("Error: Invalid maximum heap size: -Xmx0", cmd)).isEmpty();
    }
}
