package dev.troupe.samples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.Cluster;
import dev.troupe.NodeInfo;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./troupe demo cluster}: a cluster of three nodes on this machine (this JVM and two {@code troupe node}
 * processes), a map whose workers are spread over the three, one node killed (SIGKILL, with its workers) in the
 * middle of the map, and every result still arriving, once and in order.
 */
public final class ClusterDemo {
    private static final int TASKS = 300;
    private static final int KILL_AFTER = 90;
    private static int node3Port;

    private ClusterDemo() {
    }

    /** A task: squares its input after 30 ms of "work", and says which node's JVM started its worker. */
    static String square(Integer x) throws InterruptedException {
        Thread.sleep(30);
        long node = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        return (long) x * x + "@" + node;
    }

    /**
     * @param args none.
     * @throws Exception when the demo cannot run.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("troupe-cluster-demo");
        Path secret = dir.resolve("secret");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.writeString(secret, HexFormat.of().formatHex(random));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        int seed = freePort();
        Map<String, Process> others = new LinkedHashMap<>();
        try {
            for (String name : List.of("node2", "node3")) {
                others.put(name, startNode(name, seed, secret, dir));
            }
            Config config = ConfigFactory.parseMap(Map.of(
                    "troupe.cluster.bind", "127.0.0.1:" + seed,
                    "troupe.cluster.seed-nodes", List.of("127.0.0.1:" + seed),
                    "troupe.cluster.secret-file", secret.toString(),
                    "troupe.cluster.workers", "1"))
                .withFallback(ConfigFactory.load());
            try (Troupe troupe = Troupe.cluster(config)) {
                run(troupe, others);
            }
        } finally {
            for (Process p : others.values()) {
                p.destroy();
            }
            for (Process p : others.values()) {
                p.onExit().get();
            }
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void run(Troupe troupe, Map<String, Process> others) throws Exception {
        Cluster cluster = troupe.cluster();
        System.out.println("node1 is this JVM (pid " + ProcessHandle.current().pid() + "); waiting for 3 members...");
        if (!cluster.awaitMembers(3, Duration.ofSeconds(90))) {
            throw new IllegalStateException("the other nodes did not join; their logs: " + others.keySet());
        }
        Map<Long, String> names = new TreeMap<>();
        names.put(ProcessHandle.current().pid(), "node1");
        others.forEach((name, p) -> names.put(p.pid(), name));
        for (NodeInfo n : cluster.nodes()) {
            System.out.println("  member " + n.address() + " " + n.status() + ", lends " + n.workers() + " worker(s)");
        }
        List<Integer> inputs = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            inputs.add(i);
        }
        java.util.concurrent.CompletableFuture<dev.troupe.ClusterEvent> node3Removed =
            new java.util.concurrent.CompletableFuture<>();
        cluster.onEvent(e -> {
            if (e instanceof dev.troupe.ClusterEvent.NodeRemoved && e.node().address().endsWith(":" + node3Port)) {
                node3Removed.complete(e);
            }
        });
        Map<String, Integer> byNode = new TreeMap<>();
        boolean inOrder = true;
        int received = 0;
        long t0 = System.nanoTime();
        try (Pool pool = troupe.pool(PoolOptions.workers(3).chunkSize(5))) {
            System.out.println("a pool of 3 workers, spread over the 3 nodes; mapping x -> x*x over " + TASKS
                + " inputs, 30 ms each");
            Iterator<String> results = pool.imap(ClusterDemo::square, inputs);
            while (results.hasNext()) {
                String[] r = results.next().split("@");
                inOrder &= Long.parseLong(r[0]) == (long) received * received;
                String node = names.getOrDefault(Long.parseLong(r[1]), "pid " + r[1]);
                byNode.merge(node, 1, Integer::sum);
                received++;
                if (received % 30 == 0) {
                    System.out.printf("  %3d results so far, by node: %s%n", received, byNode);
                }
                if (received == KILL_AFTER) {
                    Process victim = others.get("node3");
                    victim.descendants().forEach(ProcessHandle::destroyForcibly);
                    victim.destroyForcibly();
                    System.out.println("  >>> killed node3 (pid " + victim.pid() + ") and its worker with SIGKILL;"
                        + " its tasks in flight run again on the other nodes");
                }
            }
        }
        System.out.printf("all %d results arrived, each once, in input order: %b (%.1f s); by node: %s%n", received,
            inOrder && received == TASKS, (System.nanoTime() - t0) / 1e9, byNode);
        System.out.println("the cluster removes node3 once its split-brain resolver is sure (Pekko's default: stable"
            + " for 20 s after node3 became unreachable)...");
        try {
            System.out.println("  " + node3Removed.get(60, java.util.concurrent.TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            System.out.println("  not within 60 s");
        }
        System.out.println("members now: " + cluster.nodes().stream().map(n -> n.address() + " " + n.status())
            .toList());
    }

    private static Process startNode(String name, int seed, Path secret, Path dir) throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx192m", "-cp", System.getProperty("java.class.path"), "dev.troupe.cluster.NodeCommand",
            "--bind", "127.0.0.1:" + port, "--seed", "127.0.0.1:" + seed, "--secret-file", secret.toString(),
            "--workers", "1"));
        Path log = dir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        System.out.println("started " + name + " (pid " + p.pid() + ") on 127.0.0.1:" + port);
        if (name.equals("node3")) {
            node3Port = port;
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
