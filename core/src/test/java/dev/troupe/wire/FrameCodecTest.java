package dev.troupe.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static final int MAX = 1024;

    @Test
    void shouldEncodeLengthPrefixAndDecodeBody() throws Exception {
        Envelope e = Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(42)).build();
        byte[] frame = FrameCodec.encode(e, MAX);
        ByteBuffer buf = ByteBuffer.wrap(frame);
        int len = FrameCodec.peekBodyLength(buf, MAX, "test");
        assertThat(len).isEqualTo(frame.length - FrameCodec.HEADER_BYTES);
        assertThat(FrameCodec.decodeBody(frame, FrameCodec.HEADER_BYTES, len, "test")).isEqualTo(e);
    }

    @Test
    void shouldKeepNoReferenceToTheBytesItParsed() throws Exception {
        Envelope hot = Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(3)
            .setOutputs(ByteString.copyFromUtf8("outputs"))).build();
        Envelope other = Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("line")).build();
        for (Envelope e : List.of(hot, other)) { // the fast parser, and protobuf's
            byte[] body = e.toByteArray();
            Envelope parsed = FrameCodec.decodeBody(body, 0, body.length, "test");
            Arrays.fill(body, (byte) 0x55);
            assertThat(parsed).isEqualTo(e);
        }
    }

    @Test
    void shouldRefuseOversizedEnvelopesOnSendAndOversizedLengthsOnReceive() {
        Envelope big = Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("x".repeat(MAX))).build();
        assertThatThrownBy(() -> FrameCodec.encode(big, MAX)).isInstanceOf(FrameTooLargeException.class)
            .hasMessageContaining("troupe.max-frame-size");
        assertThatThrownBy(() -> FrameCodec.peekBodyLength(ByteBuffer.allocate(4).putInt(0, MAX), MAX, "link-x"))
            .isInstanceOf(MalformedFrameException.class).hasMessageContaining("link-x");
        assertThatThrownBy(() -> FrameCodec.peekBodyLength(ByteBuffer.allocate(4).putInt(0, 0), MAX, "link-x"))
            .isInstanceOf(MalformedFrameException.class);
    }

    @Test
    void shouldRejectRandomBytesWithMalformedFrameExceptionOnly() {
        Random random = new Random(7);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] body = new byte[1 + random.nextInt(64)];
            random.nextBytes(body);
            try {
                Envelope e = FrameCodec.decodeBody(body, 0, body.length, "fuzz");
                assertThat(e.getBodyCase()).isNotEqualTo(Envelope.BodyCase.BODY_NOT_SET);
            } catch (MalformedFrameException expected) {
                refused++;
            }
        }
        assertThat(refused).isPositive();
    }
}
