package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.troupe.wire.Cancel;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.LogLine;
import dev.troupe.wire.Payload;
import dev.troupe.wire.PayloadList;
import dev.troupe.wire.Payloads;
import dev.troupe.wire.Submit;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A property-based fuzz test of the inbound path (frame splitting, then envelope parsing), run for a bounded number
 * of generated inputs with fixed seeds so a failure can be replayed: whatever bytes arrive, in whatever pieces, the
 * decoder either yields envelopes or fails the connection with a framing or parse error; it never throws anything
 * else, never yields a frame over the limit, and never yields anything after failing. Valid streams, however they
 * are split, decode to exactly what was sent.
 */
@Timeout(120)
class TcpFrameDecoderFuzzTest {
    private static final int MAX_FRAME = 64 * 1024;
    private static final int ITERATIONS = Integer.getInteger("troupe.fuzz.iterations", 20_000);

    /** The decoder under test, then a handler that parses each frame as the link does. */
    private static final class Harness extends ChannelInboundHandlerAdapter {
        final List<Envelope> envelopes = new ArrayList<>();
        /** Broken properties, recorded here: Netty would swallow an assertion thrown inside a handler. */
        final List<String> violations = new ArrayList<>();
        Throwable failure;
        boolean framingFailed;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                if (frame.readableBytes() < 1 || frame.readableBytes() > MAX_FRAME - FrameCodec.HEADER_BYTES) {
                    violations.add("a frame of " + frame.readableBytes() + " bytes");
                }
                if (framingFailed) {
                    violations.add("a frame after the framing failure " + failure);
                    return;
                }
                if (failure != null) {
                    // The link closes on a parse failure and reads nothing more; so does this harness.
                    return;
                }
                byte[] body = new byte[frame.readableBytes()];
                frame.readBytes(body);
                envelopes.add(FrameCodec.decodeBody(body, 0, body.length, "fuzz"));
            } catch (MalformedFrameException e) {
                failure = e;
            } catch (RuntimeException e) {
                violations.add("the parser threw " + e);
            } finally {
                frame.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof CorruptedFrameException || cause.getCause() instanceof CorruptedFrameException)) {
                violations.add("the decoder threw " + cause);
            }
            framingFailed = true;
            if (failure == null) {
                failure = cause;
            }
        }
    }

    private static Harness feed(byte[] stream, Random random) {
        Harness h = new Harness();
        TcpFrameDecoder decoder = new TcpFrameDecoder(MAX_FRAME);
        decoder.authenticated(MAX_FRAME);
        EmbeddedChannel ch = new EmbeddedChannel(decoder, h);
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, 1 + random.nextInt(random.nextBoolean() ? 8 : 4096));
            ch.writeInbound(Unpooled.copiedBuffer(stream, at, n));
            at += n;
        }
        ch.finishAndReleaseAll();
        assertThat(h.violations).isEmpty();
        return h;
    }

    private static Envelope randomEnvelope(Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(r.nextLong())).build();
            case 1:
                return Envelope.newBuilder().setCancel(Cancel.newBuilder().setTaskId(r.nextLong())).build();
            case 2: {
                byte[] b = new byte[r.nextInt(2000)];
                r.nextBytes(b);
                return Envelope.newBuilder().setSubmit(Submit.newBuilder().setTaskId(r.nextInt(1000))
                    .setFunctionId(7).setInputs(PayloadList.newBuilder().setBoxed(Payloads.newBuilder()
                        .addItems(Payload.newBuilder().setKind(3).setData(ByteString.copyFrom(b)))).build()
                        .toByteString())).build();
            }
            default:
                return Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("line " + r.nextInt())).build();
        }
    }

    private static byte[] encode(List<Envelope> envelopes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Envelope e : envelopes) {
            out.writeBytes(FrameCodec.encode(e, MAX_FRAME));
        }
        return out.toByteArray();
    }

    @Test
    void validStreamsDecodeToWhatWasSentHoweverTheyAreSplit() {
        Random r = new Random(11);
        for (int i = 0; i < ITERATIONS / 10; i++) {
            List<Envelope> sent = new ArrayList<>();
            for (int n = r.nextInt(20); n > 0; n--) {
                sent.add(randomEnvelope(r));
            }
            Harness h = feed(encode(sent), r);
            assertThat(h.failure).isNull();
            assertThat(h.envelopes).isEqualTo(sent);
        }
    }

    @Test
    void randomBytesOnlyEverYieldEnvelopesOrAFramingOrParseError() {
        Random r = new Random(12);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] junk = new byte[r.nextInt(256)];
            r.nextBytes(junk);
            if (r.nextInt(4) == 0 && junk.length >= 4) {
                // A plausible length, so the parser, not only the framer, sees the junk.
                int len = junk.length - 4;
                junk[0] = 0;
                junk[1] = 0;
                junk[2] = (byte) (len >>> 8);
                junk[3] = (byte) len;
            }
            feed(junk, r);
        }
    }

    @Test
    void mutatedValidStreamsFailCleanlyOrDecode() {
        Random r = new Random(13);
        for (int i = 0; i < ITERATIONS / 4; i++) {
            List<Envelope> sent = new ArrayList<>();
            for (int n = 1 + r.nextInt(5); n > 0; n--) {
                sent.add(randomEnvelope(r));
            }
            byte[] stream = encode(sent);
            int mutations = 1 + r.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                switch (r.nextInt(3)) {
                    case 0:
                        stream[r.nextInt(stream.length)] ^= (byte) (1 << r.nextInt(8));
                        break;
                    case 1:
                        stream = java.util.Arrays.copyOf(stream, r.nextInt(stream.length + 1));
                        break;
                    default:
                        stream[r.nextInt(stream.length)] = (byte) r.nextInt(256);
                        break;
                }
                if (stream.length == 0) {
                    break;
                }
            }
            Harness h = feed(stream, r);
            assertThat(h.envelopes.size()).isLessThanOrEqualTo(sent.size() + stream.length / 5);
        }
    }
}
