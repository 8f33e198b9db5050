package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.CodecException;
import dev.troupe.ManagedProcess;
import dev.troupe.ProcessStats;
import dev.troupe.RemoteTaskException;
import dev.troupe.Troupe;
import dev.troupe.WorkerCrashedException;
import dev.troupe.WorkerProcess;
import dev.troupe.WorkerStartException;
import dev.troupe.wire.Heartbeat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Worker processes as Python's {@code multiprocessing.Process}: real child JVMs over every transport. */
@ParameterizedClass
@MethodSource("dev.troupe.it.Transports#names")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SpawnTest {
    @Parameter
    String transport;

    private Troupe troupe;

    @BeforeEach
    void start() {
        troupe = Transports.start(transport);
    }

    @AfterEach
    void stop() {
        Path runDir = Transports.runDirectory(troupe);
        troupe.close();
        assertThat(runDir).doesNotExist();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count())
            .as("child processes left after close").isZero();
    }

    @Test
    void shouldReturnResultComputedInAnotherProcess() throws Exception {
        WorkerProcess<Long> p = troupe.spawn(Tasks::pid, "x");
        assertThat(p.result().get(30, TimeUnit.SECONDS)).isEqualTo(p.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(p.join(Duration.ofSeconds(20))).isTrue();
        assertThat(p.exitCode()).isZero();
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void shouldRunClassBasedTasksAndCapturingLambdas() throws Exception {
        assertThat(troupe.spawn(new Tasks.Greeter(), "troupe").result().get(30, TimeUnit.SECONDS))
            .isEqualTo("hello, troupe");
        assertThat(troupe.spawn(new Tasks.Greeter("hi"), "you").result().get(30, TimeUnit.SECONDS))
            .isEqualTo("hi, you");
        int offset = 100;
        assertThat(troupe.spawn((Integer x) -> x + offset, 1).result().get(30, TimeUnit.SECONDS)).isEqualTo(101);
    }

    @Test
    void shouldForwardWorkerOutputToTheNodeLogPrefixedWithIdAndPid() throws Exception {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger("dev.troupe.process.out");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
            new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 10);
            assertThat(p.result().get(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(p.join(Duration.ofSeconds(20))).isTrue();
            assertThat(appender.list).extracting(e -> e.getFormattedMessage())
                .contains("[" + p.id() + " pid " + p.pid() + "] sleeping 10 ms");
        } finally {
            log.detachAppender(appender);
        }
    }

    @Test
    void shouldCarryValuesOfEveryBuiltInCodec() throws Exception {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("record", new Tasks.Point(3, "p", List.of(1, 2)));
        in.put("enum", Tasks.Colour.GREEN);
        in.put("set", Set.of("a"));
        in.put("proto", Heartbeat.newBuilder().setSentAt(77).build());
        in.put("double", 2.5);
        in.put("char", 'c');
        in.put("null", null);
        in.put("serializable", new java.util.BitSet(8));
        WorkerProcess<Map<String, Object>> p = troupe.spawn(Tasks::echoAll, in);
        assertThat(p.result().get(30, TimeUnit.SECONDS)).isEqualTo(in);
    }

    @Test
    void shouldFailWithRemoteClassMessageAndStackTraceWhenTaskThrows() throws Exception {
        WorkerProcess<Object> p = troupe.spawn(Tasks::boom, "bad input 7");
        assertThatThrownBy(() -> p.result().get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOfSatisfying(RemoteTaskException.class, e -> {
                assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.remoteMessage()).isEqualTo("bad input 7");
                assertThat(e.pid()).isEqualTo(p.pid());
                assertThat(e.remoteStackTrace()).anySatisfy(f -> assertThat(f.getMethodName()).isEqualTo("boom"));
                assertThat(e.getCause().getCause()).hasToString("java.lang.ArithmeticException: root cause");
            });
        assertThat(p.join(Duration.ofSeconds(20))).isTrue();
        assertThat(p.exitCode()).isEqualTo(1);
    }

    @Test
    void shouldFailPromptlyNamingWorkerPidAndSignalWhenKilledMidTask() throws Exception {
        WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 60_000);
        Thread.sleep(300);
        long killedAt = System.nanoTime();
        ProcessHandle.of(p.pid()).orElseThrow().destroyForcibly();
        assertThatThrownBy(() -> p.result().get(10, TimeUnit.SECONDS))
            .cause().isInstanceOfSatisfying(WorkerCrashedException.class, e -> {
                assertThat(e.pid()).isEqualTo(p.pid());
                assertThat(e.exitCode()).isEqualTo(-9);
                assertThat(e.getMessage()).contains(p.id()).contains("pid " + p.pid()).contains("SIGKILL");
            });
        // Not a speed assertion: the promise is "within 2 s", checked with generous slack against a hang.
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isLessThan(Duration.ofSeconds(10));
        assertThat(p.exitCode()).isEqualTo(-9);
    }

    @Test
    void shouldReportTerminateAsSigterm() throws Exception {
        WorkerProcess<Integer> p = troupe.spawn(Tasks::sleepThenAnswer, 60_000);
        p.terminate();
        assertThat(p.join(Duration.ofSeconds(20))).isTrue();
        assertThat(p.exitCode()).isEqualTo(-15);
        assertThat(p.result()).isCompletedExceptionally();
    }

    @Test
    void shouldFailFastWithStderrWhenJvmOptionIsBad() {
        assertThatThrownBy(() -> troupe.spawn(Tasks::pid, "x", List.of("-XX:+NoSuchTroupeOption")))
            .isInstanceOf(WorkerStartException.class)
            .hasMessageContaining("NoSuchTroupeOption")
            .hasMessageContaining("exited with code");
    }

    @Test
    void shouldFailFastWithStderrWhenWorkerClassIsMissing() {
        try (Troupe broken = Transports.start(transport, Map.of("troupe.worker.classpath", "/nonexistent.jar"))) {
            assertThatThrownBy(() -> broken.spawn(Tasks::pid, "x"))
                .isInstanceOf(WorkerStartException.class)
                .hasMessageContaining("dev.troupe.internal.worker.WorkerMain");
        }
    }

    @Test
    void shouldRefuseValuesNoCodecCanSendNamingTheType() {
        Object notSendable = new Object();
        assertThatThrownBy(() -> troupe.spawn(x -> x, notSendable))
            .isInstanceOf(CodecException.class)
            .hasMessageContaining("java.lang.Object");
    }

    @Test
    void shouldRunAnyExecutableWithStatsAndExitCode() throws Exception {
        ManagedProcess p = troupe.exec("sleep", "30");
        assertThat(p.isAlive()).isTrue();
        ProcessStats stats = p.stats();
        assertThat(stats.pid()).isEqualTo(p.pid());
        assertThat(stats.residentMemoryBytes()).isPositive();
        assertThat(stats.cpuTime().isNegative()).isFalse();
        assertThat(p.exitCode()).isNull();
        p.kill();
        assertThat(p.join(Duration.ofSeconds(10))).isTrue();
        assertThat(p.exitCode()).isEqualTo(-9);
    }

    @Test
    void shouldCreateOwnerOnlyRunDirectoryAndSocket() throws Exception {
        Path runDir = Transports.runDirectory(troupe);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(runDir)))
            .isEqualTo("rwx------");
        try (var files = Files.list(runDir)) {
            files.forEach(f -> {
                try {
                    assertThat(Files.getPosixFilePermissions(f)).allSatisfy(perm -> assertThat(perm.name())
                        .startsWith("OWNER"));
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
    }
}
