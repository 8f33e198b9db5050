package dev.troupe.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.Troupe;
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
 * 0 after leaving, 3 when the node cannot start, 4 when the leave timed out.
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
        while (System.in.read() >= 0) {
            // The benchmark writes nothing; it closes the stream when done.
        }
        boolean left = troupe.cluster().leave();
        troupe.close();
        System.exit(left ? 0 : 4);
    }
}
