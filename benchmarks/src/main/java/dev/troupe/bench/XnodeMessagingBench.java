package dev.troupe.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.TopicSubscription;
import dev.troupe.Troupe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Cluster-wide queues and topics across three nodes on 127.0.0.1: node A (a {@link ClusterBenchNode} JVM, the
 * oldest member, so it hosts the queues), this JVM and node B (another {@link ClusterBenchNode}). Pekko's default
 * timings.
 * <ul>
 *   <li>{@code xnode_queue_op}: one {@code put} and one {@code get} of a 64-byte string from this JVM to a queue
 *   hosted by A (each an Artery round trip): µs per operation, beside a Pekko Artery ask round trip between two JVMs
 *   ({@link ArteryBench#pingPong}) from the same run;</li>
 *   <li>{@code xnode_queue_relay}: this JVM puts on queue {@code ping}, B takes it and puts it on {@code pong}, this
 *   JVM takes it: the hand-off between two members that do not host the queues (four operations at A);</li>
 *   <li>{@code xnode_topic_fanout}: this JVM publishes 20,000 64-byte strings as fast as it can; subscribers on A, B
 *   and this JVM: messages per second from the first publish to the last message received by the slowest, and how
 *   many each lost.</li>
 * </ul>
 */
final class XnodeMessagingBench {
    private static final String HOST = "127.0.0.1";
    private static final int WARM = 2_000;
    private static final int OPS = 5_000;
    private static final int FANOUT = 20_000;
    private static final String PAYLOAD = "x".repeat(64);

    private XnodeMessagingBench() {
    }

    static void run(int reps, PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("troupe-bench-xnode",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path secretFile = dir.resolve("secret");
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String secret = "xnode-bench-" + HexFormat.of().formatHex(random);
        Files.writeString(secretFile, secret, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        List<Node> nodes = new ArrayList<>();
        List<Map<String, Object>> lines = new ArrayList<>();
        try {
            int seed = ClusterBench.freePort();
            Node a = Node.start("nodeA", seed, seed, secret, dir);
            nodes.add(a);
            a.await("up");
            Config config = ConfigFactory.parseMap(Map.of(
                    "troupe.cluster.bind", HOST + ":" + ClusterBench.freePort(),
                    "troupe.cluster.seed-nodes", List.of(HOST + ":" + seed),
                    "troupe.cluster.workers", "0",
                    "troupe.cluster.secret-file", secretFile.toString()))
                .withFallback(ConfigFactory.load());
            try (Troupe troupe = Troupe.cluster(config)) {
                Node b = Node.start("nodeB", ClusterBench.freePort(), seed, secret, dir);
                nodes.add(b);
                b.await("up");
                troupe.cluster().awaitMembers(3, Duration.ofSeconds(60));
                b.send("qecho ping pong");
                NamedQueue<String> self = troupe.queue("self", String.class);
                NamedQueue<String> ping = troupe.queue("ping", String.class);
                NamedQueue<String> pong = troupe.queue("pong", String.class);
                NamedTopic<String> news = troupe.topic("news", String.class);
                for (int rep = 0; rep < reps; rep++) {
                    lines.add(queueOps(self, rep));
                    lines.add(relay(ping, pong, rep));
                    lines.add(fanout(troupe, news, a, b, rep));
                    System.err.println("xnode: rep " + (rep + 1) + " of " + reps + " done");
                }
                for (Node n : nodes) {
                    n.leave();
                }
            }
            for (int rep = 0; rep < reps; rep++) {
                double[] artery = ArteryBench.pingPong(WARM, OPS);
                lines.get(rep * 3).put("artery_ask_p50_us", artery[0]);
                lines.get(rep * 3).put("put_p50_over_artery_p50",
                    (double) lines.get(rep * 3).get("put_p50_us") / artery[0]);
            }
            for (Map<String, Object> m : lines) {
                out.println(Json.line(m));
            }
        } finally {
            for (Node n : nodes) {
                n.process.destroyForcibly();
                n.process.waitFor(30, TimeUnit.SECONDS);
            }
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Map<String, Object> queueOps(NamedQueue<String> q, int rep) throws InterruptedException {
        for (int i = 0; i < WARM; i++) {
            q.put(PAYLOAD);
            q.get();
        }
        long[] puts = new long[OPS];
        long[] gets = new long[OPS];
        for (int i = 0; i < OPS; i++) {
            long t0 = System.nanoTime();
            q.put(PAYLOAD);
            long t1 = System.nanoTime();
            q.get();
            gets[i] = System.nanoTime() - t1;
            puts[i] = t1 - t0;
        }
        double[] p = Percentiles.of(puts);
        double[] g = Percentiles.of(gets);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "xnode_queue_op");
        m.put("rep", rep);
        m.put("put_p50_us", p[0]);
        m.put("put_p99_us", p[1]);
        m.put("get_p50_us", g[0]);
        m.put("get_p99_us", g[1]);
        m.put("ops", OPS);
        return m;
    }

    private static Map<String, Object> relay(NamedQueue<String> ping, NamedQueue<String> pong, int rep)
        throws InterruptedException {
        for (int i = 0; i < WARM; i++) {
            ping.put(PAYLOAD);
            pong.get();
        }
        long[] ns = new long[OPS];
        long start = System.nanoTime();
        for (int i = 0; i < OPS; i++) {
            long t0 = System.nanoTime();
            ping.put(PAYLOAD);
            pong.get();
            ns[i] = System.nanoTime() - t0;
        }
        long total = System.nanoTime() - start;
        double[] p = Percentiles.of(ns);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "xnode_queue_relay");
        m.put("rep", rep);
        m.put("p50_us", p[0]);
        m.put("p99_us", p[1]);
        m.put("relays_per_s", OPS / (total / 1e9));
        return m;
    }

    private static Map<String, Object> fanout(Troupe troupe, NamedTopic<String> news, Node a, Node b, int rep)
        throws Exception {
        a.send("tsub news " + FANOUT);
        b.send("tsub news " + FANOUT);
        a.await("subscribed");
        b.await("subscribed");
        long[] local = new long[3];
        try (TopicSubscription<String> sub = news.subscribe()) {
            Thread reader = new Thread(() -> {
                try {
                    while (local[0] + sub.lost() < FANOUT) {
                        if (sub.receive(Duration.ofSeconds(30)) == null) {
                            break;
                        }
                        local[0]++;
                        local[2] = System.currentTimeMillis();
                    }
                    local[1] = sub.lost();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            reader.start();
            long startMs = System.currentTimeMillis();
            long t0 = System.nanoTime();
            for (int i = 0; i < FANOUT; i++) {
                news.publish(PAYLOAD);
            }
            double publishSeconds = (System.nanoTime() - t0) / 1e9;
            String ra = a.await("received");
            String rb = b.await("received");
            reader.join(60_000);
            long last = Math.max(local[2], Math.max(number(ra, "last_at_ms"), number(rb, "last_at_ms")));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "xnode_topic_fanout");
            m.put("rep", rep);
            m.put("messages", FANOUT);
            m.put("publish_per_s", FANOUT / publishSeconds);
            m.put("delivered_to_all_per_s", FANOUT / ((last - startMs) / 1e3));
            m.put("received_here", local[0]);
            m.put("lost_here", local[1]);
            m.put("received_a", number(ra, "count"));
            m.put("lost_a", number(ra, "lost"));
            m.put("received_b", number(rb, "count"));
            m.put("lost_b", number(rb, "lost"));
            return m;
        }
    }

    private static long number(String line, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\": (-?[0-9]+)").matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in " + line);
        }
        return Long.parseLong(m.group(1));
    }

    /** A {@link ClusterBenchNode} JVM. */
    private static final class Node {
        final String name;
        final Process process;
        final Path log;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        private Node(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // gone
                }
            }, "read-" + name);
            t.setDaemon(true);
            t.start();
        }

        static Node start(String name, int port, int seed, String secret, Path dir) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx192m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                ClusterBenchNode.class.getName(), "--bind", HOST + ":" + port, "--seed", HOST + ":" + seed,
                "--workers", "0"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("TROUPE_SECRET", secret);
            Path log = dir.resolve(name + ".log");
            pb.redirectError(log.toFile());
            return new Node(name, pb.start(), log);
        }

        void send(String line) throws IOException {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        String await(String event) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.contains("\"event\": \"" + event + "\"")) {
                    return line;
                }
                if (line != null && line.contains("\"event\": \"failed\"")) {
                    throw new IllegalStateException(name + " failed: " + line + "\n" + Files.readString(log));
                }
            }
            throw new IllegalStateException(name + " did not report " + event + "; its log:\n"
                + Files.readString(log));
        }

        void leave() throws Exception {
            process.getOutputStream().close();
            process.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
