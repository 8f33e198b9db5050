package dev.troupe.internal.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.troupe.CodecException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * INTERNAL API. A packed list of numbers ({@code Integer}, {@code Long} or {@code Double}) read in place, one element
 * at a time, and its counterpart {@link Writer}, which packs results as they come. A worker that runs a task over
 * such a list boxes each input only as it hands it to the task, and unboxes each result straight into the reply's
 * bytes; with the task inlined, the JIT removes both boxes, where a decoded list and a list of results would each
 * hold a box per element.
 */
public final class PackedNumbers {
    static final int INT32_FIELD = dev.troupe.wire.PayloadList.INT32_LE_FIELD_NUMBER;
    static final int INT64_FIELD = dev.troupe.wire.PayloadList.INT64_LE_FIELD_NUMBER;
    static final int FLOAT64_FIELD = dev.troupe.wire.PayloadList.FLOAT64_LE_FIELD_NUMBER;
    private static final int INT_TAG = INT32_FIELD << 3 | 2;
    private static final int LONG_TAG = INT64_FIELD << 3 | 2;
    private static final int DOUBLE_TAG = FLOAT64_FIELD << 3 | 2;
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class,
        ByteOrder.LITTLE_ENDIAN);

    private final int tag;
    private final ByteBuffer buf;
    private final int base;
    private final int size;

    private PackedNumbers(int tag, ByteBuffer buf, int base, int size) {
        this.tag = tag;
        this.buf = buf;
        this.base = base;
        this.size = size;
    }

    /**
     * Reads a packed list of numbers as {@link PayloadCodec#encodeList} writes it: one field, its tag, its length,
     * then the elements. Anything else is left to the full parser.
     *
     * @param bytes a serialized {@code PayloadList}.
     * @return the list, read in place; {@code null} when the bytes are not one packed list of numbers.
     * @throws CodecException when they are, but not of whole elements.
     */
    public static PackedNumbers read(ByteString bytes) {
        int total = bytes.size();
        if (total < 2) {
            return null;
        }
        int tag = bytes.byteAt(0);
        int width = tag == INT_TAG ? Integer.BYTES : tag == LONG_TAG || tag == DOUBLE_TAG ? Long.BYTES : 0;
        if (width == 0) {
            return null;
        }
        int length = 0;
        int pos = 1;
        for (int shift = 0; ; shift += 7) {
            if (pos >= total || shift > 28) {
                return null;
            }
            byte b = bytes.byteAt(pos++);
            length |= (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
        }
        if (length < 0 || pos + length != total) {
            return null; // not one whole field: the parser sorts out (or refuses) the rest
        }
        if (length % width != 0) {
            throw new CodecException("malformed " + (tag == INT_TAG ? "int" : tag == LONG_TAG ? "long" : "double")
                + " list: " + length + " bytes is not a multiple of " + width);
        }
        ByteBuffer buf = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return new PackedNumbers(tag, buf, buf.position() + pos, length / width);
    }

    /**
     * @return how many numbers it holds.
     */
    public int size() {
        return size;
    }

    /**
     * @param i the index.
     * @return the number there, boxed.
     */
    public Object get(int i) {
        if (tag == INT_TAG) {
            return buf.getInt(base + i * Integer.BYTES);
        } else if (tag == LONG_TAG) {
            return buf.getLong(base + i * Long.BYTES);
        }
        return buf.getDouble(base + i * Double.BYTES);
    }

    /**
     * @return the numbers, boxed, in a list whose elements may be set though not added.
     */
    public List<Object> toList() {
        Object[] out = new Object[size];
        if (tag == INT_TAG) {
            for (int i = 0; i < size; i++) {
                out[i] = buf.getInt(base + i * Integer.BYTES);
            }
        } else if (tag == LONG_TAG) {
            for (int i = 0; i < size; i++) {
                out[i] = buf.getLong(base + i * Long.BYTES);
            }
        } else {
            for (int i = 0; i < size; i++) {
                out[i] = buf.getDouble(base + i * Double.BYTES);
            }
        }
        return Arrays.asList(out);
    }

    /**
     * Packs a known number of results as they come, while they are all {@code Integer}s, all {@code Long}s or all
     * {@code Double}s (the first one decides). {@link #add} refuses the first that is not; then
     * {@link #toList()} gives the ones taken so far, for the caller to go on with a list.
     */
    public static final class Writer {
        private final int count;
        private byte[] out;
        private Class<?> type;
        private int pos;
        private int taken;

        /**
         * @param count how many results will come; at least 2 (a shorter list is not packed).
         */
        public Writer(int count) {
            this.count = count;
        }

        /**
         * @param value the next result.
         * @return whether it was packed; {@code false} when it is not of the list's kind (nothing was taken).
         */
        public boolean add(Object value) {
            if (type == null) {
                if (value instanceof Integer) {
                    start(Integer.class, INT32_FIELD, Integer.BYTES);
                } else if (value instanceof Long) {
                    start(Long.class, INT64_FIELD, Long.BYTES);
                } else if (value instanceof Double) {
                    start(Double.class, FLOAT64_FIELD, Double.BYTES);
                } else {
                    return false;
                }
            }
            if (taken == count) {
                throw new IllegalStateException("more than the " + count + " results announced");
            }
            if (type == Integer.class && value instanceof Integer) {
                INTS.set(out, pos, ((Integer) value).intValue());
                pos += Integer.BYTES;
            } else if (type == Long.class && value instanceof Long) {
                LONGS.set(out, pos, ((Long) value).longValue());
                pos += Long.BYTES;
            } else if (type == Double.class && value instanceof Double) {
                DOUBLES.set(out, pos, ((Double) value).doubleValue());
                pos += Double.BYTES;
            } else {
                return false;
            }
            taken++;
            return true;
        }

        private void start(Class<?> kind, int field, int width) {
            type = kind;
            out = PayloadCodec.packedList(field, count, width);
            pos = out.length - count * width;
        }

        /**
         * @return the results taken so far, boxed, in a list the caller may add to.
         */
        public List<Object> toList() {
            List<Object> list = new ArrayList<>(count);
            int width = type == Integer.class ? Integer.BYTES : Long.BYTES;
            for (int i = 0, at = out == null ? 0 : out.length - count * width; i < taken; i++, at += width) {
                list.add(type == Integer.class ? (Object) (int) INTS.get(out, at)
                    : type == Long.class ? (Object) (long) LONGS.get(out, at) : (Object) (double) DOUBLES.get(out, at));
            }
            return list;
        }

        /**
         * @return the encoded list, as {@link PayloadCodec#encodeList} would write the same results.
         * @throws IllegalStateException when fewer results than announced were taken.
         */
        public ByteString finish() {
            if (taken != count) {
                throw new IllegalStateException(taken + " of the " + count + " results announced were taken");
            }
            return UnsafeByteOperations.unsafeWrap(out);
        }
    }
}
