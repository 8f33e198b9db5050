package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import dev.troupe.WorkerStartException;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers find classes that the node loaded through a class loader of its own (as under {@code mvn exec:java},
 * in IDEs and application servers), not from {@code java.class.path}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WorkerClasspathTest {
    @TempDir
    Path tmp;

    /** Compiles a task class into a directory that is on no class path of this JVM. */
    private Path compileTask() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/isolated"));
        Path out = Files.createDirectories(tmp.resolve("classes"));
        Path file = src.resolve("Tripler.java");
        Files.writeString(file, "package isolated;\n"
            + "public final class Tripler implements dev.troupe.Task<Integer, String> {\n"
            + "    private static final long serialVersionUID = 1L;\n"
            + "    @Override public String apply(Integer x) {\n"
            + "        return (x * 3) + \" from \"\n"
            + "            + Tripler.class.getProtectionDomain().getCodeSource().getLocation();\n"
            + "    }\n"
            + "}\n", StandardCharsets.UTF_8);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String taskApi = Path.of(Task.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        int code = javac.run(null, null, null, "-d", out.toString(), "-cp", taskApi, file.toString());
        assertThat(code).as("javac exit code").isZero();
        return out;
    }

    @Test
    void shouldRunTasksLoadedByTheContextClassLoaderOfTheThreadThatStartedTheNode() throws Exception {
        Path classes = compileTask();
        assertThat(System.getProperty("java.class.path")).doesNotContain(classes.toString());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, previous)) {
            thread.setContextClassLoader(loader);
            @SuppressWarnings("unchecked")
            Task<Integer, String> task = (Task<Integer, String>) loader.loadClass("isolated.Tripler")
                .getDeclaredConstructor().newInstance();
            try (Troupe troupe = Transports.start("pipe")) {
                String spawned = troupe.spawn(task, 5).result().get(60, TimeUnit.SECONDS);
                assertThat(spawned).startsWith("15 from ").contains(classes.toString());
                try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
                    assertThat(pool.map(task, List.of(1, 2))).hasSize(2)
                        .allSatisfy(r -> assertThat(r).contains(classes.toString()));
                }
            }
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void shouldSayWhichSettingFixesAClassPathWithoutTroupe() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        try (Troupe broken = Transports.start("pipe", Map.of("troupe.worker.classpath", empty + File.separator))) {
            assertThatThrownBy(() -> broken.spawn(Tasks::pid, "x"))
                .isInstanceOf(WorkerStartException.class)
                .hasMessageContaining("Could not find or load main class")
                .hasMessageContaining("Set troupe.worker.classpath");
        }
    }
}
