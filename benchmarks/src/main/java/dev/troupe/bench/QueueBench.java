package dev.troupe.bench;

import dev.troupe.shared.Queue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Named queues ({@link Queue}) between two processes beside Python's {@code multiprocessing.Queue} and
 * {@code SimpleQueue}, in the same run: {@code queue_throughput_64B} (a producer process puts, this one gets),
 * {@code queue_bandwidth_1MiB}, and {@code queue_pingpong_64B} (a round trip through two queues between two
 * processes; one-way latency is half of it), with the default spin before sleeping and with a 1 ms spin
 * ({@code queue_pingpong_64B_spinning}).
 */
final class QueueBench {
    private static final int SMALL = 1_000_000;
    private static final int SMALL_WARM = 100_000;
    private static final int BIG = 500;
    private static final int BIG_WARM = 50;
    private static final int MIB = 1024 * 1024;
    private static final int PINGS = 20_000;
    private static final int WARM_PINGS = 5_000;
    /** The default of {@code troupe.shared.spin-micros}. */
    private static final int DEFAULT_SPIN_MICROS = 10;
    /** Waiters that spin for a millisecond: two processes that keep a core each, as in a spinning hand-off. */
    private static final int SPIN_MICROS = 1000;

    private QueueBench() {
    }

    static void run(int reps, PythonPeer python) throws Exception {
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> tputPeer = python == null ? Map.of() : python.run("bench_queue.py", 300);
            Map<String, Double> pingPeer = python == null ? Map.of() : python.run("bench_queue_pingpong.py", 300);
            String prefix = "bench-queue-" + ProcessHandle.current().pid() + "-" + rep;

            double small = throughput(prefix + "-small", MIB, SMALL_WARM, SMALL, 64);
            Double pyQueue = tputPeer.get("queue_64B_n200k");
            Double pySimple = tputPeer.get("simplequeue_64B_n200k");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "queue_throughput_64B");
            m.put("rep", rep + 1);
            m.put("unit", "msgs/s");
            m.put("troupe", small);
            m.put("python_queue", pyQueue);
            m.put("python_simplequeue", pySimple);
            m.put("ratio_troupe_over_python_queue", pyQueue == null ? null : small / pyQueue);
            m.put("ratio_troupe_over_python_simplequeue", pySimple == null ? null : small / pySimple);
            m.put("what", "one producer process puts 64-byte byte[] on a named Queue (1 MiB ring), this process"
                + " gets; steady state after " + SMALL_WARM + " messages");
            m.put("peer", "python multiprocessing.Queue / SimpleQueue of 64-byte bytes, producer to consumer process");
            TransportBench.print(m);

            double big = throughput(prefix + "-big", 8 * MIB, BIG_WARM, BIG, MIB) * MIB / 1e6;
            Double pyQueueBw = tputPeer.get("queue_1MiB_n500");
            Double pySimpleBw = tputPeer.get("simplequeue_1MiB_n500");
            m = new LinkedHashMap<>();
            m.put("bench", "queue_bandwidth_1MiB");
            m.put("rep", rep + 1);
            m.put("unit", "MB/s");
            m.put("troupe", big);
            m.put("python_queue", pyQueueBw);
            m.put("python_simplequeue", pySimpleBw);
            m.put("ratio_troupe_over_python_queue", pyQueueBw == null ? null : big / pyQueueBw);
            m.put("ratio_troupe_over_python_simplequeue", pySimpleBw == null ? null : big / pySimpleBw);
            m.put("what", "1 MiB byte[] messages through an 8 MiB named Queue, one producer process to this one");
            TransportBench.print(m);

            for (int spinMicros : new int[] {DEFAULT_SPIN_MICROS, SPIN_MICROS}) {
                double[] rtt = pingPong(prefix, spinMicros);
                Double pyQueueP50 = pingPeer.get("queue_pingpong_64B_p50");
                Double pySimpleP50 = pingPeer.get("simplequeue_pingpong_64B_p50");
                m = new LinkedHashMap<>();
                m.put("bench", spinMicros == DEFAULT_SPIN_MICROS ? "queue_pingpong_64B"
                    : "queue_pingpong_64B_spinning");
                m.put("rep", rep + 1);
                m.put("unit", "us");
                m.put("spin_micros", spinMicros);
                m.put("troupe_rtt_p50", rtt[0]);
                m.put("troupe_rtt_p99", rtt[1]);
                m.put("troupe_one_way_p50", rtt[0] / 2);
                m.put("python_queue_rtt_p50", pyQueueP50);
                m.put("python_queue_rtt_p99", pingPeer.get("queue_pingpong_64B_p99"));
                m.put("python_simplequeue_rtt_p50", pySimpleP50);
                m.put("python_simplequeue_rtt_p99", pingPeer.get("simplequeue_pingpong_64B_p99"));
                m.put("ratio_python_queue_over_troupe_p50", pyQueueP50 == null ? null : pyQueueP50 / rtt[0]);
                m.put("ratio_python_simplequeue_over_troupe_p50",
                    pySimpleP50 == null ? null : pySimpleP50 / rtt[0]);
                m.put("what", "two processes: one puts on a named Queue, the other gets and puts on a second, the first"
                    + " gets; one round trip. Waiters spin troupe.shared.spin-micros=" + spinMicros
                    + " before they sleep on a futex");
                TransportBench.print(m);
            }
        }
    }

    /** Messages a second that this process gets from a producer process, timed after {@code warm} of them. */
    private static double throughput(String name, int capacity, int warm, int n, int size) throws Exception {
        try (Queue<byte[]> queue = Queue.open(name, byte[].class, 0, capacity)) {
            Process producer = TransportBench.javaProcess(QueuePeer.class, "produce", name, String.valueOf(capacity),
                String.valueOf(warm + n), String.valueOf(size));
            try {
                for (int i = 0; i < warm; i++) {
                    take(queue);
                }
                long t0 = System.nanoTime();
                long bytes = 0;
                for (int i = 0; i < n; i++) {
                    bytes += take(queue).length;
                }
                long ns = System.nanoTime() - t0;
                if (bytes != (long) n * size) {
                    throw new IllegalStateException("got " + bytes + " bytes, expected " + (long) n * size);
                }
                return n / (ns / 1e9);
            } finally {
                producer.waitFor(10, TimeUnit.SECONDS);
                producer.destroyForcibly();
                Queue.unlink(name);
            }
        }
    }

    private static byte[] take(Queue<byte[]> queue) throws InterruptedException {
        byte[] m = queue.get(Duration.ofSeconds(60));
        if (m == null) {
            throw new IllegalStateException("the producer process stopped putting on " + queue);
        }
        return m;
    }

    /**
     * Round trips through two queues between two processes, both with {@code troupe.shared.spin-micros} set: p50 and
     * p99 in microseconds.
     */
    private static double[] pingPong(String prefix, int spinMicros) throws Exception {
        String ping = prefix + "-ping";
        String pong = prefix + "-pong";
        String spin = "-Dtroupe.shared.spin-micros=" + spinMicros;
        Process echo = peer(spin, "echo", ping, pong, String.valueOf(WARM_PINGS + PINGS)).inheritIO().start();
        Process pinger = peer(spin, "ping", ping, pong, String.valueOf(WARM_PINGS), String.valueOf(PINGS))
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(pinger.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the ping process printed no result");
            }
            String[] parts = line.trim().split(" ");
            return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1])};
        } finally {
            pinger.waitFor(10, TimeUnit.SECONDS);
            echo.waitFor(10, TimeUnit.SECONDS);
            pinger.destroyForcibly();
            echo.destroyForcibly();
            Queue.unlink(ping);
            Queue.unlink(pong);
        }
    }

    private static ProcessBuilder peer(String option, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "--enable-native-access=ALL-UNNAMED", option, "-cp", System.getProperty("java.class.path"),
            QueuePeer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }
}
