package dev.troupe.bench;

import dev.troupe.shared.Array;
import dev.troupe.shared.Topic;
import dev.troupe.shared.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code topic_fanout}: this process publishes 64-byte messages to a {@link Topic} that 3 subscriber processes
 * ({@link TopicPeer}) read, beside Python's nearest equivalent (one {@code multiprocessing.Queue} per subscriber,
 * the publisher putting each message into all three; {@code benchmarks/python/bench_topic.py}). Reports the
 * publish rate, each subscriber's receive rate (messages over the time from the first publish to its last
 * receive) and how many messages each lost to the topic's drop-oldest policy.
 */
final class TopicBench {
    static final int SUBSCRIBERS = 3;
    static final int MESSAGES = 2_000_000;
    static final int CAPACITY = 16 << 20;
    /** Well within the ring: a 64-byte message takes a 96-byte record, so the ring holds about 174,000. */
    static final int MAX_LAG = 120_000;

    private TopicBench() {
    }

    static void run(int reps, PythonPeer python) throws Exception {
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> peer = python == null ? Map.of() : python.run("bench_topic.py", 300);
            fanOut(rep, true, peer);
            fanOut(rep, false, peer);
        }
    }

    /**
     * @param paced whether the publisher keeps within {@link #MAX_LAG} messages of the slowest subscriber (so that
     *              none loses a message, as with Python's unbounded queues), or publishes as fast as it can (and
     *              subscribers that fall a ring behind lose the oldest messages).
     */
    private static long slowest(Array.OfLong[] progress) {
        long min = Long.MAX_VALUE;
        for (Array.OfLong p : progress) {
            min = Math.min(min, p.get(0));
        }
        return min;
    }

    private static void fanOut(int rep, boolean paced, Map<String, Double> peer) throws Exception {
        String prefix = "bench-topic-" + ProcessHandle.current().pid() + "-" + rep;
        List<Process> children = new ArrayList<>();
        byte[] payload = new byte[64];
        long[][] results = new long[SUBSCRIBERS][];
        long t0;
        long published;
        try (Topic<byte[]> topic = Topic.open(prefix, byte[].class, CAPACITY);
             Value.OfLong ready = Value.ofLong(prefix + "-ready")) {
            Array.OfLong[] progress = new Array.OfLong[SUBSCRIBERS];
            for (int i = 0; i < SUBSCRIBERS; i++) {
                progress[i] = Array.ofLong(prefix + "-result" + i, 3);
            }
            for (int i = 0; i < SUBSCRIBERS; i++) {
                children.add(TransportBench.javaProcess(TopicPeer.class, prefix, String.valueOf(CAPACITY),
                    prefix + "-ready", prefix + "-result" + i));
            }
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ready.get() < SUBSCRIBERS) {
                if (System.nanoTime() > waitUntil) {
                    throw new IllegalStateException("the subscriber processes did not start");
                }
                Thread.sleep(1);
            }
            t0 = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                if (paced && (i & (TopicPeer.PROGRESS_EVERY - 1)) == 0) {
                    while (slowest(progress) < i - MAX_LAG) {
                        LockSupport.parkNanos(20_000);
                    }
                }
                topic.publish(payload);
            }
            published = System.nanoTime();
            topic.publish(new byte[0]);
            for (int i = 0; i < SUBSCRIBERS; i++) {
                Process child = children.get(i);
                if (!child.waitFor(120, TimeUnit.SECONDS) || child.exitValue() != 0) {
                    throw new IllegalStateException("subscriber " + i + " failed");
                }
                results[i] = progress[i].toArray();
                progress[i].close();
            }
        } finally {
            for (Process child : children) {
                child.destroyForcibly();
            }
            Topic.unlink(prefix);
            try (Value.OfLong ready = Value.ofLong(prefix + "-ready")) {
                ready.unlink();
            }
            for (int i = 0; i < SUBSCRIBERS; i++) {
                try (Array.OfLong result = Array.ofLong(prefix + "-result" + i, 3)) {
                    result.unlink();
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", paced ? "topic_fanout" : "topic_fanout_unpaced");
        m.put("rep", rep + 1);
        m.put("unit", "msg/s");
        m.put("subscribers", SUBSCRIBERS);
        m.put("message_bytes", payload.length);
        m.put("messages", MESSAGES);
        m.put("capacity_bytes", CAPACITY);
        m.put("publisher", paced ? "keeps within " + MAX_LAG + " messages of the slowest subscriber"
            : "as fast as it can; slow subscribers lose the oldest messages");
        m.put("troupe_publish_rate", MESSAGES / ((published - t0) / 1e9));
        double minRate = Double.MAX_VALUE;
        for (int i = 0; i < SUBSCRIBERS; i++) {
            long[] r = results[i];
            double rate = r[0] / ((r[2] - t0) / 1e9);
            minRate = Math.min(minRate, rate);
            m.put("troupe_subscriber" + i + "_rate", rate);
            m.put("troupe_subscriber" + i + "_lost", r[1]);
        }
        m.put("troupe_subscriber_rate_min", minRate);
        Double peerMin = peer.get("topic_fanout_subscriber_rate_min");
        m.put("peer", "python: one multiprocessing.Queue per subscriber, the publisher puts into all 3");
        m.put("peer_publish_rate", peer.get("topic_fanout_publish_rate"));
        m.put("peer_subscriber_rate_min", peerMin);
        m.put("peer_subscriber_rate_max", peer.get("topic_fanout_subscriber_rate_max"));
        m.put("ratio_troupe_over_peer_subscriber_min", peerMin == null ? null : minRate / peerMin);
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }
}
