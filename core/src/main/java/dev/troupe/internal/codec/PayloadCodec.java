package dev.troupe.internal.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import dev.troupe.CodecException;
import dev.troupe.wire.Payload;
import dev.troupe.wire.PayloadList;
import dev.troupe.wire.Payloads;
import dev.troupe.wire.WireDecoder;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * INTERNAL API. Encodes values into {@link Payload}s and back: built-in codecs for strings, boxed primitives,
 * {@code byte[]}, enums, records, lists, sets, maps and protobuf messages; Java serialization for other
 * {@link Serializable} values when allowed. Thread-safe.
 */
public final class PayloadCodec {
    /** How deep values may nest (lists in lists, records in maps): deeper ones are refused, not a stack overflow. */
    static final int MAX_NESTING = 100;
    /** Lists up to this size are copied out of their {@code ByteString} and parsed by {@link WireDecoder}. */
    private static final int FAST_PARSE_LIMIT = 1 << 20;
    /** The fields of {@link PayloadList}'s packed members. */
    private static final int INT32_FIELD = PayloadList.INT32_LE_FIELD_NUMBER;
    private static final int INT64_FIELD = PayloadList.INT64_LE_FIELD_NUMBER;
    private static final int FLOAT64_FIELD = PayloadList.FLOAT64_LE_FIELD_NUMBER;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class,
        ByteOrder.LITTLE_ENDIAN);

    private final JavaSerialization java;
    private final Map<Class<?>, RecordShape> records = new ConcurrentHashMap<>();
    private final Map<Class<?>, Parser<?>> parsers = new ConcurrentHashMap<>();

    /**
     * @param java Java serialization, used for values no built-in codec handles.
     */
    public PayloadCodec(JavaSerialization java) {
        this.java = java;
    }

    /**
     * @return the Java serialization this codec falls back to.
     */
    public JavaSerialization javaSerialization() {
        return java;
    }

    /**
     * Encodes one value.
     *
     * @param value the value, may be {@code null}.
     * @return the payload.
     * @throws CodecException when no codec can encode the value, the message naming its type, or it nests more than
     *                        {@value #MAX_NESTING} levels deep.
     */
    public Payload encode(Object value) {
        return encode(value, 0);
    }

    private Payload encode(Object value, int depth) {
        if (depth > MAX_NESTING) {
            throw new CodecException("value is nested too deeply: more than " + MAX_NESTING + " levels, the limit for"
                + " values sent to another process");
        }
        Payload.Builder b = Payload.newBuilder();
        if (value == null) {
            return b.setKind(PayloadKind.NULL).build();
        } else if (value instanceof String) {
            return b.setKind(PayloadKind.STRING).setData(ByteString.copyFromUtf8((String) value)).build();
        } else if (value instanceof Integer) {
            return b.setKind(PayloadKind.INT).setIntValue((Integer) value).build();
        } else if (value instanceof Long) {
            return b.setKind(PayloadKind.LONG).setIntValue((Long) value).build();
        } else if (value instanceof Double) {
            return b.setKind(PayloadKind.DOUBLE).setDoubleValue((Double) value).build();
        } else if (value instanceof Float) {
            return b.setKind(PayloadKind.FLOAT).setDoubleValue((Float) value).build();
        } else if (value instanceof Short) {
            return b.setKind(PayloadKind.SHORT).setIntValue((Short) value).build();
        } else if (value instanceof Byte) {
            return b.setKind(PayloadKind.BYTE).setIntValue((Byte) value).build();
        } else if (value instanceof Character) {
            return b.setKind(PayloadKind.CHAR).setIntValue((Character) value).build();
        } else if (value instanceof Boolean) {
            return b.setKind(PayloadKind.BOOLEAN).setIntValue((Boolean) value ? 1 : 0).build();
        } else if (value instanceof byte[]) {
            return b.setKind(PayloadKind.BYTES).setData(ByteString.copyFrom((byte[]) value)).build();
        } else if (value instanceof Message) {
            return b.setKind(PayloadKind.PROTOBUF).setType(value.getClass().getName())
                .setData(((Message) value).toByteString()).build();
        } else if (value instanceof Enum) {
            Enum<?> e = (Enum<?>) value;
            return b.setKind(PayloadKind.ENUM).setType(e.getDeclaringClass().getName())
                .setData(ByteString.copyFromUtf8(e.name())).build();
        } else if (value instanceof Record) {
            b.setKind(PayloadKind.RECORD).setType(value.getClass().getName());
            RecordShape shape = shape(value.getClass());
            for (Method accessor : shape.accessors) {
                b.addParts(encode(readComponent(accessor, value), depth + 1));
            }
            return b.build();
        } else if (value instanceof List) {
            b.setKind(PayloadKind.LIST);
            for (Object o : (List<?>) value) {
                b.addParts(encode(o, depth + 1));
            }
            return b.build();
        } else if (value instanceof Set) {
            b.setKind(PayloadKind.SET);
            for (Object o : (Set<?>) value) {
                b.addParts(encode(o, depth + 1));
            }
            return b.build();
        } else if (value instanceof Map) {
            b.setKind(PayloadKind.MAP);
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                b.addParts(encode(e.getKey(), depth + 1));
                b.addParts(encode(e.getValue(), depth + 1));
            }
            return b.build();
        } else if (value instanceof Serializable && java.valuesAllowed()) {
            return b.setKind(PayloadKind.JAVA).setType(value.getClass().getName())
                .setData(ByteString.copyFrom(java.serialize(value, "value"))).build();
        }
        throw new CodecException("no codec can send a value of type " + value.getClass().getName()
            + " to another process: use a String, a boxed number, byte[], an enum, a record, a List/Set/Map, a"
            + " protobuf message" + (java.valuesAllowed() ? ", or make it Serializable"
            : " (Java serialization of values is off: troupe.serialization.java-values)"));
    }

    /**
     * Decodes one value.
     *
     * @param payload the payload.
     * @param loader  resolves class names (records, enums, messages, serialized classes).
     * @return the value.
     * @throws CodecException when the payload cannot be decoded here; the message names the type.
     */
    public Object decode(Payload payload, ClassLoader loader) {
        switch (payload.getKind()) {
            case PayloadKind.NULL:
                return null;
            case PayloadKind.STRING:
                return payload.getData().toStringUtf8();
            case PayloadKind.INT:
                return (int) payload.getIntValue();
            case PayloadKind.LONG:
                return payload.getIntValue();
            case PayloadKind.DOUBLE:
                return payload.getDoubleValue();
            case PayloadKind.FLOAT:
                return (float) payload.getDoubleValue();
            case PayloadKind.SHORT:
                return (short) payload.getIntValue();
            case PayloadKind.BYTE:
                return (byte) payload.getIntValue();
            case PayloadKind.CHAR:
                return (char) payload.getIntValue();
            case PayloadKind.BOOLEAN:
                return payload.getIntValue() != 0;
            case PayloadKind.BYTES:
                return payload.getData().toByteArray();
            case PayloadKind.PROTOBUF:
                return decodeMessage(payload, loader);
            case PayloadKind.ENUM:
                return decodeEnum(payload, loader);
            case PayloadKind.RECORD:
                return decodeRecord(payload, loader);
            case PayloadKind.LIST: {
                List<Object> list = new ArrayList<>(payload.getPartsCount());
                for (Payload p : payload.getPartsList()) {
                    list.add(decode(p, loader));
                }
                return list;
            }
            case PayloadKind.SET: {
                Set<Object> set = new LinkedHashSet<>();
                for (Payload p : payload.getPartsList()) {
                    set.add(decode(p, loader));
                }
                return set;
            }
            case PayloadKind.MAP: {
                if (payload.getPartsCount() % 2 != 0) {
                    throw new CodecException("map payload has an odd number of parts");
                }
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < payload.getPartsCount(); i += 2) {
                    map.put(decode(payload.getParts(i), loader), decode(payload.getParts(i + 1), loader));
                }
                return map;
            }
            case PayloadKind.JAVA:
                return java.deserialize(payload.getData().toByteArray(), loader,
                    "serialized value of type " + payload.getType());
            default:
                throw new CodecException("unknown payload kind " + payload.getKind()
                    + " (sent by a newer Troupe version?)");
        }
    }

    /**
     * Encodes a list of values into the bytes a {@code Submit} or {@code Result} carries: a serialized
     * {@link PayloadList}.
     *
     * @param values the values.
     * @return the encoded list.
     * @throws CodecException when an element cannot be encoded.
     */
    public ByteString encodeList(List<?> values) {
        Object first = values.size() > 1 ? values.get(0) : null;
        Class<?> type = first == null ? null : first.getClass();
        if (type == Integer.class || type == Long.class || type == Double.class) {
            Object[] array = values.toArray();
            byte[] packed = type == Integer.class ? packInts(array)
                : type == Long.class ? packLongs(array) : packDoubles(array);
            if (packed != null) {
                return UnsafeByteOperations.unsafeWrap(packed);
            }
        }
        return encodeValues(values).toByteString();
    }

    /**
     * A serialized {@link PayloadList} of {@code n} elements of {@code width} bytes in the field {@code field}: its tag
     * and length written, its last {@code n * width} bytes left for the elements.
     */
    static byte[] packedList(int field, int n, int width) {
        long bytes = (long) n * width;
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new CodecException("a list of " + n + " numbers is too large to encode");
        }
        int length = (int) bytes;
        byte[] out = new byte[1 + varintSize(length) + length];
        out[0] = (byte) (field << 3 | 2);
        int pos = 1;
        int v = length;
        while ((v & ~0x7F) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos] = (byte) v;
        return out;
    }

    private static int varintSize(int v) {
        int size = 1;
        while ((v & ~0x7F) != 0) {
            size++;
            v >>>= 7;
        }
        return size;
    }

    /** The elements packed little-endian behind their header, or {@code null} when one is not an {@code Integer}. */
    private static byte[] packInts(Object[] array) {
        byte[] out = packedList(INT32_FIELD, array.length, Integer.BYTES);
        int pos = out.length - array.length * Integer.BYTES;
        for (Object v : array) {
            if (!(v instanceof Integer)) {
                return null;
            }
            INTS.set(out, pos, ((Integer) v).intValue());
            pos += Integer.BYTES;
        }
        return out;
    }

    private static byte[] packLongs(Object[] array) {
        byte[] out = packedList(INT64_FIELD, array.length, Long.BYTES);
        int pos = out.length - array.length * Long.BYTES;
        for (Object v : array) {
            if (!(v instanceof Long)) {
                return null;
            }
            LONGS.set(out, pos, ((Long) v).longValue());
            pos += Long.BYTES;
        }
        return out;
    }

    private static byte[] packDoubles(Object[] array) {
        byte[] out = packedList(FLOAT64_FIELD, array.length, Double.BYTES);
        int pos = out.length - array.length * Double.BYTES;
        for (Object v : array) {
            if (!(v instanceof Double)) {
                return null;
            }
            DOUBLES.set(out, pos, ((Double) v).doubleValue());
            pos += Double.BYTES;
        }
        return out;
    }

    /**
     * Encodes a list of values, packing homogeneous lists of {@code Integer}, {@code Long} or {@code Double}.
     *
     * @param values the values.
     * @return the encoded list.
     * @throws CodecException when an element cannot be encoded.
     */
    public PayloadList encodeValues(List<?> values) {
        int n = values.size();
        if (n > 1) {
            Class<?> first = values.get(0) == null ? null : values.get(0).getClass();
            if (first == Integer.class || first == Long.class || first == Double.class) {
                boolean same = true;
                for (int i = 1; i < n && same; i++) {
                    Object v = values.get(i);
                    same = v != null && v.getClass() == first;
                }
                if (same) {
                    return packed(values, first);
                }
            }
        }
        Payloads.Builder boxed = Payloads.newBuilder();
        for (Object v : values) {
            boxed.addItems(encode(v));
        }
        return PayloadList.newBuilder().setBoxed(boxed).build();
    }

    private static PayloadList packed(List<?> values, Class<?> type) {
        int n = values.size();
        if (type == Integer.class) {
            ByteBuffer buf = ByteBuffer.allocate(n * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                buf.putInt(i * Integer.BYTES, (Integer) values.get(i));
            }
            return PayloadList.newBuilder().setInt32Le(UnsafeByteOperations.unsafeWrap(buf.array())).build();
        } else if (type == Long.class) {
            ByteBuffer buf = ByteBuffer.allocate(n * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                buf.putLong(i * Long.BYTES, (Long) values.get(i));
            }
            return PayloadList.newBuilder().setInt64Le(UnsafeByteOperations.unsafeWrap(buf.array())).build();
        }
        ByteBuffer buf = ByteBuffer.allocate(n * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putDouble(i * Double.BYTES, (Double) values.get(i));
        }
        return PayloadList.newBuilder().setFloat64Le(UnsafeByteOperations.unsafeWrap(buf.array())).build();
    }

    /** A fixed-width array's bytes, checked to hold whole elements. */
    private static ByteBuffer fixedWidth(ByteString bytes, int width, String what) {
        if (bytes.size() % width != 0) {
            throw new CodecException("malformed " + what + " list: " + bytes.size() + " bytes is not a multiple of "
                + width);
        }
        return bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The number of values in an encoded list.
     *
     * @param list the list.
     * @return its size.
     */
    public static int size(PayloadList list) {
        switch (list.getValuesCase()) {
            case INT32_LE:
                return list.getInt32Le().size() / Integer.BYTES;
            case INT64_LE:
                return list.getInt64Le().size() / Long.BYTES;
            case FLOAT64_LE:
                return list.getFloat64Le().size() / Double.BYTES;
            case BOXED:
                return list.getBoxed().getItemsCount();
            default:
                return 0;
        }
    }

    /**
     * Decodes the values a {@code Submit} or {@code Result} carries.
     *
     * @param bytes  a serialized {@link PayloadList}, as {@link #encodeList} makes it.
     * @param loader resolves class names.
     * @return the values, in order: a list whose elements may be set, though not added or removed.
     * @throws CodecException when the bytes are not a list of values, or an element cannot be decoded.
     */
    public List<Object> decodeList(ByteString bytes, ClassLoader loader) {
        List<Object> packed = unpackNumbers(bytes);
        return packed != null ? packed : decodeValues(parseList(bytes), loader);
    }

    /**
     * Decodes a packed list of numbers straight from its bytes, as {@link #encodeList} writes it: one field, its tag,
     * its length, then the elements. Anything else is left to the full parser.
     *
     * @param bytes a serialized {@link PayloadList}.
     * @return the numbers, in a list whose elements may be set though not added; {@code null} when the bytes are not
     *         one packed list of numbers.
     * @throws CodecException when they are, but not of whole elements.
     */
    public static List<Object> unpackNumbers(ByteString bytes) {
        PackedNumbers packed = PackedNumbers.read(bytes);
        return packed == null ? null : packed.toList();
    }

    /**
     * Parses a serialized {@link PayloadList}, through {@link WireDecoder} when it is small enough to copy out of
     * the {@code ByteString} cheaply.
     *
     * @param bytes the serialized list.
     * @return the list.
     * @throws CodecException when the bytes are not a list of values.
     */
    public static PayloadList parseList(ByteString bytes) {
        if (bytes.size() <= FAST_PARSE_LIMIT) {
            byte[] array = bytes.toByteArray();
            PayloadList list = WireDecoder.payloadList(array, 0, array.length);
            if (list != null) {
                return list;
            }
        }
        try {
            return PayloadList.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("malformed list of values (" + bytes.size() + " bytes): " + e.getMessage(), e);
        }
    }

    /**
     * Whether any value of a list, or anything a value holds, is Java-serialized: the only kind whose decoding runs
     * code of the value's own classes, and so may take long.
     *
     * @param list the encoded list.
     * @return {@code true} when decoding it reads Java serialization.
     */
    public static boolean carriesJava(PayloadList list) {
        if (list.getValuesCase() != PayloadList.ValuesCase.BOXED) {
            return false;
        }
        for (Payload p : list.getBoxed().getItemsList()) {
            if (carriesJava(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean carriesJava(Payload p) {
        if (p.getKind() == PayloadKind.JAVA) {
            return true;
        }
        for (int i = 0, n = p.getPartsCount(); i < n; i++) {
            if (carriesJava(p.getParts(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decodes a list of values.
     *
     * @param list   the encoded list.
     * @param loader resolves class names.
     * @return a mutable list of the values, in order.
     * @throws CodecException when an element cannot be decoded.
     */
    public List<Object> decodeValues(PayloadList list, ClassLoader loader) {
        switch (list.getValuesCase()) {
            case INT32_LE: {
                ByteBuffer buf = fixedWidth(list.getInt32Le(), Integer.BYTES, "int");
                int n = buf.remaining() / Integer.BYTES;
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(buf.getInt());
                }
                return out;
            }
            case INT64_LE: {
                ByteBuffer buf = fixedWidth(list.getInt64Le(), Long.BYTES, "long");
                int n = buf.remaining() / Long.BYTES;
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(buf.getLong());
                }
                return out;
            }
            case FLOAT64_LE: {
                ByteBuffer buf = fixedWidth(list.getFloat64Le(), Double.BYTES, "double");
                int n = buf.remaining() / Double.BYTES;
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(buf.getDouble());
                }
                return out;
            }
            case BOXED: {
                Payloads p = list.getBoxed();
                List<Object> out = new ArrayList<>(p.getItemsCount());
                for (Payload item : p.getItemsList()) {
                    out.add(decode(item, loader));
                }
                return out;
            }
            default:
                return new ArrayList<>(0);
        }
    }

    private Object decodeMessage(Payload payload, ClassLoader loader) {
        Class<?> type = load(payload.getType(), loader);
        if (!Message.class.isAssignableFrom(type)) {
            throw new CodecException("payload claims protobuf type " + type.getName()
                + ", which is not a protobuf message");
        }
        Parser<?> parser = parsers.computeIfAbsent(type, t -> {
            try {
                return (Parser<?>) t.getMethod("parser").invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new CodecException("protobuf type " + t.getName() + " has no parser()", e);
            }
        });
        try {
            return parser.parseFrom(payload.getData());
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("bytes are not a valid " + type.getName() + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object decodeEnum(Payload payload, ClassLoader loader) {
        Class<?> type = load(payload.getType(), loader);
        if (!type.isEnum()) {
            throw new CodecException("payload claims enum type " + type.getName() + ", which is not an enum");
        }
        String name = payload.getData().toStringUtf8();
        try {
            return Enum.valueOf((Class) type, name);
        } catch (IllegalArgumentException e) {
            throw new CodecException("enum " + type.getName() + " has no constant " + name, e);
        }
    }

    private Object decodeRecord(Payload payload, ClassLoader loader) {
        Class<?> type = load(payload.getType(), loader);
        if (!type.isRecord()) {
            throw new CodecException("payload claims record type " + type.getName() + ", which is not a record");
        }
        RecordShape shape = shape(type);
        if (payload.getPartsCount() != shape.accessors.length) {
            throw new CodecException("record " + type.getName() + " has " + shape.accessors.length
                + " components here but " + payload.getPartsCount() + " were sent (different class versions?)");
        }
        Object[] args = new Object[shape.accessors.length];
        for (int i = 0; i < args.length; i++) {
            args[i] = decode(payload.getParts(i), loader);
        }
        try {
            return shape.constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new CodecException("constructor of record " + type.getName() + " refused the decoded values: "
                + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new CodecException("cannot construct record " + type.getName() + ": " + e, e);
        }
    }

    private static Object readComponent(Method accessor, Object record) {
        try {
            return accessor.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new CodecException("cannot read component " + accessor.getName() + " of record "
                + record.getClass().getName() + ": " + e, e);
        }
    }

    private RecordShape shape(Class<?> type) {
        return records.computeIfAbsent(type, RecordShape::of);
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new CodecException("class " + name + " is not on this process's class path", e);
        }
    }

    private static final class RecordShape {
        final Method[] accessors;
        final Constructor<?> constructor;

        private RecordShape(Method[] accessors, Constructor<?> constructor) {
            this.accessors = accessors;
            this.constructor = constructor;
        }

        static RecordShape of(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Method[] accessors = new Method[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                accessors[i] = components[i].getAccessor();
                accessors[i].setAccessible(true);
                types[i] = components[i].getType();
            }
            try {
                Constructor<?> c = type.getDeclaredConstructor(types);
                c.setAccessible(true);
                return new RecordShape(accessors, c);
            } catch (NoSuchMethodException | RuntimeException e) {
                throw new CodecException("record " + type.getName() + " has no accessible canonical constructor", e);
            }
        }
    }
}
