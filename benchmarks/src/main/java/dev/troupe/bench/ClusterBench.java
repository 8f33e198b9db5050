package dev.troupe.bench;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.ClusterEvent;
import dev.troupe.NodeInfo;
import dev.troupe.Placement;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteWorker;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster benchmarks, Troupe nodes and Hazelcast members in JVMs of their own on 127.0.0.1, each figure beside
 * its peer's from the same run:
 * <ul>
 *   <li>{@code cluster_map_small}: {@code pool.map(x -> x * x)} over 200,000 ints with 2 workers in all, on the
 *   pool's node only ({@link Placement#LOCAL}), spread over it and one other node, and on two other nodes (the pool's
 *   node only dispatches), against Hazelcast's {@link IExecutorService} on the same members with the same chunks;
 *   </li>
 *   <li>{@code cluster_task_roundtrip}: one {@code submit(...).get()} of a 64-byte echo to a worker another node
 *   lends, beside a worker of the pool's own node, a remote worker that dialled in over the same TCP link without a
 *   cluster, Hazelcast's {@code submitToMember(callable, member).get()} and a Pekko Artery round trip
 *   ({@link ArteryBench});</li>
 *   <li>{@code cluster_join_time}: a third node joining two, from its process start and from its
 *   {@code Troupe.cluster} call, against a third Hazelcast member;</li>
 *   <li>{@code node_loss_recovery}: one of 3 nodes, with its workers, killed (SIGKILL) during a map of sleeping tasks
 *   over a worker on each: the time from the kill to the first result of a task that had started there, to the end
 *   of the map, and to the node's removal from the cluster; against the same map over 3 Hazelcast members, one
 *   killed, its tasks resubmitted by the caller.</li>
 * </ul>
 * Pekko's and Hazelcast's default timings throughout. Troupe runs first, then Hazelcast, then Artery, so only one of
 * them has processes at a time; the lines are printed at the end. Every process started is killed before
 * {@link #run} returns, also when it fails, and when this JVM is stopped.
 */
final class ClusterBench {
    static final String HOST = "127.0.0.1";
    private static final Duration START = Duration.ofSeconds(120);
    private static final Duration REMOVAL = Duration.ofSeconds(120);
    private static final int PAYLOAD = 64;
    private static final Pattern NUMBER_FIELD = Pattern.compile("\"([a-z_]+)\": (-?[0-9.]+)");

    /**
     * The sizes of a run.
     *
     * @param mapInputs        ints per map.
     * @param warmMaps         untimed maps per configuration first.
     * @param maps             timed maps per configuration and rep (the median is reported).
     * @param warmPings        untimed round trips per contender first.
     * @param pings            timed round trips per contender and rep.
     * @param lossTasks        tasks of the node-loss map.
     * @param lossTaskMs       how long each of them sleeps.
     * @param awaitLastRemoval whether the last rep waits for the killed node's removal (the others must, to start a
     *                         new third node).
     */
    record Sizes(int mapInputs, int warmMaps, int maps, int warmPings, int pings, int lossTasks, int lossTaskMs,
                 boolean awaitLastRemoval) {
        /** What {@code ./troupe bench cluster} runs. */
        static final Sizes FULL = new Sizes(200_000, 50, 25, 20_000, 20_000, 1_500, 4, true);
    }

    private final int reps;
    private final Sizes sizes;
    private final Path dir;
    private final Path secretFile;
    private final String secret;
    private final List<Child> children = new CopyOnWriteArrayList<>();
    /** The figures, by line ("bench" or "bench/nodes") and rep; printed at the end. */
    private final Map<String, List<Map<String, Object>>> lines = new LinkedHashMap<>();

    private ClusterBench(int reps, Sizes sizes, Path dir) throws IOException {
        this.reps = reps;
        this.sizes = sizes;
        this.dir = dir;
        this.secretFile = dir.resolve("secret");
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.secret = "cluster-bench-" + HexFormat.of().formatHex(random);
        Files.writeString(secretFile, secret, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        for (String key : List.of("cluster_map_small/1", "cluster_map_small/2", "cluster_map_small/3",
            "cluster_task_roundtrip", "cluster_join_time", "node_loss_recovery")) {
            lines.put(key, new ArrayList<>());
        }
    }

    /** Runs the group {@code reps} times at full size and prints its lines to {@code out}. */
    static void run(int reps, PrintStream out) throws Exception {
        run(reps, Sizes.FULL, out);
    }

    /**
     * Runs the group and prints its lines to {@code out}.
     *
     * @throws Exception when a node, member or peer does not start or answer in time; every process is gone then.
     */
    static void run(int reps, Sizes sizes, PrintStream out) throws Exception {
        if (reps < 1) {
            throw new IllegalArgumentException("reps must be at least 1: " + reps);
        }
        Path dir = Files.createTempDirectory("troupe-bench-cluster",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ClusterBench bench = null;
        Thread hook = null;
        boolean ok = false;
        try {
            bench = new ClusterBench(reps, sizes, dir);
            ClusterBench toClean = bench;
            hook = new Thread(() -> {
                toClean.killAll();
                deleteTree(dir);
            }, "cluster-bench-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            bench.troupe();
            bench.hazelcast();
            for (int rep = 0; rep < reps; rep++) {
                double[] artery = ArteryBench.pingPong(sizes.warmPings(), sizes.pings());
                Map<String, Object> m = bench.line("cluster_task_roundtrip", rep);
                m.put("artery_p50", artery[0]);
                m.put("artery_p99", artery[1]);
            }
            bench.print(out);
            ok = true;
        } finally {
            if (bench != null) {
                bench.killAll();
                if (!ok) {
                    bench.printLogs();
                }
            }
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // this JVM is shutting down: the hook runs
                }
            }
            deleteTree(dir);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Troupe

    private void troupe() throws Exception {
        int seedPort = freePort();
        Config config = ConfigFactory.parseMap(Map.of(
                "troupe.cluster.bind", HOST + ":" + seedPort,
                "troupe.cluster.seed-nodes", List.of(HOST + ":" + seedPort),
                // The pool's node runs its own workers; it lends none to the others.
                "troupe.cluster.workers", "0",
                "troupe.cluster.secret-file", secretFile.toString()))
            .withFallback(ConfigFactory.load());
        List<Seen> events = new CopyOnWriteArrayList<>();
        Troupe origin = Troupe.cluster(config);
        try {
            origin.cluster().onEvent(e -> events.add(new Seen(System.nanoTime(), e)));
            Child node2 = startNode("node2", freePort(), seedPort, List.of("lender", "n2"), 3);
            node2.await("up", START);
            Child node3 = joinTimes(origin, seedPort, events);
            progress("troupe: joins measured");
            Map<Long, String> names = new HashMap<>();
            names.put(ProcessHandle.current().pid(), "pool's node");
            names.put(node2.pid(), "node2");
            names.put(node3.pid(), "node3");
            mapSmall(origin, names);
            progress("troupe: maps measured");
            roundTrip(origin, node2, names);
            progress("troupe: round trips measured");
            nodeLoss(origin, seedPort, node3, names, events);
            progress("troupe: node losses measured");
        } finally {
            // The nodes leave first, so that the pool's node does not wait on them as unreachable while it leaves; with
            // a member unreachable (the killed node, not removed yet) leaving would make the split-brain resolver down
            // everyone, so then they are killed.
            boolean unreachable;
            try {
                unreachable = origin.cluster().nodes().stream()
                    .anyMatch(n -> n.status() == NodeInfo.Status.UNREACHABLE);
            } catch (RuntimeException e) {
                unreachable = true; // the pool's node is no member any more
            }
            if (unreachable) {
                killAll();
            } else {
                stopAll();
            }
            origin.close();
        }
    }

    /** The third node joins {@code reps} times (each leaves before the next); returns the last, still a member. */
    private Child joinTimes(Troupe origin, int seedPort, List<Seen> events) throws Exception {
        Child node3 = null;
        for (int rep = 0; rep < reps; rep++) {
            if (node3 != null) {
                leave(node3, events);
            }
            int port = freePort();
            node3 = startNode("node3-" + rep, port, seedPort, List.of("lender", "n3"), 2);
            Stamped up = node3.await("up", START);
            Seen seen = await(events, e -> e instanceof ClusterEvent.NodeUp u && isPort(u.node().address(), port),
                START, "node3 Up at the seed");
            Map<String, Object> m = line("cluster_join_time", rep);
            m.put("unit", "ms");
            m.put("troupe_from_process_start", (up.at() - node3.startedAt) / 1e6);
            m.put("troupe_from_cluster_start", number(up.line(), "cluster_start_ms"));
            m.put("troupe_up_at_seed_from_process_start", (seen.at() - node3.startedAt) / 1e6);
            m.put("troupe_jvm_to_main", number(up.line(), "jvm_to_main_ms"));
        }
        if (!origin.cluster().awaitMembers(3, START)) {
            throw new IllegalStateException("the cluster did not reach 3 members Up: " + origin.cluster().nodes());
        }
        return node3;
    }

    private void mapSmall(Troupe origin, Map<Long, String> names) throws Exception {
        List<Integer> inputs = ints(sizes.mapInputs());
        int chunk = chunk(inputs.size(), 2);
        Task<Integer, Integer> square = x -> x * x;
        try (Pool one = origin.pool(PoolOptions.workers(2).chunkSize(chunk).placement(Placement.LOCAL));
             Pool two = origin.pool(PoolOptions.workers(2).chunkSize(chunk));
             Pool three = origin.pool(PoolOptions.workers(2).chunkSize(chunk).nodeLabels("lender"))) {
            Pool[] pools = {one, two, three};
            String[] placement = new String[pools.length];
            for (int i = 0; i < pools.length; i++) {
                placement[i] = placement(pools[i], names);
            }
            requirePlacement(placement[1], "node[23]:1 pool's node:1");
            requirePlacement(placement[2], "node2:1 node3:1");
            for (int w = 0; w < sizes.warmMaps(); w++) {
                for (Pool p : pools) {
                    check(p.map(square, inputs));
                }
            }
            for (int rep = 0; rep < reps; rep++) {
                double[][] rates = new double[pools.length][sizes.maps()];
                for (int k = 0; k < sizes.maps(); k++) {
                    for (int i = 0; i < pools.length; i++) {
                        long t0 = System.nanoTime();
                        List<Integer> out = pools[i].map(square, inputs);
                        rates[i][k] = inputs.size() / ((System.nanoTime() - t0) / 1e9);
                        check(out);
                    }
                }
                for (int i = 0; i < pools.length; i++) {
                    Map<String, Object> m = line("cluster_map_small/" + (i + 1), rep);
                    m.put("nodes", i + 1);
                    m.put("unit", "tasks/s");
                    m.put("troupe", median(rates[i]));
                    m.put("troupe_workers", placement[i]);
                    m.put("chunk", chunk);
                }
            }
        }
    }

    private void roundTrip(Troupe origin, Child node2, Map<Long, String> names) throws Exception {
        byte[] payload = new byte[PAYLOAD];
        Task<byte[], byte[]> echo = b -> b;
        Config tcpConfig = ConfigFactory.parseMap(Map.of("troupe.tcp.listen", HOST + ":0",
            "troupe.tcp.secret-file", secretFile.toString()));
        try (Pool lent = origin.pool(PoolOptions.workers(1).nodeLabels("n2"));
             Pool near = origin.pool(PoolOptions.workers(1).placement(Placement.LOCAL));
             Troupe tcpNode = Troupe.local(tcpConfig);
             Pool plain = tcpNode.pool(PoolOptions.workers(0).acceptRemoteWorkers(true))) {
            requirePlacement(placement(lent, names), "node2:1");
            Child remote = start("remote-worker", List.of("-Xmx64m", "-XX:+UseSerialGC"), RemoteWorker.class,
                List.of("--connect", tcpNode.remoteAddress().orElseThrow(), "--secret-file", secretFile.toString()),
                Map.of());
            try {
                long deadline = System.nanoTime() + START.toNanos();
                while (plain.size() < 1) {
                    if (System.nanoTime() > deadline || !remote.process.isAlive()) {
                        throw new IllegalStateException("the remote worker did not join; its log:\n" + remote.log());
                    }
                    Thread.sleep(20);
                }
                Pool[] pools = {lent, near, plain};
                for (Pool p : pools) {
                    Percentiles.time(sizes.warmPings(), 1, () -> get(p.submit(echo, payload)));
                }
                for (int rep = 0; rep < reps; rep++) {
                    double[][] rtt = new double[pools.length][];
                    for (int i = 0; i < pools.length; i++) {
                        Pool p = pools[i];
                        rtt[i] = Percentiles.of(Percentiles.time(0, sizes.pings(), () -> get(p.submit(echo, payload))));
                    }
                    Map<String, Object> m = line("cluster_task_roundtrip", rep);
                    m.put("unit", "us");
                    m.put("troupe_p50", rtt[0][0]);
                    m.put("troupe_p99", rtt[0][1]);
                    m.put("troupe_local_worker_p50", rtt[1][0]);
                    m.put("troupe_local_worker_p99", rtt[1][1]);
                    m.put("troupe_remote_worker_p50", rtt[2][0]);
                    m.put("troupe_remote_worker_p99", rtt[2][1]);
                    m.put("transport", origin.transport());
                }
            } finally {
                remote.process.destroyForcibly();
                remote.process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private void nodeLoss(Troupe origin, int seedPort, Child firstNode3, Map<Long, String> names, List<Seen> events)
        throws Exception {
        Child node3 = firstNode3;
        List<Integer> inputs = ints(sizes.lossTasks());
        int sleep = sizes.lossTaskMs();
        for (int rep = 0; rep < reps; rep++) {
            if (rep > 0) {
                node3 = startNode("node3-loss-" + rep, freePort(), seedPort, List.of("lender", "n3"), 2);
                node3.await("up", START);
                names.put(node3.pid(), "node3");
                if (!origin.cluster().awaitMembers(3, START)) {
                    throw new IllegalStateException("no third member again: " + origin.cluster().nodes());
                }
            }
            Path runs = Files.createDirectory(dir.resolve("loss-" + rep));
            Path base = Files.createDirectory(dir.resolve("base-" + rep));
            Map<String, Object> m = line("node_loss_recovery", rep);
            long killAt;
            long end;
            long[] arrival = new long[inputs.size()];
            long[] parentOf = new long[inputs.size()];
            try (Pool pool = origin.pool(PoolOptions.workers(3).chunkSize(1))) {
                requirePlacement(placement(pool, names), "node2:1 node3:1 pool's node:1");
                long t0 = System.nanoTime();
                for (String r : pool.map(sleepAndLog(base.toString(), sleep), inputs)) {
                    parse(r);
                }
                m.put("map_ms_without_loss", (System.nanoTime() - t0) / 1e6);
                List<ProcessHandle> victims = new ArrayList<>(node3.process.descendants().toList());
                victims.add(0, node3.process.toHandle());
                int killAfter = Math.max(1, inputs.size() * 3 / 10);
                int n = 0;
                killAt = 0;
                t0 = System.nanoTime();
                Iterator<String> it = pool.imapUnordered(sleepAndLog(runs.toString(), sleep), inputs);
                while (it.hasNext()) {
                    long[] r = parse(it.next());
                    arrival[(int) r[0]] = System.nanoTime();
                    parentOf[(int) r[0]] = r[1];
                    if (++n == killAfter) {
                        killAt = System.nanoTime();
                        victims.forEach(ProcessHandle::destroyForcibly);
                    }
                }
                end = System.nanoTime();
                if (n != inputs.size()) {
                    throw new IllegalStateException(n + " results of " + inputs.size());
                }
                m.put("map_ms_with_loss", (end - t0) / 1e6);
            }
            // A task that started on the killed node and whose result came from another: run again.
            long victim = node3.pid();
            Set<Integer> startedThere = startedUnder(runs, victim);
            long firstRerun = Long.MAX_VALUE;
            int reruns = 0;
            for (int x : startedThere) {
                if (parentOf[x] != victim) {
                    reruns++;
                    firstRerun = Math.min(firstRerun, arrival[x]);
                }
            }
            m.put("unit", "ms");
            m.put("tasks", inputs.size());
            m.put("task_sleep_ms", sleep);
            m.put("killed_after_results", Math.max(1, inputs.size() * 3 / 10));
            m.put("kill_to_first_rerun_result", firstRerun == Long.MAX_VALUE ? null : (firstRerun - killAt) / 1e6);
            m.put("kill_to_map_end", (end - killAt) / 1e6);
            m.put("reruns_of_started_tasks", reruns);
            if (rep < reps - 1 || sizes.awaitLastRemoval()) {
                long port = port(node3);
                Seen removed = await(events, e -> e instanceof ClusterEvent.NodeRemoved r
                    && isPort(r.node().address(), port), REMOVAL, "node3 removed after the kill");
                m.put("kill_to_node_removed", (removed.at() - killAt) / 1e6);
                m.put("removal_reason", ((ClusterEvent.NodeRemoved) removed.event()).reason().name());
            } else {
                m.put("kill_to_node_removed", null);
            }
        }
    }

    /** The task of {@code node_loss_recovery}: logs its input under its worker's parent and sleeps. */
    private static Task<Integer, String> sleepAndLog(String logDir, int sleepMs) {
        return x -> {
            long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
            Files.writeString(Path.of(logDir, parent + "-" + ProcessHandle.current().pid()), x + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Thread.sleep(sleepMs);
            return x + ":" + parent;
        };
    }

    /** The inputs the workers under {@code parent} started, from their logs. */
    private static Set<Integer> startedUnder(Path logDir, long parent) throws IOException {
        Set<Integer> out = new TreeSet<>();
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(parent + "-")).toList()) {
                for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!l.isBlank()) {
                        out.add(Integer.parseInt(l.trim()));
                    }
                }
            }
        }
        return out;
    }

    private static long[] parse(String result) {
        int colon = result.indexOf(':');
        return new long[] {Long.parseLong(result.substring(0, colon)), Long.parseLong(result.substring(colon + 1))};
    }

    /**
     * Where a pool's workers are, as {@code "name:workers ..."} by the node they run under (their parent process):
     * found by submitting tasks one at a time in a burst, which the pool spreads over its workers.
     */
    private static String placement(Pool pool, Map<Long, String> names) throws Exception {
        Task<Integer, String> where = x -> ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) + ":"
            + ProcessHandle.current().pid();
        List<CompletableFuture<String>> fs = new ArrayList<>();
        for (int i = 0; i < 50 * pool.size(); i++) {
            fs.add(pool.submit(where, i));
        }
        Map<String, Set<String>> workers = new TreeMap<>();
        for (CompletableFuture<String> f : fs) {
            String[] r = f.get(60, TimeUnit.SECONDS).split(":");
            workers.computeIfAbsent(names.getOrDefault(Long.parseLong(r[0]), "pid " + r[0]), k -> new TreeSet<>())
                .add(r[1]);
        }
        List<String> out = new ArrayList<>();
        workers.forEach((node, pids) -> out.add(node + ":" + pids.size()));
        return String.join(" ", out);
    }

    /** Fails unless {@code placement} (as {@link #placement} writes it) matches {@code wanted}, a regex. */
    private static void requirePlacement(String placement, String wanted) {
        if (!placement.matches(wanted)) {
            throw new IllegalStateException("the pool's workers are not where the benchmark needs them: " + placement
                + " (wanted " + wanted + ")");
        }
    }

    private Child startNode(String name, int port, int seedPort, List<String> labels, int workers) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bind", HOST + ":" + port, "--seed", HOST + ":" + seedPort,
            "--workers", String.valueOf(workers)));
        for (String l : labels) {
            args.addAll(List.of("--label", l));
        }
        // The node JVM only runs the control plane (membership, lending); its workers get Troupe's worker options.
        return start(name, List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"),
            ClusterBenchNode.class, args, Map.of("TROUPE_SECRET", secret));
    }

    /** Closes a node's standard input (it leaves the cluster) and waits until the seed has removed it. */
    private void leave(Child node, List<Seen> events) throws Exception {
        long port = port(node);
        node.process.getOutputStream().close();
        await(events, e -> e instanceof ClusterEvent.NodeRemoved r && isPort(r.node().address(), port), REMOVAL,
            node.name + " removed after leaving");
        if (!node.process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(node.name + " did not exit after leaving; its log:\n" + node.log());
        }
    }

    private static long port(Child node) {
        String bind = node.args.get(node.args.indexOf("--bind") + 1);
        return Long.parseLong(bind.substring(bind.lastIndexOf(':') + 1));
    }

    private static boolean isPort(String address, long port) {
        return address.endsWith(":" + port);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hazelcast

    private void hazelcast() throws Exception {
        int first = freePort();
        int second = freePort();
        List<Seen> events = new CopyOnWriteArrayList<>();
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(HazelcastPeer.config(first, List.of(first, second)));
        try {
            hz.getCluster().addMembershipListener(new MembershipListener() {
                @Override
                public void memberAdded(MembershipEvent e) {
                    events.add(new Seen(System.nanoTime(), "added:" + e.getMember().getAddress().getPort()));
                }

                @Override
                public void memberRemoved(MembershipEvent e) {
                    events.add(new Seen(System.nanoTime(), "removed:" + e.getMember().getAddress().getPort()));
                }
            });
            Child member2 = startMember("hz-member2", second, List.of(first, second));
            member2.await("up", START);
            await(events, "added:" + second, "Hazelcast member 2 added");
            int third = 0;
            Child member3 = null;
            for (int rep = 0; rep < reps; rep++) {
                if (member3 != null) {
                    member3.process.getOutputStream().close();
                    await(events, "removed:" + third, "Hazelcast member 3 removed");
                    member3.process.waitFor(60, TimeUnit.SECONDS);
                }
                third = freePort();
                member3 = startMember("hz-member3-" + rep, third, List.of(first, second, third));
                Stamped up = member3.await("up", START);
                Seen seen = await(events, "added:" + third, "Hazelcast member 3 added");
                Map<String, Object> m = line("cluster_join_time", rep);
                m.put("hazelcast_from_process_start", (up.at() - member3.startedAt) / 1e6);
                m.put("hazelcast_from_new_instance", number(up.line(), "start_ms"));
                m.put("hazelcast_added_at_first_from_process_start", (seen.at() - member3.startedAt) / 1e6);
            }
            Member self = hz.getCluster().getLocalMember();
            Member m2 = member(hz, second);
            Member m3 = member(hz, third);
            progress("hazelcast: joins measured");
            hazelcastMap(hz, List.of(List.of(self), List.of(self, m2), List.of(m2, m3)));
            progress("hazelcast: maps measured");
            hazelcastRoundTrip(hz.getExecutorService("one"), m2);
            progress("hazelcast: round trips measured");
            hazelcastLoss(hz, List.of(first, second), member3, third, events);
            progress("hazelcast: member losses measured");
        } finally {
            killAll();
            hz.getLifecycleService().terminate();
        }
    }

    private static Member member(HazelcastInstance hz, int port) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getAddress().getPort() == port) {
                return m;
            }
        }
        throw new IllegalStateException("no Hazelcast member on port " + port + ": " + hz.getCluster().getMembers());
    }

    /**
     * The same map as {@link #mapSmall}: chunks of the same size, each squared by one task, sent round the members of
     * each configuration; one member alone runs them on its executor of 2 threads, two members each on one thread.
     */
    private void hazelcastMap(HazelcastInstance hz, List<List<Member>> configurations) throws Exception {
        List<Integer> inputs = ints(sizes.mapInputs());
        int chunk = chunk(inputs.size(), 2);
        IExecutorService[] executors = {hz.getExecutorService("two"), hz.getExecutorService("one"),
            hz.getExecutorService("one")};
        for (int w = 0; w < sizes.warmMaps(); w++) {
            for (int i = 0; i < configurations.size(); i++) {
                check(hazelcastMap(executors[i], configurations.get(i), inputs, chunk));
            }
        }
        for (int rep = 0; rep < reps; rep++) {
            double[][] rates = new double[configurations.size()][sizes.maps()];
            for (int k = 0; k < sizes.maps(); k++) {
                for (int i = 0; i < configurations.size(); i++) {
                    long t0 = System.nanoTime();
                    List<Integer> out = hazelcastMap(executors[i], configurations.get(i), inputs, chunk);
                    rates[i][k] = inputs.size() / ((System.nanoTime() - t0) / 1e9);
                    check(out);
                }
            }
            for (int i = 0; i < configurations.size(); i++) {
                Map<String, Object> m = line("cluster_map_small/" + (i + 1), rep);
                m.put("peer_value", median(rates[i]));
                m.put("peer_members_running_tasks", configurations.get(i).size());
            }
        }
    }

    private static List<Integer> hazelcastMap(IExecutorService executor, List<Member> members, List<Integer> inputs,
                                              int chunk) throws Exception {
        List<Future<int[]>> parts = new ArrayList<>();
        for (int from = 0, k = 0; from < inputs.size(); from += chunk, k++) {
            int to = Math.min(inputs.size(), from + chunk);
            int[] xs = new int[to - from];
            for (int i = from; i < to; i++) {
                xs[i - from] = inputs.get(i);
            }
            parts.add(executor.submitToMember(new HazelcastPeer.SquareChunk(xs), members.get(k % members.size())));
        }
        List<Integer> out = new ArrayList<>(inputs.size());
        for (Future<int[]> f : parts) {
            for (int v : f.get(60, TimeUnit.SECONDS)) {
                out.add(v);
            }
        }
        return out;
    }

    private void hazelcastRoundTrip(IExecutorService executor, Member other) {
        byte[] payload = new byte[PAYLOAD];
        Percentiles.time(sizes.warmPings(), 1, () -> get(executor.submitToMember(new HazelcastPeer.Echo(payload),
            other)));
        for (int rep = 0; rep < reps; rep++) {
            double[] rtt = Percentiles.of(Percentiles.time(0, sizes.pings(),
                () -> get(executor.submitToMember(new HazelcastPeer.Echo(payload), other))));
            Map<String, Object> m = line("cluster_task_roundtrip", rep);
            m.put("hazelcast_p50", rtt[0]);
            m.put("hazelcast_p99", rtt[1]);
        }
    }

    /**
     * The peer of {@link #nodeLoss}: the same sleeping tasks over the 3 members (1 thread each, at most
     * {@link #LOSS_WINDOW} in flight per member, as Troupe's pool keeps them), the third member killed (SIGKILL) after
     * the same share of results; a task whose member left is resubmitted by this caller to another member, which is
     * what a user of the plain {@link IExecutorService} must do (it does not fail over by itself).
     */
    private void hazelcastLoss(HazelcastInstance hz, List<Integer> firstTwo, Child firstMember3, int firstThird,
                               List<Seen> events) throws Exception {
        Child member3 = firstMember3;
        int third = firstThird;
        IExecutorService executor = hz.getExecutorService("one");
        for (int rep = 0; rep < reps; rep++) {
            if (rep > 0) {
                third = freePort();
                List<Integer> all = new ArrayList<>(firstTwo);
                all.add(third);
                member3 = startMember("hz-member3-loss-" + rep, third, all);
                member3.await("up", START);
                await(events, "added:" + third, "Hazelcast member 3 added again");
            }
            List<Member> members = new ArrayList<>(List.of(hz.getCluster().getLocalMember(),
                member(hz, firstTwo.get(1)), member(hz, third)));
            Map<String, Object> m = line("node_loss_recovery", rep);
            long t0 = System.nanoTime();
            hazelcastLongMap(executor, members, null);
            m.put("hazelcast_map_ms_without_loss", (System.nanoTime() - t0) / 1e6);
            long[] times = hazelcastLongMap(executor, members, member3);
            m.put("hazelcast_kill_to_first_rerun_result", times[1] == 0 ? null : (times[1] - times[0]) / 1e6);
            m.put("hazelcast_kill_to_map_end", (times[2] - times[0]) / 1e6);
            m.put("hazelcast_reruns", times[3]);
            if (rep < reps - 1 || sizes.awaitLastRemoval()) {
                Seen removed = await(events, ("removed:" + third)::equals, REMOVAL, "Hazelcast member 3 removed");
                m.put("hazelcast_kill_to_member_removed", (removed.at() - times[0]) / 1e6);
            }
        }
    }

    /** Tasks in flight per worker or member in the node-loss maps: what Troupe's pool kept in flight there. */
    private static final int LOSS_WINDOW = 2;

    /**
     * Runs {@code lossTasks} sleeping tasks over {@code members}; with a {@code victim}, kills it (and what it
     * started) after 30 % of the results.
     *
     * @return when the victim was killed, the first resubmitted task's result came, the last result came
     *     ({@link System#nanoTime()}), and how many tasks were resubmitted.
     */
    private long[] hazelcastLongMap(IExecutorService executor, List<Member> members, Child victim) throws Exception {
        record Done(int x, Member member, Throwable error) {
        }
        int count = sizes.lossTasks();
        int killAfter = Math.max(1, count * 3 / 10);
        BlockingQueue<Done> done = new LinkedBlockingQueue<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>(ints(count));
        Map<Member, Integer> inFlight = new HashMap<>();
        List<Member> live = new ArrayList<>(members);
        Set<Integer> resubmitted = new HashSet<>();
        long killAt = 0;
        long firstRerun = 0;
        int results = 0;
        while (results < count) {
            for (Member target : live) {
                while (inFlight.getOrDefault(target, 0) < LOSS_WINDOW && !queue.isEmpty()) {
                    int x = queue.pollFirst();
                    inFlight.merge(target, 1, Integer::sum);
                    Future<Integer> f = executor.submitToMember(new HazelcastPeer.SleepTask(x, sizes.lossTaskMs()),
                        target);
                    ((CompletableFuture<Integer>) f).whenComplete((r, e) -> done.add(new Done(x, target, e)));
                }
            }
            Done d = done.poll(REMOVAL.toSeconds(), TimeUnit.SECONDS);
            if (d == null) {
                throw new IllegalStateException("no Hazelcast result within " + REMOVAL.toSeconds() + " s");
            }
            inFlight.merge(d.member(), -1, Integer::sum);
            if (d.error() != null) {
                Throwable cause = d.error() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : d.error();
                if (!(cause instanceof MemberLeftException || cause instanceof TargetNotMemberException)) {
                    throw new IllegalStateException("a Hazelcast task failed", cause);
                }
                live.remove(d.member());
                queue.addFirst(d.x());
                resubmitted.add(d.x());
                continue;
            }
            results++;
            long now = System.nanoTime();
            if (firstRerun == 0 && resubmitted.contains(d.x())) {
                firstRerun = now;
            }
            if (victim != null && results == killAfter) {
                List<ProcessHandle> handles = new ArrayList<>(victim.process.descendants().toList());
                handles.add(0, victim.process.toHandle());
                killAt = System.nanoTime();
                handles.forEach(ProcessHandle::destroyForcibly);
            }
        }
        return new long[] {killAt, firstRerun, System.nanoTime(), resubmitted.size()};
    }

    private Child startMember(String name, int port, List<Integer> members) throws IOException {
        List<String> args = new ArrayList<>();
        args.add(String.valueOf(port));
        members.forEach(p -> args.add(String.valueOf(p)));
        // Hazelcast's recommended options on JDK 17+ (without them it warns and reads fewer metrics).
        return start(name, List.of("-Xmx256m", "-XX:+UseSerialGC", "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"),
            HazelcastPeer.class, args, Map.of());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Output

    private Map<String, Object> line(String key, int rep) {
        List<Map<String, Object>> byRep = lines.get(key);
        while (byRep.size() <= rep) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", key.contains("/") ? key.substring(0, key.indexOf('/')) : key);
            m.put("rep", byRep.size() + 1);
            byRep.add(m);
        }
        return byRep.get(rep);
    }

    private void print(PrintStream out) {
        for (List<Map<String, Object>> byRep : lines.values()) {
            for (Map<String, Object> m : byRep) {
                switch ((String) m.get("bench")) {
                    case "cluster_map_small" -> {
                        m.put("peer", "hazelcast 5.7.0 IExecutorService.submitToMember, int[] chunks of the same size"
                            + " (DataSerializable), 1 thread per member (2 on a member alone)");
                        m.put("ratio_troupe_over_peer", ratio(m.get("troupe"), m.get("peer_value")));
                        Object local = lines.get("cluster_map_small/1").get((Integer) m.get("rep") - 1).get("troupe");
                        m.put("ratio_troupe_over_troupe_one_node", ratio(m.get("troupe"), local));
                    }
                    case "cluster_task_roundtrip" -> {
                        m.put("peers", "troupe_local_worker: a worker of the pool's own node; troupe_remote_worker:"
                            + " a RemoteWorker that dialled a node over Troupe TCP, no cluster; hazelcast:"
                            + " submitToMember(callable, member).get() to a member in another JVM; artery: a 64-byte"
                            + " byte[] ping-pong between two ActorSystems (ArteryBench)");
                        m.put("ratio_hazelcast_over_troupe_p50", ratio(m.get("hazelcast_p50"), m.get("troupe_p50")));
                        m.put("ratio_artery_over_troupe_p50", ratio(m.get("artery_p50"), m.get("troupe_p50")));
                    }
                    case "cluster_join_time" -> {
                        m.put("peer", "hazelcast 5.7.0 member, TCP-IP join on loopback, default timings");
                        m.put("ratio_troupe_over_hazelcast_from_process_start",
                            ratio(m.get("troupe_from_process_start"), m.get("hazelcast_from_process_start")));
                    }
                    default -> {
                        m.put("peer", "hazelcast 5.7.0 IExecutorService.submitToMember, 1 thread per member, "
                            + LOSS_WINDOW + " tasks in flight per member; a task whose member left"
                            + " (MemberLeftException) is resubmitted by the caller to another member");
                        m.put("ratio_hazelcast_over_troupe_first_rerun",
                            ratio(m.get("hazelcast_kill_to_first_rerun_result"), m.get("kill_to_first_rerun_result")));
                        m.put("ratio_hazelcast_over_troupe_map_end", ratio(m.get("hazelcast_kill_to_map_end"),
                            m.get("kill_to_map_end")));
                    }
                }
                m.put("java", Runtime.version().toString());
                m.put("cores", Runtime.getRuntime().availableProcessors());
                out.println(Json.line(m));
            }
        }
        out.flush();
    }

    /** A line on standard error, so that a long run shows where it is; standard output carries the figures. */
    private static void progress(String what) {
        System.err.println("cluster bench: " + what);
    }

    private static Double ratio(Object a, Object b) {
        if (!(a instanceof Number x) || !(b instanceof Number y) || y.doubleValue() == 0) {
            return null;
        }
        return x.doubleValue() / y.doubleValue();
    }

    private static Double number(String jsonLine, String key) {
        Matcher m = NUMBER_FIELD.matcher(jsonLine);
        while (m.find()) {
            if (m.group(1).equals(key)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    private static List<Integer> ints(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    /** Python's and Troupe's default chunk size: {@code ceil(inputs / (4 * workers))}. */
    private static int chunk(int inputs, int workers) {
        return (inputs + 4 * workers - 1) / (4 * workers);
    }

    private static void check(List<Integer> out) {
        int last = out.size() - 1;
        if (out.get(last) != last * last) {
            throw new AssertionError("wrong result at " + last + ": " + out.get(last));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** An event and when this JVM saw it. */
    private record Seen(long at, Object event) {
    }

    private static Seen await(List<Seen> seen, Predicate<Object> wanted, Duration timeout, String what)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Seen s : seen) {
                if (wanted.test(s.event())) {
                    return s;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(5);
        }
    }

    private static Seen await(List<Seen> seen, String event, String what) throws InterruptedException {
        return await(seen, event::equals, START, what);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Child JVMs

    private Child start(String name, List<String> jvmOptions, Class<?> main, List<String> args,
                        Map<String, String> environment) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // As this JVM was started (./troupe probes what the JDK accepts): native access for JNA, Unsafe for Agrona.
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--enable-native-access") || a.startsWith("--sun-misc-unsafe-memory-access")) {
                cmd.add(a);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(environment);
        Path log = dir.resolve(name + ".log");
        pb.redirectError(log.toFile());
        long t0 = System.nanoTime();
        Child c = new Child(name, args, pb.start(), log, t0);
        children.add(c);
        return c;
    }

    /** Closes every child's standard input (each then leaves and exits), waits a while, then kills what is left. */
    private void stopAll() {
        for (Child c : children) {
            try {
                c.process.getOutputStream().close();
            } catch (IOException ignored) {
                // gone already
            }
        }
        for (Child c : children) {
            try {
                c.process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        killAll();
    }

    /** Kills every child JVM and what it started (SIGKILL), and waits for them to exit. */
    private void killAll() {
        for (Child c : children) {
            List<ProcessHandle> descendants = c.process.descendants().toList();
            c.process.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        }
        for (Child c : children) {
            try {
                c.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        children.removeIf(c -> !c.process.isAlive());
    }

    private void printLogs() {
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
                System.err.println("--- " + f.getFileName() + " (last lines)");
                all.subList(Math.max(0, all.size() - 40), all.size()).forEach(System.err::println);
            }
        } catch (IOException e) {
            System.err.println("cannot read the child logs: " + e);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("cannot remove " + root + ": " + e);
        }
    }

    /** A line of a child's standard output and when it was read. */
    record Stamped(long at, String line) {
    }

    /** A child JVM that prints JSON lines on standard output; its standard error goes to a log file. */
    private static final class Child {
        final String name;
        final List<String> args;
        final Process process;
        final Path log;
        /** When it was started, {@link System#nanoTime()}. */
        final long startedAt;
        private final BlockingQueue<Stamped> lines = new LinkedBlockingQueue<>();
        private volatile boolean ended;

        Child(String name, List<String> args, Process process, Path log, long startedAt) {
            this.name = name;
            this.args = args;
            this.process = process;
            this.log = log;
            this.startedAt = startedAt;
            Thread reader = new Thread(this::read, "read-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        long pid() {
            return process.pid();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(new Stamped(System.nanoTime(), line));
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                ended = true;
            }
        }

        /** The next line of {@code event}; fails when the child says it failed, ends, or {@code timeout} passes. */
        Stamped await(String event, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                boolean wasEnded = ended;
                Stamped s = lines.poll(100, TimeUnit.MILLISECONDS);
                if (s != null && s.line().contains("\"event\": \"" + event + "\"")) {
                    return s;
                }
                if (s != null && s.line().contains("\"event\": \"failed\"")) {
                    throw new IllegalStateException(name + " failed: " + s.line() + "\nits log:\n" + log());
                }
                if (s == null && (wasEnded || System.nanoTime() > deadline)) {
                    throw new IllegalStateException(name + " did not report " + event
                        + (wasEnded ? " before its output ended" : " within " + timeout.toSeconds() + " s")
                        + "; its log:\n" + log());
                }
            }
        }

        String log() {
            try {
                List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
                return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
