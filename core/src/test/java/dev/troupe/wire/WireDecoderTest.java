package dev.troupe.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.CodecException;
import dev.troupe.internal.codec.PayloadCodec;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast parser against protobuf's own: the same message, or a fall-back to protobuf. */
class WireDecoderTest {

    @Test
    void shouldParseEveryHotEnvelopeExactlyAsProtobufDoes() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            Envelope e = randomEnvelope(random);
            byte[] bytes = e.toByteArray();
            Envelope fast = WireDecoder.envelope(bytes, 0, bytes.length);
            assertThat(fast).as("envelope %s", e).isEqualTo(Envelope.parseFrom(bytes)).isEqualTo(e);
        }
    }

    @Test
    void shouldParseAnArrayItIsHandedAsViewsOfThatArray() throws Exception {
        Random random = new Random(19);
        for (int i = 0; i < 20_000; i++) {
            Envelope e = randomEnvelope(random);
            byte[] bytes = e.toByteArray();
            assertThat(WireDecoder.ownedEnvelope(bytes, 0, bytes.length)).as("envelope %s", e).isEqualTo(e);
        }
        Envelope e = Envelope.newBuilder().setSubmit(Submit.newBuilder().setTaskId(5)
            .setInputs(ByteString.copyFrom(new byte[] {1, 2, 3}))).build();
        byte[] bytes = e.toByteArray();
        Envelope owned = WireDecoder.ownedEnvelope(bytes, 0, bytes.length);
        Envelope copied = WireDecoder.envelope(bytes, 0, bytes.length);
        bytes[bytes.length - 1] = 9; // only an owner that breaks its promise could do this: the view shows it
        assertThat(owned.getSubmit().getInputs().toByteArray()).containsExactly(1, 2, 9);
        assertThat(copied.getSubmit().getInputs().toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void shouldParseEveryListOfValuesExactlyAsProtobufDoes() throws Exception {
        Random random = new Random(13);
        for (int i = 0; i < 20_000; i++) {
            PayloadList list = randomList(random);
            byte[] bytes = list.toByteArray();
            assertThat(WireDecoder.payloadList(bytes, 0, bytes.length)).as("list %s", list)
                .isEqualTo(PayloadList.parseFrom(bytes)).isEqualTo(list);
        }
    }

    @Test
    void shouldReadAtAnOffsetAndNeverPastTheLength() throws Exception {
        Envelope e = Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(300)
            .setOutputs(PayloadList.newBuilder().setInt64Le(ByteString.copyFrom(new byte[16])).build().toByteString()))
            .build();
        byte[] body = e.toByteArray();
        byte[] framed = new byte[body.length + 10];
        System.arraycopy(body, 0, framed, 7, body.length);
        framed[7 + body.length] = 0x08; // a stray tag just past the end must not be read
        assertThat(WireDecoder.envelope(framed, 7, body.length)).isEqualTo(e);
        assertThat(WireDecoder.envelope(framed, 7, body.length - 1)).isNull();
    }

    @Test
    void shouldLeaveToProtobufWhatItDoesNotFullyUnderstand() throws Exception {
        // Another body.
        assertFallsBackTo(Envelope.newBuilder().setHello(Hello.newBuilder().setWorkerId("w")).build().toByteArray());
        // An unknown field inside a Result (field 15, varint 1), which protobuf keeps as an unknown field.
        byte[] result = Result.newBuilder().setTaskId(5).build().toByteArray();
        byte[] withUnknown = Arrays.copyOf(result, result.length + 2);
        withUnknown[result.length] = (byte) (15 << 3);
        withUnknown[result.length + 1] = 1;
        assertFallsBackTo(lengthDelimited(7, withUnknown));
        // Two bodies in one envelope.
        byte[] two = Envelope.newBuilder().setCancel(Cancel.newBuilder().setTaskId(1)).build().toByteArray();
        byte[] both = new byte[two.length * 2];
        System.arraycopy(two, 0, both, 0, two.length);
        System.arraycopy(two, 0, both, two.length, two.length);
        assertFallsBackTo(both);
        // The boxed values given twice, which protobuf merges into one list.
        byte[] boxed = PayloadList.newBuilder().setBoxed(Payloads.newBuilder()
            .addItems(Payload.newBuilder().setKind(3))).build().toByteArray();
        byte[] twice = new byte[boxed.length * 2];
        System.arraycopy(boxed, 0, twice, 0, boxed.length);
        System.arraycopy(boxed, 0, twice, boxed.length, boxed.length);
        assertThat(WireDecoder.payloadList(twice, 0, twice.length)).isNull();
        assertThat(PayloadCodec.parseList(ByteString.copyFrom(twice)).getBoxed().getItemsCount()).isEqualTo(2);
        // Values nested deeper than the fast parser goes.
        Payload.Builder deep = Payload.newBuilder().setKind(1);
        for (int i = 0; i < WireDecoder.MAX_DEPTH + 2; i++) {
            deep = Payload.newBuilder().setKind(2).addParts(deep);
        }
        PayloadList deepList = PayloadList.newBuilder().setBoxed(Payloads.newBuilder().addItems(deep)).build();
        byte[] deepBytes = deepList.toByteArray();
        assertThat(WireDecoder.payloadList(deepBytes, 0, deepBytes.length)).isNull();
        assertThat(PayloadCodec.parseList(deepList.toByteString())).isEqualTo(deepList);
    }

    @Test
    void shouldRefuseAStringThatIsNotUtf8AsProtobufDoes() throws Exception {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(payload);
        out.writeByteArray(5, new byte[] {(byte) 0xC3, (byte) 0x28}); // an invalid two-byte sequence
        out.flush();
        // A Payload in Payloads.items in PayloadList.boxed.
        byte[] list = lengthDelimited(1, lengthDelimited(1, payload.toByteArray()));
        assertThat(WireDecoder.payloadList(list, 0, list.length)).isNull();
        try {
            PayloadCodec.parseList(ByteString.copyFrom(list));
            throw new AssertionError("protobuf accepted a string that is not UTF-8");
        } catch (CodecException expected) {
            assertThat(expected).hasMessageContaining("malformed list of values");
        }
    }

    @Test
    void shouldAgreeWithProtobufOnDamagedBytes() {
        Random random = new Random(23);
        int parsed = 0;
        int fellBack = 0;
        for (int i = 0; i < 60_000; i++) {
            boolean envelope = i % 2 == 0;
            byte[] bytes = damage(envelope ? randomEnvelope(random).toByteArray() : randomList(random).toByteArray(),
                random);
            Object fast = envelope ? WireDecoder.envelope(bytes, 0, bytes.length)
                : WireDecoder.payloadList(bytes, 0, bytes.length);
            Object slow;
            try {
                slow = envelope ? Envelope.parseFrom(bytes) : PayloadList.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                slow = null;
            }
            if (fast == null) {
                fellBack++;
            } else {
                parsed++;
                assertThat(fast).as("bytes %s", Arrays.toString(bytes)).isEqualTo(slow);
            }
        }
        // Both paths were exercised: some damage leaves a valid hot envelope, most does not.
        assertThat(parsed).isGreaterThan(1_000);
        assertThat(fellBack).isGreaterThan(1_000);
    }

    private static void assertFallsBackTo(byte[] bytes) throws Exception {
        assertThat(WireDecoder.envelope(bytes, 0, bytes.length)).isNull();
        assertThat(FrameCodec.decodeBody(bytes, 0, bytes.length, "test")).isEqualTo(Envelope.parseFrom(bytes));
    }

    /** One length-delimited field. */
    private static byte[] lengthDelimited(int field, byte[] body) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeByteArray(field, body);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] damage(byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return new byte[] {(byte) random.nextInt(256)};
        }
        switch (random.nextInt(5)) {
            case 0: { // flip one byte
                byte[] b = bytes.clone();
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                return b;
            }
            case 1: // truncate
                return Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            case 2: { // append a few random bytes
                byte[] b = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(4));
                for (int i = bytes.length; i < b.length; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 3: { // insert one byte
                int at = random.nextInt(bytes.length + 1);
                byte[] b = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, b, 0, at);
                b[at] = (byte) random.nextInt(256);
                System.arraycopy(bytes, at, b, at + 1, bytes.length - at);
                return b;
            }
            default: { // set the low bit of a byte, which often turns a tag into another field or wire type
                byte[] b = bytes.clone();
                b[random.nextInt(b.length)] ^= 1;
                return b;
            }
        }
    }

    static Envelope randomEnvelope(Random random) {
        Envelope.Builder e = Envelope.newBuilder();
        switch (random.nextInt(4)) {
            case 0: {
                Submit.Builder s = Submit.newBuilder().setTaskId(randomLong(random)).setFunctionId(randomLong(random));
                if (random.nextInt(8) != 0) {
                    s.setInputs(randomList(random).toByteString());
                }
                return e.setSubmit(s).build();
            }
            case 1: {
                Result.Builder r = Result.newBuilder().setTaskId(randomLong(random)).setRunNanos(randomLong(random));
                if (random.nextInt(8) != 0) {
                    r.setOutputs(random.nextInt(4) == 0 ? randomBytes(random, random.nextInt(50))
                        : randomList(random).toByteString());
                }
                return e.setResult(r).build();
            }
            case 2:
                return e.setHeartbeat(Heartbeat.newBuilder().setSentAt(randomLong(random))).build();
            default:
                return e.setCancel(Cancel.newBuilder().setTaskId(randomLong(random))).build();
        }
    }

    private static PayloadList randomList(Random random) {
        PayloadList.Builder list = PayloadList.newBuilder();
        switch (random.nextInt(5)) {
            case 0:
                return list.build(); // no member of the oneof set
            case 1:
                return list.setInt32Le(randomBytes(random, 4 * random.nextInt(5))).build();
            case 2:
                return list.setInt64Le(randomBytes(random, 8 * random.nextInt(5))).build();
            case 3:
                return list.setFloat64Le(randomBytes(random, 8 * random.nextInt(5))).build();
            default: {
                Payloads.Builder boxed = Payloads.newBuilder();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    boxed.addItems(randomPayload(random, 0));
                }
                return list.setBoxed(boxed).build();
            }
        }
    }

    private static Payload randomPayload(Random random, int depth) {
        Payload.Builder p = Payload.newBuilder();
        if (random.nextBoolean()) {
            p.setKind(random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(16));
        }
        if (random.nextBoolean()) {
            p.setIntValue(randomLong(random));
        }
        if (random.nextBoolean()) {
            double[] specials = {Double.NaN, -0.0, Double.POSITIVE_INFINITY, Double.MIN_VALUE, random.nextDouble()};
            p.setDoubleValue(specials[random.nextInt(specials.length)]);
        }
        if (random.nextBoolean()) {
            p.setData(randomBytes(random, random.nextInt(3) == 0 ? 0 : random.nextInt(200)));
        }
        if (random.nextInt(4) == 0) {
            String[] types = {"java.lang.String", "dev.troupe.Point", "Größe", "名前", "\uD83D\uDE00", ""};
            p.setType(types[random.nextInt(types.length)]);
        }
        if (depth < 3 && random.nextInt(4) == 0) {
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                p.addParts(randomPayload(random, depth + 1));
            }
        }
        return p.build();
    }

    private static long randomLong(Random random) {
        switch (random.nextInt(4)) {
            case 0:
                return random.nextInt(128);
            case 1:
                return random.nextInt();
            case 2:
                return -1 - random.nextInt(1000);
            default:
                return random.nextLong();
        }
    }

    private static ByteString randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }
}
