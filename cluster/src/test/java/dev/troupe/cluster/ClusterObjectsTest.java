package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.troupe.NamedQueue;
import dev.troupe.NamedTopic;
import dev.troupe.Placement;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.TopicSubscription;
import dev.troupe.Troupe;
import dev.troupe.TroupeException;
import dev.troupe.spi.ObjectHandler;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promises of cluster-wide queues and topics that do not need several nodes, on a one-member cluster in this
 * JVM (its calls still go through the member's messaging actor, as on a host): bounds, time-outs, closing, and a
 * subscriber's drop-oldest buffer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterObjectsTest {
    @TempDir
    static Path dir;
    private static Troupe troupe;

    @BeforeAll
    static void start() throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "in-process-cluster-secret-0123456789");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Config config = ConfigFactory.parseMap(Map.of(
                "troupe.transport", "pipe",
                "troupe.cluster.enabled", "on",
                "troupe.cluster.bind", "127.0.0.1:" + ClusterHarness.freePort(),
                "troupe.cluster.secret-file", secret.toString(),
                "troupe.cluster.messaging.max-message-bytes", "1KiB",
                "troupe.cluster.messaging.subscriber-buffer-bytes", "4KiB",
                "troupe.cluster.messaging.max-hosted-bytes", "64MiB"))
            .withFallback(ConfigFactory.parseResources("cluster-test.conf"));
        troupe = Troupe.local(config);
    }

    @AfterAll
    static void stop() {
        if (troupe != null) {
            troupe.close();
        }
    }

    @Test
    void aFullQueueRefusesOffersTimesOutPutsAndLetsAWaitingPutInWhenAGetMakesRoom() throws Exception {
        NamedQueue<String> q = troupe.queue("bounded", String.class, 2, 0);
        assertThat(q.maxMessageBytes()).isEqualTo(1024);
        assertThat(q.offer("a")).isTrue();
        assertThat(q.offer("b")).isTrue();
        assertThat(q.offer("c")).isFalse();
        assertThat(q.put("c", Duration.ofMillis(200))).isFalse();
        assertThat(q.size()).isEqualTo(2);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                q.put("c");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(blocked).isNotDone();
        assertThat(q.get()).isEqualTo("a");
        blocked.get(10, TimeUnit.SECONDS);
        assertThat(q.get()).isEqualTo("b");
        assertThat(q.get()).isEqualTo("c");
        assertThat(q.poll()).isNull();
        assertThat(q.get(Duration.ofMillis(100))).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void closingAHandleWakesItsBlockedGetWithAClearError() throws Exception {
        NamedQueue<String> q = troupe.queue("closing", String.class);
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return q.get();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        q.close();
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
            .hasMessageContaining("cluster queue 'closing' was closed while waiting to get");
        // Another handle of the same queue still works.
        NamedQueue<String> other = troupe.queue("closing", String.class);
        other.put("still here");
        assertThat(other.get()).isEqualTo("still here");
    }

    @Test
    void anInterruptedGetTakesBackItsWaitAtTheHostSoTheNextMessageIsNotLost() throws Exception {
        NamedQueue<String> q = troupe.queue("interrupted", String.class);
        CompletableFuture<Thread> runner = new CompletableFuture<>();
        CompletableFuture<Boolean> interrupted = CompletableFuture.supplyAsync(() -> {
            runner.complete(Thread.currentThread());
            try {
                q.get();
                return false;
            } catch (InterruptedException e) {
                return true;
            }
        });
        Thread.sleep(300);
        runner.get().interrupt();
        assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
        // Without the cancel, the get parked at the host would still take this for up to a second, and lose it.
        q.put("after");
        assertThat(q.get(Duration.ofSeconds(5))).isEqualTo("after");
    }

    @Test
    void closingASubscriptionWakesItsBlockedReceiveWithAClearError() throws Exception {
        NamedTopic<String> t = troupe.topic("quiet", String.class);
        TopicSubscription<String> sub = t.subscribe();
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return sub.receive();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        sub.close();
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class)
            .hasMessageContaining("this subscription to cluster topic 'quiet' is closed");
        assertThatThrownBy(sub::poll).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void openingWithOtherBoundsOrPastTheHostsLimitOrABadNameIsRefused() {
        troupe.queue("params", String.class, 5, 4096);
        assertThatThrownBy(() -> troupe.queue("params", String.class, 6, 4096)).isInstanceOf(TroupeException.class)
            .hasMessageContaining("exists with a capacity of 4096 bytes and maxMessages 5, not 4096 and 6");
        assertThatThrownBy(() -> troupe.queue("huge", String.class, 0, Integer.MAX_VALUE))
            .isInstanceOf(TroupeException.class).hasMessageContaining("troupe.cluster.messaging.max-queue-bytes");
        troupe.queue("big", String.class, 0, 40 << 20);
        assertThatThrownBy(() -> troupe.queue("bigger", String.class, 0, 40 << 20))
            .isInstanceOf(TroupeException.class).hasMessageContaining("troupe.cluster.messaging.max-hosted-bytes");
        assertThatThrownBy(() -> troupe.queue("a/b", String.class)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'a/b'");
        assertThatThrownBy(() -> troupe.topic("t", int.class)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("use its boxed class");
    }

    @Test
    void badCallsThatReachTheNodeGetAClearErrorAndLeaveTheQueueAndSubscriptionsAsTheyWere() throws Exception {
        NamedQueue<String> q = troupe.queue("guarded", String.class);
        q.put("kept");
        NamedTopic<String> t = troupe.topic("guarded-news", String.class);
        troupe.topic("other-news", String.class).close();
        ObjectHandler node = ((PekkoCluster) troupe.cluster()).service(ObjectHandler.class).orElseThrow();
        ObjectCall.Builder call = ObjectCall.newBuilder().setCallId(7);
        assertThat(error(node, call.clone().setObject("cqueue:guarded").setOp(Op.QUEUE_OPEN).setType("java.lang"
            + ".String").setMaxMessages(-1))).contains("maxMessages must be 0 (no bound) or more, got -1");
        assertThat(error(node, call.clone().setObject("cqueue:guarded").setOp(Op.QUEUE_PUT)
            .setValue(ByteString.copyFrom(new byte[2000])))).contains("a message of 2000 bytes is over the limit of"
            + " 1024 (troupe.cluster.messaging.max-message-bytes)");
        assertThat(error(node, call.clone().setObject("cqueue:guarded").setOp(Op.TOPIC_PUBLISH)
            .setValue(ByteString.copyFromUtf8("x")))).contains("TOPIC_PUBLISH is not an operation of cqueue:guarded");
        assertThat(error(node, call.clone().setObject("ctopic:guarded-news").setOp(Op.QUEUE_GET)))
            .contains("QUEUE_GET is not an operation of ctopic:guarded-news");
        // A wait far past what a scheduler takes is cut to one slice: the get answers "empty", it does not throw.
        ObjectReply waited = node.handle(call.clone().setObject("cqueue:never-filled").setOp(Op.QUEUE_OPEN)
            .setType("java.lang.String").build()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(waited.getError()).isEmpty();
        waited = node.handle(call.clone().setObject("cqueue:never-filled").setOp(Op.QUEUE_GET)
            .setTimeoutNanos(Long.MAX_VALUE).build()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(waited.getError()).isEmpty();
        assertThat(waited.getFound()).isFalse();
        // A subscription is named with its topic: another topic's name neither drains nor closes it.
        try (TopicSubscription<String> sub = t.subscribe()) {
            long id = node.handle(call.clone().setObject("ctopic:guarded-news").setOp(Op.TOPIC_SUBSCRIBE).build())
                .toCompletableFuture().get(10, TimeUnit.SECONDS).getVersion();
            t.publish("hello");
            assertThat(sub.receive(Duration.ofSeconds(5))).isEqualTo("hello");
            assertThat(error(node, call.clone().setObject("ctopic:other-news").setOp(Op.TOPIC_RECEIVE).setIndex(id)))
                .contains("no subscription " + id + " to ctopic:other-news");
            node.handle(call.clone().setObject("ctopic:other-news").setOp(Op.TOPIC_UNSUBSCRIBE).setIndex(id).build())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
            ObjectReply r = node.handle(call.clone().setObject("ctopic:guarded-news").setOp(Op.TOPIC_RECEIVE)
                .setIndex(id).setMaxMessages(10).build()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(r.getError()).isEmpty();
            assertThat(r.getItemsList()).hasSize(1);
            node.handle(call.clone().setObject("ctopic:guarded-news").setOp(Op.TOPIC_UNSUBSCRIBE).setIndex(id)
                .build()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.get()).isEqualTo("kept");
    }

    @Test
    void aMessageReturnedByItsNodeIsTheNextToBeTaken() throws Exception {
        NamedQueue<String> q = troupe.queue("returned", String.class, 1, 0);
        q.put("second");
        ObjectHandler node = ((PekkoCluster) troupe.cluster()).service(ObjectHandler.class).orElseThrow();
        // What a node sends when the get that took "first" can no longer hand it over (its worker's link closed).
        ByteString first = new dev.troupe.internal.codec.PayloadCodec(
            new dev.troupe.internal.codec.JavaSerialization(
                dev.troupe.internal.codec.JavaSerialization.DEFAULT_FILTER, false)).encode("first").toByteString();
        assertThat(error(node, ObjectCall.newBuilder().setCallId(9).setObject("cqueue:returned")
            .setOp(Op.QUEUE_RETURN).setValue(first))).isEmpty();
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.get()).isEqualTo("first");
        assertThat(q.get()).isEqualTo("second");
    }

    private static String error(ObjectHandler node, ObjectCall.Builder call) throws Exception {
        return node.handle(call.build()).toCompletableFuture().get(10, TimeUnit.SECONDS).getError();
    }

    @Test
    void aTopicBatchOfManyTinyMessagesStaysWithinArterysFrame() {
        List<ByteString> tiny = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            tiny.add(ByteString.copyFrom(new byte[]{(byte) i}));
        }
        int from = 0;
        int batches = 0;
        while (from < tiny.size()) {
            int to = ClusterMessaging.batchEnd(tiny, from);
            assertThat(to).isGreaterThan(from);
            int size = dev.troupe.cluster.wire.TopicMessage.newBuilder().setTopic("t")
                .addAllValues(tiny.subList(from, to)).setOrigin("o").setFirst(1).build().getSerializedSize();
            assertThat(size).isLessThanOrEqualTo(ClusterMessaging.BATCH_BYTES + 16);
            from = to;
            batches++;
        }
        // 100,000 values of 1 byte are 300,000 bytes serialized (tag, length, byte): more than one batch.
        assertThat(batches).isGreaterThan(1);
    }

    @Test
    void aSubscriberThatFallsBehindLosesTheOldestAndKeepsTheNewestInOrder() throws Exception {
        NamedTopic<String> t = troupe.topic("ticks", String.class);
        try (TopicSubscription<String> slow = t.subscribe(); TopicSubscription<String> late = t.subscribe()) {
            for (int i = 0; i < 200; i++) {
                t.publish(String.format("tick-%03d-%s", i, "x".repeat(80))); // about 100 bytes each
            }
            List<String> got = new ArrayList<>();
            String m;
            while ((m = slow.receive(Duration.ofSeconds(2))) != null) {
                got.add(m);
            }
            // The buffer holds 4 KiB: about 40 of the newest, the rest counted as lost.
            assertThat(slow.lost()).isPositive();
            assertThat(got.size() + slow.lost()).isEqualTo(200);
            assertThat(got.get(got.size() - 1)).startsWith("tick-199-");
            for (int i = 1; i < got.size(); i++) {
                assertThat(got.get(i).compareTo(got.get(i - 1))).isPositive();
            }
            assertThat(late.receive(Duration.ofSeconds(2))).isNotNull();
        }
        assertThatThrownBy(() -> t.publish("y".repeat(2000))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("does not fit cluster topic 'ticks': it takes at most 1024 bytes");
    }

    @Test
    void handlesPassedToAWorkerAsInputReachTheSameQueueAndTopic() throws Exception {
        NamedQueue<String> q = troupe.queue("handed", String.class);
        NamedTopic<String> t = troupe.topic("handed", String.class);
        try (TopicSubscription<String> sub = t.subscribe();
             Pool pool = troupe.pool(PoolOptions.workers(1).placement(Placement.LOCAL))) {
            assertThat(pool.apply(ClusterObjectsTest::putAndPublish, List.of(q, t))).isEqualTo(3);
            assertThat(List.of(q.get(), q.get(), q.get())).containsExactly("0", "1", "2");
            assertThat(List.of(sub.receive(Duration.ofSeconds(5)), sub.receive(Duration.ofSeconds(5)),
                sub.receive(Duration.ofSeconds(5)))).containsExactly("0", "1", "2");
        }
    }

    @SuppressWarnings("unchecked")
    static Integer putAndPublish(List<Object> handles) throws InterruptedException {
        NamedQueue<String> q = (NamedQueue<String>) handles.get(0);
        NamedTopic<String> t = (NamedTopic<String>) handles.get(1);
        for (int i = 0; i < 3; i++) {
            q.put(Integer.toString(i));
            t.publish(Integer.toString(i));
        }
        return 3;
    }
}
