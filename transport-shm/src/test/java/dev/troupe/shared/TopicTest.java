package dev.troupe.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A topic within one process: order, drop oldest, waiting, bad input, and what a dead publisher leaves. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TopicTest {
    private String name;

    @BeforeEach
    void name() {
        name = "topic-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void unlink() {
        Topic.unlink(name);
    }

    @Test
    void shouldDeliverEveryMessagePublishedAfterSubscribingInOrderToEverySubscriber() throws Exception {
        try (Topic<String> topic = Topic.open(name, String.class, 4096)) {
            topic.publish("before");
            Subscription<String> a = topic.subscribe();
            Subscription<String> b = topic.subscribe();
            for (int i = 0; i < 10; i++) {
                topic.publish("m" + i);
            }
            for (int i = 0; i < 10; i++) {
                assertThat(a.poll()).isEqualTo("m" + i);
            }
            assertThat(a.poll()).isNull();
            for (int i = 0; i < 10; i++) {
                assertThat(b.receive(Duration.ofSeconds(1))).isEqualTo("m" + i);
            }
            assertThat(a.lost()).isZero();
            assertThat(b.received()).isEqualTo(10);
            a.close();
            assertThatThrownBy(a::poll).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            topic.publish("after");
            assertThat(b.poll()).isEqualTo("after");
        }
    }

    @Test
    void shouldKeepMessagesOfEverySizeIntactAcrossManyWrapsForASubscriberThatKeepsUp() {
        Random random = new Random(42);
        try (Topic<byte[]> topic = Topic.open(name, byte[].class, 4096);
             Subscription<byte[]> s = topic.subscribe()) {
            for (int i = 0; i < 20_000; i++) {
                byte[] m = new byte[random.nextInt(topic.maxMessageBytes() - 8)];
                random.nextBytes(m);
                topic.publish(m);
                if (random.nextInt(4) == 0) {
                    topic.publish(m); // sometimes two before reading
                    assertThat(s.poll()).isEqualTo(m);
                }
                assertThat(s.poll()).isEqualTo(m);
            }
            assertThat(s.poll()).isNull();
            assertThat(s.lost()).isZero();
        }
    }

    @Test
    void shouldDropTheOldestMessagesOfASubscriberThatFallsBehindAndCountThem() {
        try (Topic<Integer> topic = Topic.open(name, Integer.class, 1024);
             Subscription<Integer> behind = topic.subscribe();
             Subscription<Integer> current = topic.subscribe()) {
            for (int i = 0; i < 1000; i++) {
                topic.publish(i);
                assertThat(current.poll()).isEqualTo(i); // the publisher is not slowed by the one behind
            }
            List<Integer> got = new ArrayList<>();
            Integer m;
            while ((m = behind.poll()) != null) {
                got.add(m);
            }
            assertThat(got).isNotEmpty();
            // The newest messages, with none missing among them, ending at the last one published.
            int first = got.get(0);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo(first + i);
            }
            assertThat(got.get(got.size() - 1)).isEqualTo(999);
            assertThat(behind.lost()).isEqualTo(first).isEqualTo(1000 - got.size());
            assertThat(got.size() * 16L).as("bytes held").isLessThanOrEqualTo(1024);
            assertThat(current.lost()).isZero();

            // Once caught up it loses nothing again.
            topic.publish(1000);
            assertThat(behind.poll()).isEqualTo(1000);
            assertThat(behind.lost()).isEqualTo(first);
        }
    }

    @Test
    void shouldNeverHandOutATornMessageToASubscriberLappedWhileItReads() throws Exception {
        int perPublisher = 100_000;
        try (Topic<byte[]> topic = Topic.open(name, byte[].class, 4096);
             Subscription<byte[]> s = topic.subscribe()) {
            List<Thread> publishers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int publisher = p;
                publishers.add(new Thread(() -> {
                    Random random = new Random(publisher);
                    for (int i = 0; i < perPublisher; i++) {
                        // publisher, index, then bytes that follow from both: a torn copy cannot pass the check
                        byte[] m = new byte[8 + random.nextInt(topic.maxMessageBytes() - 16)];
                        m[0] = (byte) publisher;
                        m[1] = (byte) (i >>> 16);
                        m[2] = (byte) (i >>> 8);
                        m[3] = (byte) i;
                        for (int j = 4; j < m.length; j++) {
                            m[j] = (byte) (i * 31 + j * 7 + publisher);
                        }
                        topic.publish(m);
                    }
                }));
            }
            publishers.forEach(Thread::start);
            int[] last = {-1, -1};
            long received = 0;
            while (publishers.stream().anyMatch(Thread::isAlive) || s.backlog() > 0) {
                byte[] m = s.poll();
                if (m == null) {
                    continue;
                }
                int publisher = m[0];
                int i = (m[1] & 0xff) << 16 | (m[2] & 0xff) << 8 | (m[3] & 0xff);
                int wrong = -1;
                for (int j = 4; j < m.length && wrong < 0; j++) {
                    if (m[j] != (byte) (i * 31 + j * 7 + publisher)) {
                        wrong = j;
                    }
                }
                assertThat(wrong).as("first wrong byte of message %d of publisher %d", i, publisher).isNegative();
                assertThat(i).as("order of publisher %d", publisher).isGreaterThan(last[publisher]);
                last[publisher] = i;
                received++;
            }
            for (Thread t : publishers) {
                t.join();
            }
            assertThat(received + s.lost()).isEqualTo(2L * perPublisher);
            System.out.println("lapped reader: received " + received + ", lost " + s.lost());
        }
    }

    @Test
    void shouldWakeAWaitingSubscriberAndTimeOutWhenNothingComes() throws Exception {
        try (Topic<Long> topic = Topic.open(name, Long.class, 4096);
             Subscription<Long> s = topic.subscribe()) {
            assertThat(s.receive(Duration.ofMillis(50))).isNull();
            Thread publisher = new Thread(() -> {
                try {
                    Thread.sleep(200); // long enough for the subscriber to sleep on the futex
                    topic.publish(42L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            publisher.start();
            assertThat(s.receive(Duration.ofSeconds(30))).isEqualTo(42L);
            publisher.join();
        }
    }

    @Test
    void shouldRefuseBadInputWithAClearErrorAndStayUsable() throws Exception {
        try (Topic<Object> objects = Topic.open(name, Object.class, 4096);
             Subscription<Object> s = objects.subscribe()) {
            assertThatThrownBy(() -> objects.publish(new Object())).isInstanceOf(CodecException.class)
                .hasMessageContaining("java.lang.Object");
            assertThatThrownBy(() -> objects.publish(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("topic '" + name + "'");
            byte[] big = new byte[objects.maxMessageBytes() + 1];
            assertThatThrownBy(() -> objects.publish(big)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("a message of \\d+ bytes \\(encoded byte\\[\\]\\) does not fit topic '.*':"
                    + " its capacity is 4096 bytes, so a message may take at most 496 bytes")
                .hasMessageContaining("at most " + objects.maxMessageBytes() + " bytes");
            assertThat(objects.maxMessageBytes()).isEqualTo(4096 / 8 - 16);
            objects.publish("ok");
            assertThat(s.poll()).isEqualTo("ok");
            assertThat(s.poll()).isNull();
        }
        try (Topic<Integer> ints = Topic.open(name, Integer.class, 4096);
             Topic<String> strings = Topic.open(name, String.class);
             Subscription<Integer> s = ints.subscribe()) {
            @SuppressWarnings({"unchecked", "rawtypes"})
            Topic<Object> raw = (Topic) ints;
            assertThatThrownBy(() -> raw.publish("text")).isInstanceOf(ClassCastException.class)
                .hasMessageContaining("carries java.lang.Integer, not java.lang.String");
            strings.publish("not a number"); // another process that opened the name with another type
            ints.publish(5);
            assertThatThrownBy(s::poll).isInstanceOf(CodecException.class)
                .hasMessageContaining("is a java.lang.String, not a java.lang.Integer");
            assertThat(s.poll()).isEqualTo(5);
            assertThat(strings.capacityBytes()).isEqualTo(4096);
        }
        assertThatThrownBy(() -> Topic.open(name, Integer.class, 8192)).isInstanceOf(TroupeException.class)
            .hasMessageContaining("capacity of 4096 bytes, not 8192");
        assertThatThrownBy(() -> Topic.open(name, Integer.class, 3000)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("power of two");
        assertThatThrownBy(() -> Topic.open(name, int.class)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("boxed");
        assertThatThrownBy(() -> Topic.open("../x", Integer.class)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("shared object name");
    }

    @Test
    void shouldRefuseATopicFileThatAnotherUserOwns() throws Exception {
        try (Topic<Integer> topic = Topic.open(name, Integer.class, 4096)) {
            Path path = NamedSegment.pathOf(Topic.KIND, topic.name());
            UserPrincipal other = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(
                System.getProperty("user.name").equals("nobody") ? "root" : "nobody");
            try {
                Files.setOwner(path, other);
            } catch (java.io.IOException e) {
                Assumptions.assumeTrue(false, "cannot give a file away here: " + e);
            }
            assertThatThrownBy(() -> Topic.open(name, Integer.class, 4096)).isInstanceOf(TroupeException.class)
                .hasMessageContaining("refusing to open topic '" + name + "'")
                .hasMessageContaining("belongs to " + other.getName());
        }
    }

    @Test
    void shouldIgnoreWhatAPublisherThatDiedMidWriteLeft() throws Exception {
        try (Topic<Integer> topic = Topic.open(name, Integer.class, 1024);
             Subscription<Integer> current = topic.subscribe();
             Subscription<Integer> behind = topic.subscribe()) {
            for (int i = 0; i < 60; i++) {
                topic.publish(i);
                assertThat(current.poll()).isEqualTo(i);
            }
            // What a publisher killed after raising the intent and overwriting part of the ring leaves: the lock
            // held by a dead pid, the intent well past the tail, and garbage where the next records go.
            Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            long tail = topic.data.getLongVolatile(TopicDescriptor.TAIL);
            topic.data.putLongVolatile(TopicDescriptor.TAIL_INTENT, tail + 96);
            for (int i = 0; i < 96; i++) {
                topic.data.putByte(TopicDescriptor.RING + (int) ((tail + i) & 1023), (byte) 0x5a);
            }
            topic.data.putIntVolatile(Lock.STATE, (int) dead.pid());
            assertThat(current.poll()).as("nothing was published").isNull();

            topic.publish(60);
            assertThat(current.poll()).isEqualTo(60);
            for (int i = 61; i < 200; i++) {
                topic.publish(i);
                assertThat(current.poll()).isEqualTo(i);
            }
            assertThat(current.lost()).isZero();
            List<Integer> got = new ArrayList<>();
            Integer m;
            while ((m = behind.poll()) != null) {
                got.add(m);
            }
            assertThat(got).isNotEmpty();
            int first = got.get(0);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo(first + i);
            }
            assertThat(got.get(got.size() - 1)).isEqualTo(199);
            assertThat(behind.lost()).isEqualTo(first);
        }
    }
}
