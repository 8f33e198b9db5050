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
        for (String kind : new String[] {"array-int", "value-long", "value-int"}) {
            try (Stream<Path> files = Files.list(NamedSegment.directory())) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith(kind + "." + prefix))
                    .toArray(Path[]::new)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Process start(String... args) throws Exception {
        Process p = ChildJvm.start(QueueChild.class, args);
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
    void shouldKeepEveryCompletedPutWhenProducersAndConsumersAreKilledMidStream() throws Exception {
        int producers = 6;
        int perProducer = 50_000;
        int total = producers * perProducer;
        int capacity = 4096; // small: producers block often, so kills land in every phase of a put and a get
        int victims = 4; // producers 0-3 and consumers 0-3 are killed; producers 4-5 and consumer 4 finish
        try (Queue<Long> queue = Queue.open(prefix + "q", Long.class, 0, capacity);
             Array.OfInt received = Array.ofInt(prefix + "received", total)) {
            List<Value.OfLong> progress = new ArrayList<>();
            List<Value.OfLong> counts = new ArrayList<>();
            List<Process> putters = new ArrayList<>();
            List<Process> getters = new ArrayList<>();
            try (Value.OfInt ready = Value.ofInt(prefix + "q-ready")) {
                for (int i = 0; i <= victims; i++) {
                    counts.add(Value.ofLong(prefix + "count" + i));
                    getters.add(consumer(capacity, total, "count" + i));
                }
                while (ready.get() < getters.size()) { // every consumer takes its share from the start
                    assertThat(getters).allMatch(Process::isAlive);
                    Thread.sleep(10);
                }
            }
            for (int i = 0; i < producers; i++) {
                Value.OfLong p = Value.ofLong(prefix + "progress" + i);
                p.set(-1);
                progress.add(p);
                putters.add(producer(capacity, (long) i * perProducer, (long) (i + 1) * perProducer, "progress" + i));
            }
            long[] completed = new long[producers];
            boolean[] putterKilled = new boolean[victims];
            boolean[] getterKilled = new boolean[victims];
            int left = 2 * victims;
            while (left > 0) {
                for (int v = 0; v < victims; v++) {
                    long threshold = 3_000L * (v + 1);
                    if (!putterKilled[v] && (progress.get(v).get() - (long) v * perProducer >= threshold
                        || !putters.get(v).isAlive())) {
                        putters.get(v).destroyForcibly(); // SIGKILL
                        putterKilled[v] = true;
                        left--;
                    }
                    if (!getterKilled[v] && (counts.get(v).get() >= threshold || !getters.get(v).isAlive())) {
                        getters.get(v).destroyForcibly();
                        getterKilled[v] = true;
                        left--;
                    }
                }
                Thread.sleep(0, 100_000);
            }
            for (int v = 0; v < victims; v++) {
                assertThat(putters.get(v).waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(getters.get(v).waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            for (int i = 0; i < producers; i++) {
                if (i >= victims) {
                    assertThat(putters.get(i).waitFor(100, TimeUnit.SECONDS)).as("producer %d finished", i).isTrue();
                    assertThat(putters.get(i).exitValue()).isZero();
                }
                completed[i] = progress.get(i).get(); // the last put that returned
            }
            queue.put(-1L);
            Process survivor = getters.get(victims);
            assertThat(survivor.waitFor(100, TimeUnit.SECONDS)).as("the surviving consumer finished").isTrue();
            assertThat(survivor.exitValue()).isZero();
            assertThat(queue.isEmpty()).isTrue();

            int[] arrivals = received.toArray();
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int producer = i / perProducer;
                assertThat(arrivals[i]).as("times message %d arrived", i).isLessThanOrEqualTo(1);
                if (i <= completed[producer] && arrivals[i] == 0) {
                    missing.add(i);
                }
                if (i > completed[producer] + 1) {
                    assertThat(arrivals[i]).as("message %d was never put", i).isZero();
                }
            }
            // A killed consumer may take with it the message it had got but not yet recorded: one each at most.
            assertThat(missing).as("completed puts that never arrived").hasSizeLessThanOrEqualTo(victims);
            long[] kills = new long[victims];
            for (int v = 0; v < victims; v++) {
                kills[v] = completed[v] - (long) v * perProducer + 1;
            }
            long[] taken = new long[victims];
            for (int v = 0; v < victims; v++) {
                taken[v] = counts.get(v).get();
            }
            System.out.println("killed producers after " + java.util.Arrays.toString(kills) + " puts, consumers after "
                + java.util.Arrays.toString(taken) + " gets; completed puts not received (taken by killed consumers): "
                + missing);
            assertThat(kills[0]).as("the first producer was killed mid-stream").isLessThan(perProducer);

            queue.put(7L); // still usable
            assertThat(queue.get()).isEqualTo(7L);
            progress.forEach(Value::close);
            counts.forEach(Value::close);
        }
    }
}
