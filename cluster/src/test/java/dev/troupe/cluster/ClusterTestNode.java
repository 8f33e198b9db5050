package dev.troupe.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.Cluster;
import dev.troupe.ClusterEvent;
import dev.troupe.NodeInfo;
import dev.troupe.Troupe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster node for the multi-JVM tests: opens {@code Troupe.local(config)} with the seeds and bind address of its
 * arguments ({@code --bind HOST:PORT --seed HOST:PORT ... --label L ... --conf KEY=VALUE ...}, the last for any
 * other setting; the secret comes from the environment),
 * writes its membership view and events to stdout as one JSON object a line, and obeys commands on stdin:
 * {@code nodes}, {@code leave}, {@code exit}. End of input is {@code exit}.
 *
 * <p>Exit codes: 0 after {@code leave} or {@code exit}; 3 when the node cannot start; 4 when {@code leave} timed out.
 */
public final class ClusterTestNode {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private ClusterTestNode() {
    }

    public static void main(String[] args) throws Exception {
        String bind = "127.0.0.1:0";
        List<String> seeds = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        Map<String, Object> settings = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = args[i + 1];
                case "--seed" -> seeds.add(args[i + 1]);
                case "--label" -> labels.add(args[i + 1]);
                case "--conf" -> {
                    String[] kv = args[i + 1].split("=", 2);
                    settings.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        settings.putAll(Map.of("troupe.cluster.bind", bind, "troupe.cluster.seed-nodes", seeds,
            "troupe.cluster.labels", labels));
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
        emit("{\"event\":\"started\",\"self\":" + json(cluster.self()) + ",\"millis\":" + millisSince(t0) + "}");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "nodes" -> emit(nodes(cluster.nodes()));
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

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void emitEvent(ClusterEvent e) {
        String reason = e instanceof ClusterEvent.NodeRemoved r ? ",\"reason\":" + quote(r.reason().name()) : "";
        emit("{\"event\":" + quote(e.getClass().getSimpleName()) + ",\"node\":" + json(e.node()) + reason + "}");
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

    private static synchronized void emit(String line) {
        OUT.println(line);
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
