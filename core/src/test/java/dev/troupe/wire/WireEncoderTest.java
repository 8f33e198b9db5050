package dev.troupe.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written envelope writer against protobuf's: the same bytes, or nothing written. */
class WireEncoderTest {

    @Test
    void shouldWriteEveryHotEnvelopeByteForByteAsProtobufDoes() {
        Random random = new Random(17);
        for (int i = 0; i < 20_000; i++) {
            Envelope e = WireDecoderTest.randomEnvelope(random);
            byte[] expected = e.toByteArray();
            byte[] out = new byte[expected.length + 3];
            int written = WireEncoder.write(e, out, 3);
            assertThat(written).as("envelope %s", e).isEqualTo(expected.length);
            assertThat(WireEncoder.sizeOf(e)).as("envelope %s", e).isEqualTo(expected.length);
            assertThat(Arrays.copyOfRange(out, 3, out.length)).as("envelope %s", e).isEqualTo(expected);
        }
    }

    @Test
    void shouldLeaveOtherEnvelopesAndUnknownFieldsToProtobuf() {
        byte[] out = new byte[64];
        Envelope log = Envelope.newBuilder().setLog(LogLine.newBuilder().setLine("x")).build();
        assertThat(WireEncoder.write(log, out, 0)).isEqualTo(-1);
        assertThat(WireEncoder.sizeOf(log)).isEqualTo(-1);
        UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
            .addField(15, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
        Envelope inner = Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(1).setUnknownFields(unknown))
            .build();
        Envelope outer = Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(1))
            .setUnknownFields(unknown).build();
        assertThat(WireEncoder.write(inner, out, 0)).isEqualTo(-1);
        assertThat(WireEncoder.write(outer, out, 0)).isEqualTo(-1);
        assertThat(WireEncoder.sizeOf(inner)).isEqualTo(-1);
        assertThat(WireEncoder.sizeOf(outer)).isEqualTo(-1);
        assertThat(out).containsOnly(0); // nothing was written
    }
}
