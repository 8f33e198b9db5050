package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.troupe.CodecException;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Hostile output, values and configuration from the worker's side: each gets a clear error, nothing hangs. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HostileWorkerTest {
    private static final int FLOOD_BYTES = 20 << 20;

    /** Prints {@code bytes} of 'x' with no newline, then a marker line. */
    static Integer floodThenMark(Integer bytes) {
        PrintStream out = System.out;
        byte[] block = new byte[64 * 1024];
        java.util.Arrays.fill(block, (byte) 'x');
        for (int written = 0; written < bytes; written += block.length) {
            out.write(block, 0, Math.min(block.length, bytes - written));
        }
        out.println();
        out.println("marker after the flood");
        out.flush();
        return bytes;
    }

    @Test
    void shouldSplitAnEndlessLineOfWorkerOutputAndKeepForwarding() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger("dev.troupe.process.out");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        // The flood goes to the list only, not to the test's console.
        log.setAdditive(false);
        try (Troupe troupe = Troupe.local()) {
            WorkerProcess<Integer> p = troupe.spawn(HostileWorkerTest::floodThenMark, FLOOD_BYTES);
            assertThat(p.result().get(60, TimeUnit.SECONDS)).isEqualTo(FLOOD_BYTES);
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            String marker = "[" + p.id() + " pid " + p.pid() + "] marker after the flood";
            RemoteWorkerTest.await(() -> messages(appender).contains(marker), "the marker line arrived");
            List<String> lines = messages(appender);
            int prefix = marker.length() - "marker after the flood".length();
            assertThat(lines).allSatisfy(l -> assertThat(l.length() - prefix).isLessThanOrEqualTo(8192));
            long xs = lines.stream().filter(l -> l.endsWith("x")).mapToLong(l -> l.length() - prefix).sum();
            assertThat(xs).as("every byte of the flood was forwarded").isEqualTo(FLOOD_BYTES);
            // Still serving: a second worker's output arrives too.
            WorkerProcess<Integer> q = troupe.spawn(HostileWorkerTest::floodThenMark, 10);
            assertThat(q.result().get(60, TimeUnit.SECONDS)).isEqualTo(10);
            String second = "[" + q.id() + " pid " + q.pid() + "] marker after the flood";
            RemoteWorkerTest.await(() -> messages(appender).contains(second), "the second marker arrived");
        } finally {
            log.setAdditive(true);
            log.detachAppender(appender);
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender.list) {
            List<String> out = new ArrayList<>(appender.list.size());
            for (ILoggingEvent e : new ArrayList<>(appender.list)) {
                out.add(e.getFormattedMessage());
            }
            return out;
        }
    }

    /** Sent with Java serialization, which recurses once per level of what it holds. */
    static final class Holder implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final Object value;

        Holder(Object value) {
            this.value = value;
        }
    }

    static List<Object> nested(int depth) {
        List<Object> v = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            List<Object> outer = new ArrayList<>();
            outer.add(v);
            v = outer;
        }
        return v;
    }

    @Test
    void shouldRefuseAValueNestedTooDeeplyWithACodecException() throws Exception {
        try (Troupe troupe = Troupe.local(); Pool pool = troupe.pool(PoolOptions.workers(1))) {
            List<Object> deep = nested(100_000);
            assertThatThrownBy(() -> pool.submit((List<Object> l) -> l.size(), deep))
                .isInstanceOf(CodecException.class).hasMessageContaining("nested").hasMessageContaining("100");
            assertThatThrownBy(() -> pool.submit((Holder h) -> h.hashCode(), new Holder(deep)))
                .isInstanceOf(CodecException.class).hasMessageContaining("nested too deeply");
            assertThatThrownBy(() -> pool.submit((Integer x) -> deep.size() + x, 1))
                .isInstanceOf(CodecException.class).hasMessageContaining("nested too deeply");
            assertThat(pool.submit((List<Object> l) -> l.size(), nested(50)).get(30, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void shouldExitAtOnceWhenTheSecretFileIsReadableByOthers() throws Exception {
        Path secret = Remote.dir().resolve("shared-secret");
        Files.writeString(secret, Remote.SECRET + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
            "dev.troupe.RemoteWorker", "--connect", "tcp://127.0.0.1:9", "--secret-file", secret.toString()));
        Process worker = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).as("the worker exits rather than retrying").isTrue();
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(worker.exitValue()).as(output).isEqualTo(2);
            assertThat(output).contains("readable by other users").contains("chmod 600 " + secret)
                .doesNotContain("trying again");
        } finally {
            worker.destroyForcibly();
            worker.waitFor(10, TimeUnit.SECONDS);
            deleteQuietly(secret);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the directory is removed at exit
        }
    }
}
