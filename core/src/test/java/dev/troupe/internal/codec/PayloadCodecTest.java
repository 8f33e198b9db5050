package dev.troupe.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.troupe.CodecException;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.PayloadList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PayloadCodecTest {
    private final PayloadCodec codec = new PayloadCodec(new JavaSerialization(JavaSerialization.DEFAULT_FILTER, true));
    private final ClassLoader loader = getClass().getClassLoader();

    record Pair(String name, int count, List<Long> values) {
    }

    enum Mode { FAST, SLOW }

    private Object roundTrip(Object v) {
        return codec.decode(codec.encode(v), loader);
    }

    @Test
    void shouldRoundTripEveryBuiltInKind() {
        for (Object v : Arrays.asList(null, "héllo", 7, 7L, 2.5d, 1.5f, (short) 3, (byte) -2, 'x', true,
            Mode.SLOW, new Pair("a", 2, List.of(1L, 2L)), List.of(1, "two"), Set.of("s"), Map.of("k", 1),
            Heartbeat.newBuilder().setSentAt(99).build(), new java.util.BitSet(3))) {
            assertThat(roundTrip(v)).isEqualTo(v);
        }
        assertThat((byte[]) roundTrip(new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
    }

    @Test
    void shouldPackHomogeneousNumberListsAndKeepOrder() {
        List<Object> ints = new ArrayList<>(List.of(3, -1, Integer.MAX_VALUE));
        PayloadList packed = codec.encodeValues(ints);
        assertThat(packed.getValuesCase()).isEqualTo(PayloadList.ValuesCase.INT32_LE);
        assertThat(packed.getInt32Le().size()).isEqualTo(3 * Integer.BYTES);
        assertThat(codec.decodeValues(packed, loader)).isEqualTo(ints);
        assertThat(PayloadCodec.size(packed)).isEqualTo(3);
        List<Object> longs = List.of(Long.MIN_VALUE, 2L);
        PayloadList packedLongs = codec.encodeValues(longs);
        assertThat(packedLongs.getValuesCase()).isEqualTo(PayloadList.ValuesCase.INT64_LE);
        assertThat(codec.decodeValues(packedLongs, loader)).isEqualTo(longs);
        List<Object> doubles = List.of(1.5, Double.NaN, -0.0);
        PayloadList packedDoubles = codec.encodeValues(doubles);
        assertThat(packedDoubles.getValuesCase()).isEqualTo(PayloadList.ValuesCase.FLOAT64_LE);
        assertThat(codec.decodeValues(packedDoubles, loader)).isEqualTo(doubles);
        List<Object> mixed = Arrays.asList(1, 2L, null);
        PayloadList boxed = codec.encodeValues(mixed);
        assertThat(boxed.getValuesCase()).isEqualTo(PayloadList.ValuesCase.BOXED);
        assertThat(codec.decodeValues(boxed, loader)).isEqualTo(mixed);
        assertThat(PayloadCodec.size(boxed)).isEqualTo(3);
    }

    @Test
    void shouldCarryAListAsBytesAndNameMalformedBytes() {
        List<Object> mixed = Arrays.asList("a", 2L, null, List.of(1.5, "b"));
        assertThat(codec.decodeList(codec.encodeList(mixed), loader)).isEqualTo(mixed);
        assertThat(codec.decodeList(ByteString.EMPTY, loader)).isEmpty();
        ByteString notAList = ByteString.copyFrom(new byte[] {(byte) 0x0A, 0x7F, 1});
        assertThatThrownBy(() -> codec.decodeList(notAList, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("malformed list of values (3 bytes)");
    }

    @Test
    void shouldWritePackedListsAsProtobufDoesAndReadThemBack() {
        for (int n : new int[] {2, 31, 32, 4096, 25_000}) {
            List<Object> ints = new ArrayList<>();
            List<Object> longs = new ArrayList<>();
            List<Object> doubles = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ints.add(i * 7919 - n);
                longs.add((long) i << 40);
                doubles.add(i / 3.0);
            }
            for (List<Object> values : List.of(ints, longs, doubles)) {
                ByteString bytes = codec.encodeList(values);
                assertThat(bytes).isEqualTo(codec.encodeValues(values).toByteString());
                assertThat(codec.decodeList(bytes, loader)).isEqualTo(values);
            }
        }
        List<Object> nullAtTheEnd = Arrays.asList(1, 2, null);
        assertThat(codec.decodeList(codec.encodeList(nullAtTheEnd), loader)).isEqualTo(nullAtTheEnd);
        List<Object> intThenLong = Arrays.asList(1, 2L);
        assertThat(codec.decodeList(codec.encodeList(intThenLong), loader)).isEqualTo(intThenLong);
        ByteString torn = PayloadList.newBuilder().setInt32Le(ByteString.copyFrom(new byte[7])).build().toByteString();
        assertThatThrownBy(() -> codec.decodeList(torn, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("7 bytes is not a multiple of 4");
        ByteString cut = torn.substring(0, torn.size() - 1);
        assertThatThrownBy(() -> codec.decodeList(cut, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("malformed list of values");
    }

    @Test
    void shouldRejectAPackedListThatIsNotWholeElements() {
        PayloadList torn = PayloadList.newBuilder().setInt64Le(ByteString.copyFrom(new byte[12])).build();
        assertThatThrownBy(() -> codec.decodeValues(torn, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("12 bytes is not a multiple of 8");
    }

    @Test
    void shouldNameTheTypeNoCodecCanEncode() {
        assertThatThrownBy(() -> codec.encode(new Thread())).isInstanceOf(CodecException.class)
            .hasMessageContaining("java.lang.Thread");
        PayloadCodec noJava = new PayloadCodec(new JavaSerialization(JavaSerialization.DEFAULT_FILTER, false));
        assertThatThrownBy(() -> noJava.encode(new java.util.BitSet())).isInstanceOf(CodecException.class)
            .hasMessageContaining("java.util.BitSet").hasMessageContaining("java-values");
    }

    @Test
    void shouldRefuseClaimsThatDoNotMatchTheClass() {
        var fakeRecord = codec.encode(new Pair("a", 1, List.of())).toBuilder().setType("java.lang.String").build();
        assertThatThrownBy(() -> codec.decode(fakeRecord, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("not a record");
        var fakeProto = codec.encode(Heartbeat.getDefaultInstance()).toBuilder().setType("java.lang.Runtime").build();
        assertThatThrownBy(() -> codec.decode(fakeProto, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("not a protobuf message");
        var missing = codec.encode(Mode.FAST).toBuilder().setType("no.such.Type").build();
        assertThatThrownBy(() -> codec.decode(missing, loader)).isInstanceOf(CodecException.class)
            .hasMessageContaining("no.such.Type");
    }

    @Test
    void shouldRefuseDeniedClassesInJavaSerialization() {
        JavaSerialization strict = new JavaSerialization("!java.util.BitSet;*", true);
        byte[] bytes = strict.serialize(new java.util.BitSet(), "value");
        assertThatThrownBy(() -> strict.deserialize(bytes, loader, "value")).isInstanceOf(CodecException.class)
            .hasMessageContaining("filter");
    }

    /** Goes through Java serialization, which recurses once per level. */
    static final class Holder implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final Object value;

        Holder(Object value) {
            this.value = value;
        }
    }

    private static List<Object> nested(int depth) {
        List<Object> v = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            List<Object> outer = new ArrayList<>();
            outer.add(v);
            v = outer;
        }
        return v;
    }

    @Test
    void shouldRefuseValuesNestedTooDeeplyWithACodecExceptionNotAStackOverflow() {
        List<Object> deep = nested(100_000);
        assertThatThrownBy(() -> codec.encodeList(List.of(deep))).isInstanceOf(CodecException.class)
            .hasMessageContaining("nested").hasMessageContaining("100");
        assertThatThrownBy(() -> codec.encodeList(List.of(new Holder(deep)))).isInstanceOf(CodecException.class)
            .hasMessageContaining("nested too deeply").hasMessageContaining(Holder.class.getName());
        List<Object> shallow = nested(90);
        assertThat(codec.decodeList(codec.encodeList(List.of(shallow)), loader)).containsExactly(shallow);
    }

    @Test
    void shouldPackResultsAsTheyComeExactlyAsEncodeListDoes() {
        List<List<?>> cases = List.of(List.of(1, -2, 300_000), List.of(5L, Long.MIN_VALUE), List.of(0.5d, -1e300, 3d));
        for (List<?> values : cases) {
            PackedNumbers.Writer w = new PackedNumbers.Writer(values.size());
            for (Object v : values) {
                assertThat(w.add(v)).isTrue();
            }
            ByteString packed = w.finish();
            assertThat(packed).isEqualTo(codec.encodeList(values));
            PackedNumbers read = PackedNumbers.read(packed);
            assertThat(read.size()).isEqualTo(values.size());
            assertThat(read.get(1)).isEqualTo(values.get(1));
            assertThat(read.toList()).isEqualTo(values);
        }
        // The first result of another kind is refused, and what was taken goes on as a list.
        PackedNumbers.Writer w = new PackedNumbers.Writer(4);
        assertThat(w.add(1)).isTrue();
        assertThat(w.add(2)).isTrue();
        assertThat(w.add(3L)).isFalse();
        assertThat(w.toList()).containsExactly(1, 2);
        assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("2 of the 4");
        assertThat(new PackedNumbers.Writer(2).add("a string")).isFalse();
        assertThat(new PackedNumbers.Writer(2).add(null)).isFalse();
        // Not a packed list of numbers: left to the parser.
        assertThat(PackedNumbers.read(codec.encodeList(List.of("a", "b")))).isNull();
        assertThat(PackedNumbers.read(ByteString.EMPTY)).isNull();
    }
}
