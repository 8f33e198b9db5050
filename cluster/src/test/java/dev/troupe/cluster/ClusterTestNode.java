package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.Cluster;
import dev.troupe.ClusterEvent;
import dev.troupe.NodeInfo;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A cluster node for the multi-JVM tests: opens {@code Troupe.local(config)} with the seeds and bind address of its
 * arguments ({@code --bind HOST:PORT --seed HOST:PORT ... --label L ... --insecure on|off --workers N
 * --conf KEY=VALUE ...}, the last for any other setting; the secret comes from the environment), writes its
 * membership view and events to stdout as one JSON object a line, and obeys commands on stdin: {@code nodes},
 * {@code leave}, {@code exit}, {@code pool [WORKERS]} (starts a pool of one worker, or {@code WORKERS} spread over
 * the cluster, each busy with a task that sleeps for ten minutes, reports the workers' pids, and later how the first
 * task ended), {@code exec} (starts {@code sleep 600} with {@code Troupe.exec} and reports its pid), and
 * {@code map COUNT WORKERS SLEEP_MS CHUNK [DIR] [starts=DIR] [window=N]}:
 * a pool of {@code WORKERS} (spread over the cluster) maps {@code x -> x * x} over {@code 0..COUNT-1}, each task
 * sleeping {@code SLEEP_MS}; it reports {@code mapping} after a tenth of the results, then {@code mapped} with whether
 * every result came in order and how many results each node's workers (told apart by their parent process, the node
 * JVM) produced. With {@code DIR}, a task that runs a second time fails (it finds the file its first run left
 * there); with {@code starts=DIR}, each task appends its start time to a file there named after its worker's parent
 * pid; {@code window=N} sets the pool's window. Cluster events carry the time they were seen here ({@code at}, epoch
 * ms). End of input is {@code exit}. {@code --workers N} sets how many workers the node lends. The commands on
 * cluster-wide queues and topics are {@link MessagingCommands}'.
 *
 * <p>Exit codes: 0 after {@code leave} or {@code exit}; 3 when the node cannot start; 4 when {@code leave} timed out;
 * {@link ClusterExit#DOWNED} when the cluster downed the node, as a long-lived node program does.
 */
public final class ClusterTestNode {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private ClusterTestNode() {
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1:0";
        List<String> seeds = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        String workers = "1";
        boolean insecure = false;
        Map<String, Object> settings = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--seed" -> seeds.add(args[i + 1]);
                case "--label" -> labels.add(args[i + 1]);
                case "--workers" -> workers = args[i + 1];
                case "--insecure" -> insecure = args[i + 1].equals("on");
                case "--conf" -> {
                    String[] kv = args[i + 1].split("=", 2);
                    settings.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        settings.putAll(Map.of("troupe.cluster.bind", bind, "troupe.cluster.seed-nodes", seeds,
            "troupe.cluster.labels", labels, "troupe.cluster.insecure", insecure, "troupe.cluster.workers", workers));
        Config config = ConfigFactory.parseMap(settings)
            .withFallback(ConfigFactory.parseResources("cluster-test.conf"))
            .withFallback(ConfigFactory.load());
        long t0 = System.nanoTime();
        Troupe troupe;
        try {
            troupe = Troupe.local(config);
        } catch (RuntimeException e) {
            emit("{\"event\":\"start-failed\",\"type\":" + quote(e.getClass().getName()) + ",\"message\":"
                + quote(String.valueOf(e.getMessage())) + ",\"millis\":" + millisSince(t0) + "}");
            System.exit(3);
            return;
        }
        Cluster cluster = troupe.cluster();
        cluster.onEvent(ClusterTestNode::emitEvent);
        ClusterExit.whenDowned(troupe).thenAccept(downed -> {
            // What the API says to callers once the node is downed.
            String await = thrown(() -> cluster.awaitMembers(1, Duration.ofSeconds(1)));
            String leave = thrown(cluster::leave);
            String pool = thrown(() -> troupe.pool(PoolOptions.workers(1)));
            emit("{\"event\":\"downed\",\"message\":" + quote(downed.getMessage()) + ",\"processes\":"
                + troupe.processes().size() + ",\"awaitMembers\":" + quote(await) + ",\"leave\":" + quote(leave)
                + ",\"pool\":" + quote(pool) + "}");
            System.exit(ClusterExit.DOWNED);
        });
        emit("{\"event\":\"started\",\"self\":" + json(cluster.self()) + ",\"pid\":" + ProcessHandle.current().pid()
            + ",\"millis\":" + millisSince(t0) + "}");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String command = line.trim();
            if (command.startsWith("spawn ")) {
                spawn(troupe, command.substring(6).trim().split("\\s+"));
                continue;
            }
            if (command.startsWith("map ")) {
                map(troupe, command.substring(4).trim().split("\\s+"));
                continue;
            }
            if (MessagingCommands.handles(command)) {
                MessagingCommands.run(troupe, command.split("\\s+"));
                continue;
            }
            if (command.startsWith("pool ")) {
                startBusyPool(troupe, Integer.parseInt(command.substring(5).trim()));
                continue;
            }
            switch (command) {
                case "nodes" -> emit(nodes(cluster.nodes()));
                case "pool" -> startBusyPool(troupe, 1);
                case "exec" -> emit("{\"event\":\"exec\",\"pid\":" + troupe.exec("sleep", "600").pid() + "}");
                case "leave" -> {
                    boolean ok = cluster.leave();
                    emit("{\"event\":\"left\",\"ok\":" + ok + "}");
                    troupe.close();
                    System.exit(ok ? 0 : 4);
                }
                case "exit" -> {
                    troupe.close();
                    System.exit(0);
                }
                default -> emit("{\"event\":\"error\",\"message\":" + quote("unknown command " + line) + "}");
            }
        }
        troupe.close();
        System.exit(0);
    }

    /** See the class comment: {@code map COUNT WORKERS SLEEP_MS CHUNK}. */
    private static void map(Troupe troupe, String[] a) {
        int count = Integer.parseInt(a[0]);
        int workers = Integer.parseInt(a[1]);
        int sleep = Integer.parseInt(a[2]);
        int chunk = Integer.parseInt(a[3]);
        // With a directory: each task leaves a file named after its input there, and fails if it is already there.
        String onceDir = null;
        // With starts=DIR: each task appends its start time (epoch ms) to a file there named after its worker's
        // parent (the node JVM that started the worker).
        String startsDir = null;
        int window = 0;
        for (int i = 4; i < a.length; i++) {
            if (a[i].startsWith("starts=")) {
                startsDir = a[i].substring(7);
            } else if (a[i].startsWith("window=")) {
                window = Integer.parseInt(a[i].substring(7));
            } else {
                onceDir = a[i];
            }
        }
        String starts = startsDir;
        String once = onceDir;
        long t0 = System.nanoTime();
        List<Integer> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inputs.add(i);
        }
        Map<Long, Integer> byParent = new java.util.TreeMap<>();
        boolean correct = true;
        int n = 0;
        PoolOptions options = PoolOptions.workers(workers).chunkSize(chunk);
        if (window > 0) {
            options.window(window);
        }
        try (Pool pool = troupe.pool(options)) {
            java.util.Iterator<String> it = pool.imap(x -> {
                if (starts != null) {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(starts, Long.toString(
                        ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L))),
                        System.currentTimeMillis() + "\n", java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                }
                if (once != null) {
                    java.nio.file.Files.createFile(java.nio.file.Path.of(once, Integer.toString(x)));
                }
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
                return (long) x * x + ":" + ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
            }, inputs);
            while (it.hasNext()) {
                String[] r = it.next().split(":");
                correct &= Long.parseLong(r[0]) == (long) n * n;
                byParent.merge(Long.parseLong(r[1]), 1, Integer::sum);
                n++;
                if (n == Math.max(1, count / 10)) {
                    emit("{\"event\":\"mapping\",\"done\":" + n + "}");
                }
            }
        } catch (RuntimeException e) {
            emit("{\"event\":\"map-failed\",\"type\":" + quote(e.getClass().getName()) + ",\"message\":"
                + quote(String.valueOf(e.getMessage())) + ",\"done\":" + n + "}");
            return;
        }
        List<String> parents = new ArrayList<>();
        byParent.forEach((pid, c) -> parents.add(quote(Long.toString(pid)) + ":" + c));
        emit("{\"event\":\"mapped\",\"count\":" + n + ",\"correct\":" + (correct && n == count)
            + ",\"parents\":{" + String.join(",", parents) + "},\"millis\":" + millisSince(t0) + "}");
    }

    /**
     * {@code spawn LABEL SECONDS kill|wait}: a process on a member with that label that sleeps, then says its pid and
     * its parent's (the member's JVM); killed at once, or waited for.
     */
    private static void spawn(Troupe troupe, String[] a) {
        try {
            int seconds = Integer.parseInt(a[1]);
            dev.troupe.WorkerProcess<String> p = troupe.spawn(s -> {
                Thread.sleep(s * 1000L);
                return ProcessHandle.current().pid() + ":" + ProcessHandle.current().parent().map(ProcessHandle::pid)
                    .orElse(-1L);
            }, seconds, dev.troupe.SpawnOptions.on(dev.troupe.NodeSelector.labels(a[0])));
            emit("{\"event\":\"spawned\",\"pid\":" + p.pid() + ",\"host\":" + quote(p.host()) + "}");
            String outcome;
            if (a[2].equals("kill")) {
                p.kill();
                outcome = "killed";
            } else {
                outcome = p.result().get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            boolean ended = p.join(Duration.ofSeconds(30));
            emit("{\"event\":\"spawn-done\",\"outcome\":" + quote(outcome) + ",\"ended\":" + ended
                + ",\"exitCode\":" + p.exitCode() + ",\"result\":" + quote(thrown(() -> p.result().get())) + "}");
        } catch (Exception e) {
            emit("{\"event\":\"spawn-failed\",\"message\":" + quote(e.toString()) + "}");
        }
    }

    /**
     * A pool of {@code workers} workers (spread over the cluster), busy with as many long tasks; reports the workers'
     * pids, then how the first task ended.
     */
    private static void startBusyPool(Troupe troupe, int workers) {
        Pool pool = troupe.pool(PoolOptions.workers(workers));
        List<String> pids = new ArrayList<>();
        pool.workers().forEach(w -> pids.add(Long.toString(w.pid())));
        CompletableFuture<Integer> task = pool.submit(ClusterTestNode::sleep, 600);
        for (int i = 1; i < workers; i++) {
            pool.submit(ClusterTestNode::sleep, 600);
        }
        emit("{\"event\":\"pool\",\"workers\":[" + String.join(",", pids) + "]}");
        task.whenComplete((result, error) -> {
            Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            emit(e == null ? "{\"event\":\"task-done\"}" : "{\"event\":\"task-failed\",\"type\":"
                + quote(e.getClass().getName()) + ",\"message\":" + quote(String.valueOf(e.getMessage())) + "}");
        });
    }

    /** What {@code call} throws, as {@code class: message}, or {@code none}. */
    private static String thrown(Callable<?> call) {
        try {
            call.call();
            return "none";
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** The pool's task: sleeps for {@code seconds}. */
    static Integer sleep(Integer seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
        return seconds;
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void emitEvent(ClusterEvent e) {
        String reason = e instanceof ClusterEvent.NodeRemoved r ? ",\"reason\":" + quote(r.reason().name()) : "";
        emit("{\"event\":" + quote(e.getClass().getSimpleName()) + ",\"node\":" + json(e.node()) + reason
            + ",\"at\":" + System.currentTimeMillis() + "}");
    }

    private static String nodes(List<NodeInfo> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(json(n)));
        return "{\"event\":\"nodes\",\"nodes\":[" + String.join(",", out) + "]}";
    }

    static String json(NodeInfo n) {
        List<String> labels = new ArrayList<>();
        n.labels().stream().sorted().forEach(l -> labels.add(quote(l)));
        return "{\"id\":" + quote(n.id()) + ",\"address\":" + quote(n.address()) + ",\"status\":"
            + quote(n.status().name()) + ",\"labels\":[" + String.join(",", labels) + "]}";
    }

    static synchronized void emit(String line) {
        OUT.println(line);
    }

    static String quote(String s) {
        return MemberTable.quote(s);
    }
}
