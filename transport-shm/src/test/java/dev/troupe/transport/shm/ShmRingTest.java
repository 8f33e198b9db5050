package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ring's protocol on its own; {@code ShmLinkTest} drives it between real processes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmRingTest {
    private static ShmRing ring(int capacity) {
        return new ShmRing(new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + ShmRing.TRAILER_BYTES)));
    }

    /** Writes a body of {@code length} bytes derived from {@code seq}, so a reader can check every byte. */
    private static boolean offer(ShmRing ring, long seq, int length) {
        int index = ring.tryClaim(1 + (int) (seq % 7), length);
        if (index < 0) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            ring.buffer().putByte(index + i, pattern(seq, i));
        }
        ring.commit(index);
        return true;
    }

    private static byte pattern(long seq, int i) {
        // Bodies full of small positive ints: stale bytes read as a header would look like plausible lengths.
        return (byte) ((seq * 31 + i) % 97 == 0 ? 0 : 8 + (seq + i) % 64);
    }

    @Test
    void shouldResumeAProducerAndPeekWithoutConsumingAcrossManyLapsAndHandOvers() {
        UnsafeBuffer memory = new UnsafeBuffer(ByteBuffer.allocateDirect(4096 + ShmRing.TRAILER_BYTES));
        ShmRing producer = new ShmRing(memory);
        ShmRing consumer = new ShmRing(memory);
        Random random = new Random(7);
        ArrayDeque<int[]> sent = new ArrayDeque<>(); // {seq, length}
        long nextSeq = 0;
        long received = 0;
        while (received < 100_000) {
            if (random.nextInt(50) == 0) {
                // The end moves to another process: a fresh producer over the same memory carries on after the
                // last committed record, and a half-claimed record it never committed is written over.
                producer.tryClaim(1, random.nextInt(producer.maxMsgLength() + 1));
                producer = new ShmRing(memory);
                producer.resumeProducer();
            }
            if (random.nextInt(50) == 0) {
                consumer = new ShmRing(memory);
            }
            int length = random.nextInt(producer.maxMsgLength() + 1);
            if (offer(producer, nextSeq, length)) {
                sent.add(new int[] {(int) nextSeq, length});
                nextSeq++;
            }
            if (random.nextInt(3) == 0 || sent.size() > 100) {
                int index;
                while ((index = consumer.peek()) >= 0) {
                    int[] expected = sent.poll();
                    assertThat(expected).as("a message nobody sent").isNotNull();
                    assertThat(consumer.peek()).as("peeking again finds the same message").isEqualTo(index);
                    assertThat(consumer.peekedType()).isEqualTo(1 + expected[0] % 7);
                    assertThat(consumer.peekedLength()).isEqualTo(expected[1]);
                    for (int i = 0; i < expected[1]; i++) {
                        assertThat(consumer.buffer().getByte(index + i)).isEqualTo(pattern(expected[0], i));
                    }
                    consumer.consumePeeked();
                    received++;
                }
                assertThat(sent).isEmpty();
            }
        }
    }

    @Test
    void messagesOfEverySizeArriveInOrderAcrossManyLaps() {
        ShmRing ring = ring(4096);
        Random random = new Random(42);
        ArrayDeque<int[]> sent = new ArrayDeque<>(); // {seq, length}
        long nextSeq = 0;
        long received = 0;
        while (received < 200_000) {
            int length = random.nextInt(ring.maxMsgLength() + 1);
            if (offer(ring, nextSeq, length)) {
                sent.add(new int[] {(int) nextSeq, length});
                nextSeq++;
            }
            if (random.nextInt(3) == 0 || sent.size() > 100) {
                int before = sent.size();
                int n = ring.read((type, buffer, index, len) -> {
                    int[] expected = sent.poll();
                    assertThat(expected).as("a message nobody sent").isNotNull();
                    assertThat(type).isEqualTo(1 + expected[0] % 7);
                    assertThat(len).isEqualTo(expected[1]);
                    for (int i = 0; i < len; i++) {
                        if (buffer.getByte(index + i) != pattern(expected[0], i)) {
                            throw new AssertionError("message " + expected[0] + " differs at byte " + i);
                        }
                    }
                }, 1 + random.nextInt(16));
                assertThat(before - sent.size()).isEqualTo(n);
                received += n;
            }
        }
        assertThat(ring.read((type, buffer, index, len) -> sent.poll(), Integer.MAX_VALUE)).isEqualTo(
            (int) (nextSeq - received));
        assertThat(sent).isEmpty();
        assertThat(ring.read((type, buffer, index, len) -> { }, 10)).isZero();
    }

    @Test
    void aFullRingRefusesUntilTheReaderFreesRoom() {
        ShmRing ring = ring(4096);
        int sent = 0;
        while (offer(ring, sent, 100)) {
            sent++;
        }
        // 100-byte bodies take 112-byte records, and one header past the last record stays free.
        assertThat(sent).isEqualTo((4096 - ShmRing.HEADER_BYTES) / 112);
        // The next record does not fit before the end: it needs a 64-byte padding record too, so two must go.
        assertThat(ring.read((type, buffer, index, length) -> { }, 1)).isEqualTo(1);
        assertThat(offer(ring, sent, 100)).isFalse();
        assertThat(ring.read((type, buffer, index, length) -> { }, 1)).isEqualTo(1);
        assertThat(offer(ring, sent, 100)).isTrue();
        assertThat(offer(ring, sent + 1, 100)).isFalse();
    }

    @Test
    void aClaimedButUncommittedMessageIsNotRead() {
        ShmRing ring = ring(4096);
        assertThat(offer(ring, 0, 10)).isTrue();
        int index = ring.tryClaim(2, 20);
        List<Integer> types = new ArrayList<>();
        assertThat(ring.read((type, buffer, i, length) -> types.add(type), 10)).isEqualTo(1);
        ring.commit(index);
        assertThat(ring.read((type, buffer, i, length) -> types.add(type), 10)).isEqualTo(1);
        assertThat(types).containsExactly(1, 2);
    }

    @Test
    void misuseIsRefusedWithTheReason() {
        ShmRing ring = ring(4096);
        assertThatThrownBy(() -> ring.tryClaim(1, ring.maxMsgLength() + 1)).isInstanceOf(
            IllegalArgumentException.class).hasMessageContaining("of " + (ring.maxMsgLength() + 1) + " bytes");
        assertThatThrownBy(() -> ring.tryClaim(0, 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ring.commit(ShmRing.HEADER_BYTES)).isInstanceOf(IllegalStateException.class);
        int index = ring.tryClaim(1, 8);
        assertThatThrownBy(() -> ring.tryClaim(1, 8)).hasMessageContaining("claim outstanding");
        ring.commit(index);
        assertThatThrownBy(() -> new ShmRing(new UnsafeBuffer(ByteBuffer.allocateDirect(3000 + ShmRing.TRAILER_BYTES))))
            .hasMessageContaining("power of two");
    }

    @Test
    void aCorruptRecordIsReportedWithItsOffset() {
        ShmRing ring = ring(4096);
        assertThat(offer(ring, 0, 16)).isTrue();
        ring.buffer().putInt(24, 5000); // where the next record would start: longer than the ring
        List<Integer> lengths = new ArrayList<>();
        assertThatThrownBy(() -> ring.read((type, buffer, index, length) -> lengths.add(length), 10))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("5000 bytes at offset 24");
        assertThat(lengths).containsExactly(16);
        ShmRing negative = ring(4096);
        negative.buffer().putInt(0, -8);
        assertThatThrownBy(() -> negative.read((type, buffer, index, length) -> { }, 10))
            .hasMessageContaining("-8 bytes at offset 0");
    }

    @Test
    void aProducerAndAConsumerThreadAgreeOnEveryByte() throws Exception {
        ShmRing ring = ring(64 * 1024);
        int messages = 500_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            Random random = new Random(7);
            for (long seq = 0; seq < messages && failure.get() == null; seq++) {
                int length = seq % 50 == 0 ? random.nextInt(ring.maxMsgLength() + 1) : 8 + (int) (seq % 120);
                while (!offer(ring, seq, length) && failure.get() == null) {
                    Thread.onSpinWait();
                }
            }
        });
        producer.start();
        long[] next = {0};
        Random lengths = new Random(7);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        try {
            while (next[0] < messages && System.nanoTime() < deadline) {
                ring.read((type, buffer, index, length) -> {
                    long seq = next[0]++;
                    int expected = seq % 50 == 0 ? lengths.nextInt(ring.maxMsgLength() + 1) : 8 + (int) (seq % 120);
                    if (type != 1 + seq % 7 || length != expected) {
                        throw new AssertionError("message " + seq + ": type " + type + ", " + length + " bytes");
                    }
                    for (int i = 0; i < length; i++) {
                        if (buffer.getByte(index + i) != pattern(seq, i)) {
                            throw new AssertionError("message " + seq + " differs at byte " + i);
                        }
                    }
                }, 64);
            }
        } catch (Throwable e) {
            failure.set(e);
            throw e;
        } finally {
            producer.join(TimeUnit.SECONDS.toMillis(5));
        }
        assertThat(next[0]).isEqualTo(messages);
    }
}
