package dev.troupe.cluster;

import static dev.troupe.cluster.ClusterTestNode.emit;
import static dev.troupe.cluster.ClusterTestNode.quote;

import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.TopicSubscription;
import dev.troupe.Troupe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ClusterTestNode}'s commands on cluster-wide queues and topics of strings. Each runs on a thread of its own
 * and reports on stdout:
 * <ul>
 *   <li>{@code qput NAME PREFIX COUNT}: puts {@code PREFIX-0 .. PREFIX-(COUNT-1)}, then reports {@code qput-done};</li>
 *   <li>{@code qtake NAME FILE}: takes until a message starting with {@code END}, writes the others to
 *       {@code FILE} one a line, then reports {@code qtaken} with their count;</li>
 *   <li>{@code qtask NAME PREFIX COUNT}: a pool of one worker puts them, through a handle the task captured;</li>
 *   <li>{@code qsize NAME TAG}: reports {@code qsize} with the size of the queue, or what its handle threw;
 *       {@code qopen NAME}: opens the queue anew (a new handle) and reports {@code qopen} with its size;</li>
 *   <li>{@code tsub NAME FILE COUNT}: subscribes (reporting {@code tsubscribed}), receives {@code COUNT} messages
 *       (or until none came for 30 s), writes them to {@code FILE}, and reports {@code treceived} with the count and
 *       how many the subscription lost;</li>
 *   <li>{@code tpub NAME PREFIX COUNT} and {@code ttask NAME PREFIX COUNT}: publish, from this node or from a
 *       worker;</li>
 *   <li>{@code bad QUEUE TOPIC}: reports {@code bad} with the exceptions of a message of the wrong type, one over
 *       the size limit, and an open with another type, for a queue and a topic.</li>
 * </ul>
 */
final class MessagingCommands {
    private static final Map<String, NamedQueue<String>> QUEUES = new ConcurrentHashMap<>();
    private static final Map<String, NamedTopic<String>> TOPICS = new ConcurrentHashMap<>();

    private MessagingCommands() {
    }

    static boolean handles(String command) {
        return command.matches("(qput|qtake|qtask|qsize|qopen|tsub|tpub|ttask|bad) .*");
    }

    static void run(Troupe troupe, String[] a) {
        Thread t = new Thread(() -> {
            try {
                runNow(troupe, a);
            } catch (Throwable e) {
                emit("{\"event\":\"" + a[0] + "-failed\",\"type\":" + quote(e.getClass().getName()) + ",\"message\":"
                    + quote(String.valueOf(e.getMessage())) + "}");
            }
        }, "command-" + a[0]);
        t.setDaemon(true);
        t.start();
    }

    private static NamedQueue<String> queue(Troupe troupe, String name) {
        return QUEUES.computeIfAbsent(name, n -> troupe.queue(n, String.class));
    }

    private static NamedTopic<String> topic(Troupe troupe, String name) {
        return TOPICS.computeIfAbsent(name, n -> troupe.topic(n, String.class));
    }

    private static void runNow(Troupe troupe, String[] a) throws Exception {
        switch (a[0]) {
            case "qput": {
                NamedQueue<String> q = queue(troupe, a[1]);
                int count = Integer.parseInt(a[3]);
                for (int i = 0; i < count; i++) {
                    q.put(a[2] + "-" + i);
                }
                emit("{\"event\":\"qput-done\",\"prefix\":" + quote(a[2]) + ",\"count\":" + count + "}");
                break;
            }
            case "qtake": {
                NamedQueue<String> q = queue(troupe, a[1]);
                List<String> taken = new ArrayList<>();
                while (true) {
                    String m = q.get(Duration.ofSeconds(60));
                    if (m == null || m.startsWith("END")) {
                        break;
                    }
                    taken.add(m);
                }
                Files.write(Path.of(a[2]), taken, StandardCharsets.UTF_8);
                emit("{\"event\":\"qtaken\",\"count\":" + taken.size() + "}");
                break;
            }
            case "qtask": {
                NamedQueue<String> q = queue(troupe, a[1]);
                String prefix = a[2];
                int count = Integer.parseInt(a[3]);
                try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
                    long parent = pool.apply(n -> {
                        for (int i = 0; i < n; i++) {
                            q.put(prefix + "-" + i);
                        }
                        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                    }, count);
                    emit("{\"event\":\"qtask-done\",\"count\":" + count + ",\"parent\":" + parent + "}");
                }
                break;
            }
            case "qsize": {
                String size = thrown(() -> queue(troupe, a[1]).size());
                emit("{\"event\":\"qsize\",\"tag\":" + quote(a[2]) + ",\"result\":" + quote(size) + "}");
                break;
            }
            case "qopen": {
                NamedQueue<String> q = troupe.queue(a[1], String.class);
                QUEUES.put(a[1], q);
                emit("{\"event\":\"qopen\",\"size\":" + q.size() + "}");
                break;
            }
            case "tsub": {
                NamedTopic<String> t = topic(troupe, a[1]);
                int count = Integer.parseInt(a[3]);
                try (TopicSubscription<String> s = t.subscribe()) {
                    emit("{\"event\":\"tsubscribed\"}");
                    List<String> got = new ArrayList<>();
                    while (got.size() < count) {
                        String m = s.receive(Duration.ofSeconds(30));
                        if (m == null) {
                            break;
                        }
                        got.add(m);
                    }
                    Files.write(Path.of(a[2]), got, StandardCharsets.UTF_8);
                    emit("{\"event\":\"treceived\",\"count\":" + got.size() + ",\"lost\":" + s.lost() + "}");
                }
                break;
            }
            case "tpub": {
                NamedTopic<String> t = topic(troupe, a[1]);
                int count = Integer.parseInt(a[3]);
                for (int i = 0; i < count; i++) {
                    t.publish(a[2] + "-" + i);
                }
                emit("{\"event\":\"tpub-done\",\"count\":" + count + "}");
                break;
            }
            case "ttask": {
                NamedTopic<String> t = topic(troupe, a[1]);
                String prefix = a[2];
                int count = Integer.parseInt(a[3]);
                try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
                    long parent = pool.apply(n -> {
                        for (int i = 0; i < n; i++) {
                            t.publish(prefix + "-" + i);
                        }
                        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
                    }, count);
                    emit("{\"event\":\"ttask-done\",\"count\":" + count + ",\"parent\":" + parent + "}");
                }
                break;
            }
            case "bad": {
                @SuppressWarnings({"unchecked", "rawtypes"})
                NamedQueue<Object> q = (NamedQueue) queue(troupe, a[1]);
                @SuppressWarnings({"unchecked", "rawtypes"})
                NamedTopic<Object> t = (NamedTopic) topic(troupe, a[2]);
                String big = "x".repeat(200 * 1024);
                emit("{\"event\":\"bad\",\"queueWrongType\":" + quote(thrown(() -> {
                    q.put(42);
                    return null;
                })) + ",\"queueOversized\":" + quote(thrown(() -> {
                    q.put(big);
                    return null;
                })) + ",\"queueOtherType\":" + quote(thrown(() -> troupe.queue(a[1], Integer.class)))
                    + ",\"queueSize\":" + q.size()
                    + ",\"topicWrongType\":" + quote(thrown(() -> {
                        t.publish(42);
                        return null;
                    })) + ",\"topicOversized\":" + quote(thrown(() -> {
                        t.publish(big);
                        return null;
                    })) + ",\"topicOtherType\":" + quote(thrown(() -> troupe.topic(a[2], Integer.class))) + "}");
                break;
            }
            default:
                throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    private static String thrown(Callable<?> call) {
        try {
            return "returned " + call.call();
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
