package dev.troupe.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.troupe.ManagedProcess;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** Workers started by hand ({@code dev.troupe.RemoteWorker}) that dial in over TCP and join a node's pools. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteWorkerTest {
    private final List<Process> workers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        Remote.kill(workers);
    }

    private Process worker(String address, Path secret, String... more) throws Exception {
        Process p = Remote.startWorker(address, secret, more);
        workers.add(p);
        return p;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    static List<Integer> inputs(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    static List<Integer> squares(int n) {
        return IntStream.range(0, n).map(x -> x * x).boxed().collect(Collectors.toList());
    }

    @Test
    void aPoolOfTwoRemoteWorkersMapsAndLosesNothingWhenOneIsKilledMidMap() throws Exception {
        try (Troupe troupe = Troupe.local(Remote.nodeConfig("127.0.0.1:0", Map.of()));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true).chunkSize(5))) {
            String address = troupe.remoteAddress().orElseThrow();
            assertThat(address).startsWith("tcp://127.0.0.1:");
            Process a = worker(address, Remote.secretFile());
            Process b = worker(address, Remote.secretFile());
            await(() -> pool.size() == 2, "both remote workers joined");
            List<Long> pids = pool.workers().stream().map(ManagedProcess::pid).sorted().toList();
            assertThat(pids).containsExactlyInAnyOrder(a.pid(), b.pid());
            String host = System.getenv("HOSTNAME") != null ? System.getenv("HOSTNAME")
                : java.net.InetAddress.getLocalHost().getHostName();
            assertThat(pool.workers()).allSatisfy(w -> {
                assertThat(w.host()).isEqualTo(host);
                assertThat(w.isAlive()).isTrue();
            });
            assertThat(pool.map(Tasks::slowSquare, inputs(50))).isEqualTo(squares(50));

            // 400 tasks of 10 ms over two workers: about 2 s. Kill one a quarter of the way in.
            CompletableFuture<List<Integer>> map = pool.mapAsync(Tasks::slowSquare, inputs(400));
            Thread.sleep(500);
            assertThat(map).isNotDone();
            ManagedProcess lost = pool.workers().stream().filter(w -> w.pid() == a.pid()).findFirst().orElseThrow();
            a.destroyForcibly();
            assertThat(map.get(60, TimeUnit.SECONDS)).isEqualTo(squares(400));
            await(() -> pool.size() == 1, "the killed worker left the pool");
            assertThat(pool.workers().get(0).pid()).isEqualTo(b.pid());
            assertThat(lost.join(java.time.Duration.ofSeconds(30))).isTrue();
            assertThat(lost.exitCode()).as("a remote worker lost, not one that runs on")
                .isEqualTo(ManagedProcess.EXIT_LOST);
        }
    }

    /** Prints a line on each stream, and one longer than a log line, with no newline at its end. */
    static Integer shout(Integer x) {
        System.out.println("remote says " + x);
        System.err.println("remote warns " + x);
        System.out.print("y".repeat(10_000));
        System.out.flush();
        return x;
    }

    @Test
    void aRemoteWorkersOutputReachesTheNodesLog() throws Exception {
        ch.qos.logback.classic.Logger out = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
            "dev.troupe.process.out");
        ch.qos.logback.classic.Logger err = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
            "dev.troupe.process.err");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        out.addAppender(lines);
        err.addAppender(lines);
        try (Troupe troupe = Troupe.local(Remote.nodeConfig("127.0.0.1:0", Map.of()));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
            Process w = worker(troupe.remoteAddress().orElseThrow(), Remote.secretFile());
            await(() -> pool.size() == 1, "the remote worker joined");
            String id = pool.workers().get(0).id();
            assertThat(pool.submit(RemoteWorkerTest::shout, 7).get(30, TimeUnit.SECONDS)).isEqualTo(7);
            String prefix = "[" + id + " pid " + w.pid() + "] ";
            await(() -> messages(lines).contains(prefix + "remote says 7")
                && messages(lines).contains(prefix + "remote warns 7"), "both lines reached the node's log");
            await(() -> messages(lines).contains(prefix + "y".repeat(8192)), "the first piece of the long line");
            assertThat(lines.list.stream().filter(e -> e.getFormattedMessage().equals(prefix + "remote warns 7")))
                .allSatisfy(e -> assertThat(e.getLoggerName()).isEqualTo("dev.troupe.process.err"));
            assertThat(Remote.output(w)).as("still printed on its own host").contains("remote says 7");
        } finally {
            out.detachAppender(lines);
            err.detachAppender(lines);
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> appender) {
        synchronized (appender.list) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void withTlsTheMapWorksAndAWorkerWithTheWrongSecretIsRefused() throws Exception {
        Path[] cert = Remote.certificate();
        try (Troupe troupe = Troupe.local(Remote.nodeConfig("127.0.0.1:0", Map.of(
                 "troupe.tcp.tls.enabled", "on",
                 "troupe.tcp.tls.cert", cert[0].toString(),
                 "troupe.tcp.tls.key", cert[1].toString())));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
            String address = troupe.remoteAddress().orElseThrow();
            worker(address, Remote.secretFile(), "--tls", "--tls-trust", cert[0].toString());
            await(() -> pool.size() == 1, "the TLS worker joined");

            Path wrong = Remote.writeSecret("wrong-secret", "not-the-secret-of-this-node-at-all");
            Process intruder = worker(address, wrong, "--tls", "--tls-trust", cert[0].toString());
            assertThat(intruder.waitFor(30, TimeUnit.SECONDS)).as("the refused worker exits").isTrue();
            assertThat(intruder.exitValue()).isEqualTo(71);
            assertThat(Remote.output(intruder)).contains("refused").contains("secret");

            // A worker without TLS cannot speak to a TLS node either, and is not taken.
            Process plain = worker(address, Remote.secretFile(), "--once");
            assertThat(plain.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(plain.exitValue()).isNotZero();

            assertThat(pool.map(Tasks::slowSquare, inputs(100))).isEqualTo(squares(100));
            assertThat(pool.size()).isEqualTo(1);
        }
    }

    @Test
    void aRemoteWorkerRejoinsANodeThatRestartsOnTheSamePort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String listen = "127.0.0.1:" + port;
        Process w;
        try (Troupe troupe = Troupe.local(Remote.nodeConfig(listen, Map.of()));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
            w = worker(troupe.remoteAddress().orElseThrow(), Remote.secretFile());
            await(() -> pool.size() == 1, "the worker joined the first node");
            assertThat(pool.map(Tasks::slowSquare, inputs(10))).isEqualTo(squares(10));
        }
        Thread.sleep(300);
        assertThat(w.isAlive()).as("the worker outlives its node").isTrue();
        try (Troupe troupe = Troupe.local(Remote.nodeConfig(listen, Map.of()));
             Pool pool = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
            try {
                await(() -> pool.size() == 1, "the worker rejoined the restarted node");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the worker said:\n" + Remote.output(w), e);
            }
            assertThat(pool.workers().get(0).pid()).isEqualTo(w.pid());
            assertThat(pool.map(Tasks::slowSquare, inputs(10))).isEqualTo(squares(10));
        }
    }

    @Test
    void aWorkerThatJoinsBeforeAnyPoolWaitsAndThenServesLocalAndRemoteTogether() throws Exception {
        try (Troupe troupe = Troupe.local(Remote.nodeConfig("127.0.0.1:0", Map.of()))) {
            Process w = worker(troupe.remoteAddress().orElseThrow(), Remote.secretFile());
            Thread.sleep(1500);
            try (Pool pool = troupe.pool(PoolOptions.workers(1).acceptRemoteWorkers(true))) {
                await(() -> pool.size() == 2, "the waiting worker joined the pool");
                assertThat(pool.workers()).extracting(ManagedProcess::pid).contains(w.pid());
                List<Long> ran = pool.map(Tasks::sleepThenPid, java.util.Collections.nCopies(40, 20));
                assertThat(ran).contains(w.pid());
            }
            // The pool let the worker go; it joins again and waits for the next pool.
            try (Pool next = troupe.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
                await(() -> next.size() == 1, "the released worker joined the next pool");
                assertThat(next.apply(Tasks::pid, "x")).isEqualTo(w.pid());
                // Waiting and then being taken by a pool is one join; the worker says why it was let go.
                String said = Remote.output(w);
                assertThat(said).contains("released by the node (pool closing); joining again");
                assertThat(said.split("joined the node", -1)).as(said).hasSize(3);
            }
            assertThat(w.isAlive()).isTrue();
        }
    }

    @Test
    void aNodeAskedToTakeRemoteWorkersWithoutASecretRefusesToStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Troupe.local(
                com.typesafe.config.ConfigFactory.parseMap(Map.of("troupe.tcp.listen", "127.0.0.1:0",
                    "troupe.tcp.secret-env", "TROUPE_SECRET_NOT_SET_IN_TESTS"))))
            .hasMessageContaining("needs a shared secret");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            try (Troupe t = Transports.start("shm")) {
                t.pool(PoolOptions.workers(0).acceptRemoteWorkers(true));
            }
        }).hasMessageContaining("troupe.tcp.listen");
    }
}
