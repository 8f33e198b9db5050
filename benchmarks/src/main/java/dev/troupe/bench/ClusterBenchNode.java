package dev.troupe.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.TopicSubscription;
import dev.troupe.Troupe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Troupe cluster node in a JVM of its own, for {@link ClusterBench}:
 * {@code ClusterBenchNode --bind HOST:PORT --seed HOST:PORT [--label L]... [--workers N]}, with the cluster's secret
 * in the environment ({@code TROUPE_SECRET}). It starts with {@code Troupe.cluster(config)} on Pekko's default
 * cluster timings, prints one JSON line {@code {"event": "up", ...}} once it is a member, lends up to {@code N}
 * workers to the pools of other nodes, and leaves the cluster gracefully when its standard input ends. Exit codes:
 * 0 after leaving, 3 when the node cannot start, 4 when the leave timed out. For {@link XnodeMessagingBench} it takes
 * lines on standard input: {@code qecho IN OUT} moves every message of cluster queue {@code IN} to {@code OUT}, and
 * {@code tsub TOPIC N} subscribes to a cluster topic (printing {@code subscribed}), receives {@code N} messages
 * and prints {@code received} with their count, how many it lost and when the last came (epoch ms).
 */
public final class ClusterBenchNode {
    private ClusterBenchNode() {
    }

    /**
     * Runs a node until standard input ends.
     *
     * @param args see the class comment.
     * @throws Exception when interrupted while leaving.
     */
    public static void main(String[] args) throws Exception {
        long mainAt = System.currentTimeMillis();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String bind = "127.0.0.1:0";
        List<String> seeds = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        String workers = "1";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--seed" -> seeds.add(args[i + 1]);
                case "--label" -> labels.add(args[i + 1]);
                case "--workers" -> workers = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Config config = ConfigFactory.parseMap(Map.of("troupe.cluster.bind", bind, "troupe.cluster.seed-nodes", seeds,
                "troupe.cluster.labels", labels, "troupe.cluster.workers", workers))
            .withFallback(ConfigFactory.load());
        Map<String, Object> m = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Troupe troupe;
        try {
            troupe = Troupe.cluster(config);
        } catch (RuntimeException e) {
            m.put("event", "failed");
            m.put("error", e.toString());
            out.println(Json.line(m));
            System.exit(3);
            return;
        }
        long up = System.nanoTime();
        m.put("event", "up");
        m.put("pid", ProcessHandle.current().pid());
        m.put("address", troupe.cluster().self().address());
        m.put("jvm_to_main_ms", (double) (mainAt - ManagementFactory.getRuntimeMXBean().getStartTime()));
        m.put("cluster_start_ms", (up - t0) / 1e6);
        out.println(Json.line(m));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] a = line.trim().split("\\s+");
            if (a.length == 3 && a[0].equals("qecho")) {
                echo(troupe, a[1], a[2]);
            } else if (a.length == 3 && a[0].equals("tsub")) {
                subscribe(troupe, a[1], Integer.parseInt(a[2]), out);
            }
        }
        boolean left = troupe.cluster().leave();
        troupe.close();
        System.exit(left ? 0 : 4);
    }

    private static void echo(Troupe troupe, String from, String to) {
        NamedQueue<String> in = troupe.queue(from, String.class);
        NamedQueue<String> out = troupe.queue(to, String.class);
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    out.put(in.get());
                }
            } catch (InterruptedException | RuntimeException e) {
                // the node is closing
            }
        }, "qecho");
        t.setDaemon(true);
        t.start();
    }

    private static void subscribe(Troupe troupe, String name, int count, PrintStream out) {
        NamedTopic<String> topic = troupe.topic(name, String.class);
        TopicSubscription<String> sub = topic.subscribe();
        out.println(Json.line(Map.of("event", "subscribed")));
        Thread t = new Thread(() -> {
            int got = 0;
            long last = 0;
            try (sub) {
                while (got + sub.lost() < count) {
                    if (sub.receive(java.time.Duration.ofSeconds(30)) == null) {
                        break;
                    }
                    got++;
                    last = System.currentTimeMillis();
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("event", "received");
                m.put("count", got);
                m.put("lost", sub.lost());
                m.put("last_at_ms", last);
                out.println(Json.line(m));
            } catch (InterruptedException | RuntimeException e) {
                out.println(Json.line(Map.of("event", "failed", "error", e.toString())));
            }
        }, "tsub");
        t.setDaemon(true);
        t.start();
    }
}
