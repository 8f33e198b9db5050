package dev.troupe.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.CodecException;
import dev.troupe.TroupeException;
import dev.troupe.internal.codec.JavaSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A named queue's behaviour within one process: time-outs, close, bad input, a dead lock holder, handles. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueTest {
    private String name;

    /** A record type, carried by the records codec. */
    record Order(String item, int quantity) {
    }

    @BeforeEach
    void name() {
        name = "qt-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    @AfterEach
    void unlink() {
        Queue.unlink(name);
        SimpleQueue.unlink(name);
        JoinableQueue.unlink(name);
        Event.unlink(name);
    }

    @Test
    void shouldKeepOrderAndCarryValuesThroughTheTaskCodecs() throws Exception {
        try (Queue<Object> queue = Queue.open(name, Object.class);
             Queue<Object> other = Queue.open(name, Object.class)) {
            List<Object> values = List.of("text", 42, 7L, 2.5, new byte[] {1, 2, 3}, new Order("pen", 3),
                List.of(1, 2), TimeUnit.SECONDS);
            for (Object v : values) {
                queue.put(v);
            }
            assertThat(other.size()).isEqualTo(values.size());
            List<Object> got = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                got.add(other.get());
            }
            assertThat(got).usingRecursiveFieldByFieldElementComparator().isEqualTo(values);
            assertThat(other.isEmpty()).isTrue();
            assertThat(other.poll()).isNull();
        }
    }

    @Test
    void shouldWrapMessagesAroundTheEndOfTheRing() throws Exception {
        try (Queue<String> queue = Queue.open(name, String.class, 0, 256)) {
            for (int i = 0; i < 1000; i++) {
                String v = "m".repeat(i % 97) + i;
                queue.put(v);
                assertThat(queue.get()).isEqualTo(v);
            }
        }
    }

    @Test
    void shouldBlockWhenFullThenTimeOut() throws Exception {
        try (Queue<Integer> queue = Queue.open(name, Integer.class, 2)) {
            queue.put(1);
            assertThat(queue.offer(2)).isTrue();
            assertThat(queue.offer(3)).as("full at two messages").isFalse();
            long start = System.nanoTime();
            assertThat(queue.put(3, Duration.ofMillis(200))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            CompletableFuture<Boolean> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return queue.put(3, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(100);
            assertThat(blocked).as("waits for room").isNotDone();
            assertThat(queue.get()).isEqualTo(1);
            assertThat(blocked.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(queue.get()).isEqualTo(2);
            assertThat(queue.get()).isEqualTo(3);
            assertThat(queue.get(Duration.ofMillis(50))).as("empty: times out").isNull();
        }
        try (Queue<String> bytesBound = Queue.open(name + "b", String.class, 0, 64)) {
            assertThat(bytesBound.offer("x".repeat(40))).isTrue();
            assertThat(bytesBound.offer("y")).as("full by bytes").isFalse();
        } finally {
            Queue.unlink(name + "b");
        }
    }

    @Test
    void shouldWakeBlockedCallersOfAClosedHandle() throws Exception {
        try (Queue<Integer> queue = Queue.open(name, Integer.class, 1)) {
            Queue<Integer> handle = Queue.open(name, Integer.class, 1);
            CompletableFuture<Integer> getter = CompletableFuture.supplyAsync(() -> {
                try {
                    return handle.get();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            queue.put(1);
            assertThat(getter.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            queue.put(2);
            CompletableFuture<Void> putter = CompletableFuture.runAsync(() -> {
                try {
                    handle.put(3);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            CompletableFuture<Integer> getter2 = CompletableFuture.supplyAsync(() -> {
                try {
                    return Queue.open(name + "e", Integer.class).get(); // another queue, empty
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            assertThat(putter).isNotDone();
            handle.close();
            assertThatThrownBy(() -> putter.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Queue '" + name + "' was closed while waiting to put");
            assertThatThrownBy(() -> handle.get()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
            assertThat(queue.get()).as("other handles go on").isEqualTo(2);
            assertThat(getter2).as("closing one handle wakes no one else for good").isNotDone();
            getter2.cancel(true);
            try (Queue<Integer> e = Queue.open(name + "e", Integer.class)) {
                e.put(0); // lets the other getter finish
            }
        } finally {
            Queue.unlink(name + "e");
        }
    }

    @Test
    void shouldRefuseBadInputWithClearErrors() throws Exception {
        try (Queue<Object> anything = Queue.open(name, Object.class);
             Queue<Integer> numbers = Queue.open(name, Integer.class)) {
            anything.put("not a number");
            anything.put(5);
            assertThatThrownBy(numbers::get).isInstanceOf(CodecException.class)
                .hasMessageContaining("java.lang.String").hasMessageContaining("not a java.lang.Integer");
            assertThat(numbers.get()).as("the bad message is removed, the next one comes").isEqualTo(5);

            assertThatThrownBy(() -> anything.put(new Object())).isInstanceOf(CodecException.class)
                .hasMessageContaining("java.lang.Object");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Queue<Object> raw = (Queue) numbers;
            assertThatThrownBy(() -> raw.put("text")).isInstanceOf(ClassCastException.class)
                .hasMessageContaining("carries java.lang.Integer, not java.lang.String");
            assertThatThrownBy(() -> anything.put(null)).isInstanceOf(NullPointerException.class);
            assertThat(anything.isEmpty()).isTrue();
        }
        try (Queue<byte[]> small = Queue.open(name + "s", byte[].class, 0, 1024)) {
            assertThatThrownBy(() -> small.put(new byte[4096])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a message of 4").hasMessageContaining("capacity is 1024 bytes")
                .hasMessageContaining("at most 1016 bytes");
            small.put(new byte[1000]);
            assertThat(small.get()).hasSize(1000);
        } finally {
            Queue.unlink(name + "s");
        }
        try (Queue<Integer> queue = Queue.open(name, Integer.class)) {
            assertThat(queue.maxMessages()).isZero();
            assertThatThrownBy(() -> Queue.open(name, Integer.class, 10)).isInstanceOf(TroupeException.class)
                .hasMessageContaining("exists with maxMessages 0, not 10");
            assertThatThrownBy(() -> Queue.open(name, Integer.class, 0, 4096)).isInstanceOf(TroupeException.class)
                .hasMessageContaining("capacity of 1048576 bytes, not 4096");
            assertThatThrownBy(() -> Queue.open(name, Integer.class, 0, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 8");
            assertThatThrownBy(() -> Queue.open(name, int.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("boxed");
            assertThatThrownBy(() -> Queue.open("../x", Integer.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shared object name");
        }
    }

    @Test
    void shouldRefuseAQueueFileThatAnotherUserOwns() throws Exception {
        try (Queue<Integer> queue = Queue.open(name, Integer.class)) {
            Path path = NamedSegment.pathOf("queue", queue.name());
            UserPrincipal other = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(
                System.getProperty("user.name").equals("nobody") ? "root" : "nobody");
            try {
                Files.setOwner(path, other);
            } catch (java.io.IOException e) {
                org.junit.jupiter.api.Assumptions.assumeTrue(false, "cannot give a file away here: " + e);
            }
            assertThatThrownBy(() -> Queue.open(name, Integer.class)).isInstanceOf(TroupeException.class)
                .hasMessageContaining("refusing to open Queue '" + name + "'")
                .hasMessageContaining("belongs to " + other.getName());
        }
    }

    @Test
    void shouldKeepThePublishedStateWhenTheLockHolderDiedMidCopy() throws Exception {
        try (Queue<String> queue = Queue.open(name, String.class, 0, 512)) {
            queue.put("first");
            queue.put("second");
            // What a process killed in the middle of a put leaves: the lock held by a dead pid, half a record
            // past the tail, and the spare state slot half written.
            Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            long version = queue.data.getLongVolatile(QueueDescriptor.PUT_VERSION);
            long tail = queue.data.getLong(QueueDescriptor.putSlot(version) + QueueDescriptor.TAIL);
            queue.data.putInt(QueueDescriptor.RING + (int) (tail % 512), 999_999);
            queue.data.setMemory(QueueDescriptor.RING + (int) (tail % 512) + 8, 40, (byte) 0x5a);
            queue.data.putLong(QueueDescriptor.putSlot(version + 1) + QueueDescriptor.TAIL, tail + 48);
            queue.data.putLong(QueueDescriptor.putSlot(version + 1) + QueueDescriptor.PUTS, 3);
            queue.data.putIntVolatile(QueueDescriptor.PUT_LOCK, (int) dead.pid());
            assertThat(queue.size()).isEqualTo(2);
            assertThat(queue.get(Duration.ofSeconds(10))).isEqualTo("first");
            queue.put("third");
            assertThat(queue.get()).isEqualTo("second");
            assertThat(queue.get()).isEqualTo("third");
            assertThat(queue.poll()).isNull();
        }
    }

    @Test
    void shouldKeepAMessageWhoseGetterDiedMidCopy() throws Exception {
        try (Queue<String> queue = Queue.open(name, String.class, 0, 512)) {
            queue.put("first");
            queue.put("second");
            // What a process killed in the middle of a get leaves: the get side's lock held by a dead pid and its
            // spare state slot moved past the first message, unpublished.
            Process dead = new ProcessBuilder("true").start();
            dead.waitFor();
            long version = queue.data.getLongVolatile(QueueDescriptor.GET_VERSION);
            int spare = QueueDescriptor.getSlot(version + 1);
            queue.data.putLong(spare + QueueDescriptor.HEAD, 24);
            queue.data.putLong(spare + QueueDescriptor.GETS, 1);
            queue.data.putIntVolatile(QueueDescriptor.GET_LOCK, (int) dead.pid());

            assertThat(queue.get(Duration.ofSeconds(10))).isEqualTo("first");
            assertThat(queue.get()).isEqualTo("second");
            assertThat(queue.poll()).isNull();
            assertThat(queue.size()).isZero();
        }
    }

    @Test
    void shouldReopenTheSameQueueFromASerializedHandle() throws Exception {
        JavaSerialization java = new JavaSerialization(JavaSerialization.DEFAULT_FILTER, true);
        try (JoinableQueue<String> queue = JoinableQueue.open(name, String.class, 5, 4096)) {
            byte[] bytes = java.serialize(queue, "handle");
            assertThat(bytes.length).as("a name and parameters, not the ring").isLessThan(1024);
            @SuppressWarnings("unchecked")
            JoinableQueue<String> copy = (JoinableQueue<String>) java.deserialize(bytes, getClass().getClassLoader(),
                "handle");
            assertThat(copy).isNotSameAs(queue);
            assertThat(copy.name()).isEqualTo(name);
            assertThat(copy.maxMessages()).isEqualTo(5);
            copy.put("through the copy");
            assertThat(queue.get()).isEqualTo("through the copy");
            queue.taskDone();
            assertThat(copy.join(Duration.ZERO)).isTrue();
            copy.close();

            JoinableQueue.unlink(name);
            assertThatThrownBy(() -> java.deserialize(bytes, getClass().getClassLoader(), "handle"))
                .isInstanceOf(CodecException.class).hasMessageContaining("cannot reopen JoinableQueue '" + name)
                .hasMessageContaining("no shared joinablequeue named");
        }
    }

    @Test
    void shouldCountUnfinishedMessagesForJoin() throws Exception {
        try (JoinableQueue<Integer> queue = JoinableQueue.open(name, Integer.class)) {
            assertThat(queue.join(Duration.ZERO)).isTrue();
            queue.put(1);
            queue.put(2);
            assertThat(queue.unfinished()).isEqualTo(2);
            CompletableFuture<Boolean> joiner = CompletableFuture.supplyAsync(() -> {
                try {
                    return queue.join(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            queue.get();
            queue.taskDone();
            Thread.sleep(100);
            assertThat(joiner).isNotDone();
            queue.get();
            queue.taskDone();
            assertThat(joiner.get(30, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(queue::taskDone).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("more times than messages were put");
        }
    }

    @Test
    void shouldBeWaitableAsReadableWithoutTakingAMessage() throws Exception {
        try (Queue<String> queue = Queue.open(name, String.class); Event event = Event.open(name);
             SimpleQueue<String> simple = SimpleQueue.open(name, String.class)) {
            assertThat(Waits.any(Duration.ofMillis(50), event, queue)).isEqualTo(-1);
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(
                () -> Waits.any(Duration.ofSeconds(30), event, queue, simple));
            Thread.sleep(100);
            simple.put("ready");
            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(simple.isEmpty()).as("waiting does not take the message").isFalse();
            assertThat(simple.get()).isEqualTo("ready");
            queue.put("x");
            assertThat(Waits.any(Duration.ofSeconds(5), event, queue)).isEqualTo(1);
        }
    }

    @Test
    void shouldServeAsABlockingQueue() throws Exception {
        try (Queue<Integer> queue = Queue.open(name, Integer.class, 3)) {
            BlockingQueue<Integer> view = queue.asBlockingQueue();
            assertThat(view.remainingCapacity()).isEqualTo(3);
            view.put(1);
            assertThat(view.offer(2, 10, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(view.add(3)).isTrue();
            assertThatThrownBy(() -> view.add(4)).isInstanceOf(IllegalStateException.class);
            assertThat(view.size()).isEqualTo(3);
            assertThat(view.take()).isEqualTo(1);
            List<Integer> drained = new ArrayList<>();
            assertThat(view.drainTo(drained)).isEqualTo(2);
            assertThat(drained).containsExactly(2, 3);
            assertThat(view.poll(10, TimeUnit.MILLISECONDS)).isNull();
            assertThatThrownBy(view::iterator).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("iterator");
            assertThatThrownBy(view::peek).isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
