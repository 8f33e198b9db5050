package dev.troupe.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Producer and consumer processes on one named queue, some of them killed with SIGKILL. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueueProcessTest {
    private final List<Process> children = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void name() {
        prefix = "qpt-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-";
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Queue.unlink(prefix + "q");
        for (String kind : new String[] {"array-int", "value-long"}) {
            try (Stream<Path> files = Files.list(NamedSegment.directory())) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith(kind + "." + prefix))
                    .toArray(Path[]::new)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Process start(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), QueueChild.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        return p;
    }

    private Process producer(int capacity, long from, long to, String progress) throws Exception {
        return start("produce", prefix + "q", String.valueOf(capacity), String.valueOf(from), String.valueOf(to),
            prefix + progress);
    }

    private Process consumer(int capacity, int total, String count) throws Exception {
        return start("consume", prefix + "q", String.valueOf(capacity), prefix + "received", prefix + count,
            String.valueOf(total));
    }

    @Test
    void shouldDeliverEachOfAMillionMessagesOnceFromFourProducerToFourConsumerProcesses() throws Exception {
        int total = 1_000_000;
        int capacity = 1 << 20;
        try (Queue<Long> queue = Queue.open(prefix + "q", Long.class, 0, capacity);
             Array.OfInt received = Array.ofInt(prefix + "received", total)) {
            long start = System.nanoTime();
            List<Process> producers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                producers.add(producer(capacity, (long) i * total / 4, (long) (i + 1) * total / 4, "progress" + i));
            }
            List<Process> consumers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                consumers.add(consumer(capacity, total, "count" + i));
            }
            for (Process p : producers) {
                assertThat(p.waitFor(100, TimeUnit.SECONDS)).as("producer finished").isTrue();
                assertThat(p.exitValue()).isZero();
            }
            for (int i = 0; i < 4; i++) {
                queue.put(-1L);
            }
            for (Process p : consumers) {
                assertThat(p.waitFor(100, TimeUnit.SECONDS)).as("consumer finished").isTrue();
                assertThat(p.exitValue()).isZero();
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.println("1,000,000 messages, 4 producer and 4 consumer processes: " + millis + " ms"
                + " (including JVM start-up)");
            int[] counts = received.toArray();
            long once = 0;
            for (int i = 0; i < total; i++) {
                assertThat(counts[i]).as("times message %d arrived", i).isEqualTo(1);
                once++;
            }
            assertThat(once).isEqualTo(total);
            assertThat(queue.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldKeepEveryCompletedPutWhenAProducerAndAConsumerAreKilledMidStream() throws Exception {
        int total = 400_000;
        int capacity = 4096; // small: producers block often, so kills land in every phase
        try (Queue<Long> queue = Queue.open(prefix + "q", Long.class, 0, capacity);
             Array.OfInt received = Array.ofInt(prefix + "received", total);
             Value.OfLong progress0 = Value.ofLong(prefix + "progress0");
             Value.OfLong count0 = Value.ofLong(prefix + "count0")) {
            progress0.set(-1);
            Process victimProducer = producer(capacity, 0, total / 2, "progress0");
            Process survivorProducer = producer(capacity, total / 2, total, "progress1");
            Process victimConsumer = consumer(capacity, total, "count0");
            Process survivorConsumer = consumer(capacity, total, "count1");
            while (progress0.get() < 20_000 || count0.get() < 20_000) {
                assertThat(victimProducer.isAlive() && victimConsumer.isAlive()).as("still running").isTrue();
                Thread.sleep(1);
            }
            victimProducer.destroyForcibly(); // SIGKILL
            victimConsumer.destroyForcibly();
            assertThat(victimProducer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(victimConsumer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long completed = progress0.get(); // the last put of the killed producer that returned

            assertThat(survivorProducer.waitFor(100, TimeUnit.SECONDS)).as("the other producer finished").isTrue();
            assertThat(survivorProducer.exitValue()).isZero();
            queue.put(-1L);
            assertThat(survivorConsumer.waitFor(100, TimeUnit.SECONDS)).as("the other consumer finished").isTrue();
            assertThat(survivorConsumer.exitValue()).isZero();
            assertThat(queue.isEmpty()).isTrue();

            int[] counts = received.toArray();
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                assertThat(counts[i]).as("times message %d arrived", i).isLessThanOrEqualTo(1);
                boolean put = i <= completed || i >= total / 2;
                if (put && counts[i] == 0) {
                    missing.add(i);
                }
                if (i > completed + 1 && i < total / 2) {
                    assertThat(counts[i]).as("message %d was never put", i).isZero();
                }
            }
            // Only the message the killed consumer had taken but not yet recorded may be missing.
            assertThat(missing).as("completed puts that never arrived").hasSizeLessThanOrEqualTo(1);
            System.out.println("killed producer after " + (completed + 1) + " puts, consumer after "
                + count0.get() + " gets; completed puts not received: " + missing);

            // Still usable by new processes.
            queue.put(7L);
            assertThat(queue.get()).isEqualTo(7L);
        }
    }
}
