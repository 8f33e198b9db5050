package dev.troupe.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Publisher and subscriber processes on one named topic: a slow subscriber, and a publisher killed with SIGKILL. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicProcessTest {
    private final List<Process> children = new ArrayList<>();
    private String prefix;

    @BeforeEach
    void name() {
        prefix = "tpt-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-";
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        Topic.unlink(prefix + "t");
        for (String kind : new String[] {"array-long", "value-long"}) {
            try (Stream<Path> files = Files.list(NamedSegment.directory())) {
                for (Path p : files.filter(f -> f.getFileName().toString().startsWith(kind + "." + prefix))
                    .toArray(Path[]::new)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Process start(String... args) throws Exception {
        Process p = ChildJvm.start(TopicChild.class, args);
        children.add(p);
        return p;
    }

    private Process publisher(int capacity, int publisher, long count, int pauseEvery) throws Exception {
        return start("publish", prefix + "t", String.valueOf(capacity), String.valueOf(publisher),
            String.valueOf(count), String.valueOf(pauseEvery), prefix + "progress" + publisher);
    }

    private Process subscriber(int capacity, int slowMillis, int i) throws Exception {
        return start("subscribe", prefix + "t", String.valueOf(capacity), String.valueOf(slowMillis),
            prefix + "ready", prefix + "result" + i);
    }

    @Test
    void shouldDropTheOldestMessagesOfASlowSubscriberOnlyWhileTheFastOnesGetEveryMessageInOrder() throws Exception {
        int capacity = 1 << 20; // about 32,000 records of a Long
        int perPublisher = 50_000; // 100,000 messages: three times the ring
        try (Topic<Long> topic = Topic.open(prefix + "t", Long.class, capacity);
             Value.OfLong ready = Value.ofLong(prefix + "ready")) {
            List<Process> subscribers = List.of(subscriber(capacity, 0, 0), subscriber(capacity, 0, 1),
                subscriber(capacity, 2, 2));
            while (ready.get() < 3) {
                for (Process p : subscribers) {
                    assertThat(p.isAlive()).as("subscriber started").isTrue();
                }
                Thread.sleep(5);
            }
            long before = topic.published();
            // Paced (1 ms every 50 messages) so that a fast subscriber would have to stall for a third of a second
            // to be lapped on this busy machine; the slow one reads one message every 2 ms, far less.
            List<Process> publishers = List.of(publisher(capacity, 0, perPublisher, 50),
                publisher(capacity, 1, perPublisher, 50));
            for (Process p : publishers) {
                assertThat(p.waitFor(100, TimeUnit.SECONDS)).as("publisher finished").isTrue();
                assertThat(p.exitValue()).isZero();
            }
            topic.publish(-1L);
            assertThat(topic.published() - before).isEqualTo(2L * perPublisher + 1);
            for (Process p : subscribers) {
                assertThat(p.waitFor(100, TimeUnit.SECONDS)).as("subscriber finished").isTrue();
                assertThat(p.exitValue()).isZero();
            }
            long total = 2L * perPublisher;
            for (int i = 0; i < 3; i++) {
                try (Array.OfLong result = Array.ofLong(prefix + "result" + i, 6)) {
                    long received = result.get(0);
                    long lost = result.get(1);
                    System.out.println("subscriber " + i + (i == 2 ? " (slow)" : "") + ": received " + received
                        + ", lost " + lost);
                    assertThat(result.get(5)).as("subscriber %d done", i).isEqualTo(1);
                    assertThat(result.get(2)).as("messages out of order at subscriber %d", i).isZero();
                    assertThat(received + lost).as("received and lost at subscriber %d", i).isEqualTo(total);
                    if (i < 2) {
                        assertThat(lost).as("lost by fast subscriber %d", i).isZero();
                        assertThat(result.get(3)).isEqualTo(perPublisher);
                        assertThat(result.get(4)).isEqualTo(perPublisher);
                    } else {
                        assertThat(lost).as("lost by the slow subscriber").isPositive();
                        assertThat(received).as("received by the slow subscriber").isPositive();
                    }
                }
            }
        }
    }

    @Test
    void shouldStayUsableWhenPublishersAreKilledMidStream() throws Exception {
        int capacity = 64 << 20; // about 2,000,000 records: the subscriber here cannot be lapped
        int perPublisher = 100_000;
        int victims = 4;
        try (Topic<Long> topic = Topic.open(prefix + "t", Long.class, capacity);
             Subscription<Long> subscription = topic.subscribe()) {
            Process survivor = publisher(capacity, 1, perPublisher, 100);
            long[] last = new long[2 + victims];
            java.util.Arrays.fill(last, -1);
            long[] count = new long[2 + victims];
            long[] completed = new long[2 + victims];
            int killed = 0;
            int killedHoldingTheLock = 0;
            Process victim = null;
            Value.OfLong progress = null;
            while (survivor.isAlive() || killed < victims || subscription.backlog() > 0) {
                if (killed < victims && victim == null) {
                    progress = Value.ofLong(prefix + "progress" + (2 + killed));
                    progress.set(-1);
                    victim = publisher(capacity, 2 + killed, -1, 0); // as fast as it can: kills land mid-publish
                }
                if (victim != null && progress.get() >= 5_000) {
                    victim.destroyForcibly(); // SIGKILL
                    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    if (topic.data.getIntVolatile(Lock.STATE) == (int) victim.pid()) {
                        killedHoldingTheLock++;
                    }
                    completed[2 + killed] = progress.get();
                    progress.close();
                    victim = null;
                    killed++;
                }
                Long m = subscription.receive(Duration.ofMillis(1));
                if (m == null) {
                    continue;
                }
                int publisher = (int) (m >>> 32);
                long index = m & 0xffffffffL;
                assertThat(index).as("next message of publisher %d", publisher).isEqualTo(last[publisher] + 1);
                last[publisher] = index;
                count[publisher]++;
            }
            assertThat(survivor.exitValue()).isZero();
            assertThat(subscription.lost()).isZero();
            assertThat(count[1]).as("messages of the surviving publisher").isEqualTo(perPublisher);
            for (int v = 2; v < 2 + victims; v++) {
                // Every publish that returned before the kill arrived; at most the one in progress did too.
                assertThat(last[v]).as("last message of killed publisher %d", v)
                    .isBetween(completed[v], completed[v] + 1);
            }

            // Still usable, by this process and by a new publisher process.
            topic.publish(7L);
            assertThat(subscription.receive(Duration.ofSeconds(10))).isEqualTo(7L);
            Process late = publisher(capacity, 0, 3, 0);
            assertThat(late.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(late.exitValue()).isZero();
            for (long i = 0; i < 3; i++) {
                assertThat(subscription.receive(Duration.ofSeconds(10))).isEqualTo(i);
            }
            System.out.println("killed " + victims + " publishers, " + killedHoldingTheLock
                + " of them holding the topic's lock; the topic went on");
        }
    }
}
