package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.troupe.wire.MalformedFrameException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reassembly of fragmented messages on its own; {@code ShmLinkTest} sends large messages over a real ring. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FragmentAssemblerTest {
    private static final int MAX_FRAME = 1 << 20;
    private static final String LINK = "shm:test";

    private final FragmentAssembler assembler = new FragmentAssembler(MAX_FRAME, LINK);

    private static byte[] message(int length, long seed) {
        byte[] m = new byte[length];
        new Random(seed).nextBytes(m);
        return m;
    }

    /** A FIRST record as a sender writes it: the whole length, then the first {@code n} bytes. */
    private static UnsafeBuffer first(byte[] message, int n) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[Integer.BYTES + n]);
        b.putInt(0, message.length);
        b.putBytes(Integer.BYTES, message, 0, n);
        return b;
    }

    private static UnsafeBuffer part(byte[] message, int from, int n) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[n]);
        b.putBytes(0, message, from, n);
        return b;
    }

    /** Feeds {@code message} in fragments of {@code size} bytes (the first one's length prefix included). */
    private byte[] feed(byte[] message, int size) throws MalformedFrameException {
        int head = size - Integer.BYTES;
        UnsafeBuffer f = first(message, head);
        assertThat(assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity())).isNull();
        assertThat(assembler.inProgress()).isTrue();
        int offset = head;
        byte[] whole = null;
        while (offset < message.length) {
            int n = Math.min(size, message.length - offset);
            int type = offset + n == message.length ? ShmLink.LAST : ShmLink.MIDDLE;
            whole = assembler.onFragment(type, part(message, offset, n), 0, n);
            offset += n;
            if (type == ShmLink.MIDDLE) {
                assertThat(whole).isNull();
            }
        }
        return whole;
    }

    @Test
    void shouldReassembleFirstAndLastIntoTheMessage() throws Exception {
        byte[] message = message(100, 1);
        assertThat(feed(message, 64)).isEqualTo(message);
        assertThat(assembler.inProgress()).isFalse();
    }

    @Test
    void shouldReassembleAMessageSplitInManyFragments() throws Exception {
        byte[] message = message(64 * 1000 + 17, 2);
        byte[] whole = feed(message, 64);
        assertThat(whole).isEqualTo(message);
    }

    @Test
    void shouldReassembleMessagesOneAfterAnotherEachInItsOwnArray() throws Exception {
        byte[] a = message(300, 3);
        byte[] b = message(200, 4);
        byte[] first = feed(a, 128);
        byte[] second = feed(b, 128);
        assertThat(first).isEqualTo(a);
        assertThat(second).isEqualTo(b);
        assertThat(first).isNotSameAs(second);
    }

    @Test
    void shouldRefuseAMiddleFragmentWithNoFirst() {
        UnsafeBuffer b = new UnsafeBuffer(new byte[32]);
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.MIDDLE, b, 0, 32))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessage("a middle fragment arrived with no first fragment before it on " + LINK);
    }

    @Test
    void shouldRefuseALastFragmentWithNoFirst() {
        UnsafeBuffer b = new UnsafeBuffer(new byte[32]);
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.LAST, b, 0, 32))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("a last fragment arrived with no first fragment")
            .hasMessageEndingWith(" on " + LINK);
    }

    @Test
    void shouldRefuseASecondFirstFragmentBeforeTheLast() throws Exception {
        byte[] message = message(200, 5);
        UnsafeBuffer f = first(message, 60);
        assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity());
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity()))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("first fragment arrived out of order");
    }

    @Test
    void shouldRefuseALastFragmentThatEndsTheMessageEarly() throws Exception {
        byte[] message = message(200, 6);
        UnsafeBuffer f = first(message, 60);
        assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity());
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.LAST, part(message, 60, 40), 0, 40))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("a last fragment ends at 100 of 200 bytes");
    }

    @Test
    void shouldRefuseAFragmentThatRunsPastTheMessage() throws Exception {
        byte[] message = message(100, 7);
        UnsafeBuffer f = first(message, 60);
        assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity());
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.MIDDLE, new UnsafeBuffer(new byte[64]), 0, 64))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("a middle fragment of 64 bytes after 60 of 100");
    }

    @Test
    void shouldRefuseALengthOverTheFrameLimitBeforeAllocating() {
        UnsafeBuffer f = new UnsafeBuffer(new byte[Integer.BYTES + 8]);
        f.putInt(0, Integer.MAX_VALUE);
        assertThatThrownBy(() -> assembler.onFragment(ShmLink.FIRST, f, 0, f.capacity()))
            .isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("fragmented message of " + Integer.MAX_VALUE + " bytes on " + LINK)
            .hasMessageContaining("troupe.max-frame-size");
        assertThat(assembler.inProgress()).isFalse();
    }
}
