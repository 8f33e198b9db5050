package dev.troupe.shared;

import java.util.Objects;

/**
 * A named array of numbers in shared memory: {@code multiprocessing.Array}. Element reads and writes are
 * atomic (volatile); bulk reads and writes copy many elements but are not atomic as a whole.
 */
public abstract class Array extends SharedObject {
    private final int length;
    private final int width;

    Array(NamedSegment segment, int width) {
        super(segment);
        this.width = width;
        this.length = data.capacity() / width;
    }

    private static int bytes(int length, int width) {
        if (length < 0 || (long) length * width > Integer.MAX_VALUE - NamedSegment.HEADER_BYTES) {
            throw new IllegalArgumentException("array length out of range: " + length);
        }
        return length * width;
    }

    /**
     * Opens the shared {@code int} array with this name, creating it (zeros) if no process has.
     *
     * @param name   letters, digits, {@code . _ -}.
     * @param length its length; an existing array must have the same.
     * @return a handle.
     */
    public static OfInt ofInt(String name, int length) {
        return new OfInt(NamedSegment.openOrCreate("array-int", name, bytes(length, Integer.BYTES), d -> { }));
    }

    /**
     * Opens the shared {@code long} array with this name, creating it (zeros) if no process has.
     *
     * @param name   letters, digits, {@code . _ -}.
     * @param length its length; an existing array must have the same.
     * @return a handle.
     */
    public static OfLong ofLong(String name, int length) {
        return new OfLong(NamedSegment.openOrCreate("array-long", name, bytes(length, Long.BYTES), d -> { }));
    }

    /**
     * Opens the shared {@code double} array with this name, creating it (zeros) if no process has.
     *
     * @param name   letters, digits, {@code . _ -}.
     * @param length its length; an existing array must have the same.
     * @return a handle.
     */
    public static OfDouble ofDouble(String name, int length) {
        return new OfDouble(NamedSegment.openOrCreate("array-double", name, bytes(length, Double.BYTES), d -> { }));
    }

    /** @return the number of elements. */
    public int length() {
        return length;
    }

    /**
     * Removes the name.
     *
     * @return whether it existed.
     */
    public boolean unlink() {
        return NamedSegment.unlink(segment.kind, segment.name);
    }

    int offset(int index) {
        Objects.checkIndex(index, length);
        return index * width;
    }

    void checkRange(int from, int count) {
        Objects.checkFromIndexSize(from, count, length);
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("an array cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }

    /** A shared {@code int[]}. */
    public static final class OfInt extends Array {
        OfInt(NamedSegment segment) {
            super(segment, Integer.BYTES);
        }

        /** @param i the index. @return the element. */
        public int get(int i) {
            return data.getIntVolatile(offset(i));
        }

        /** @param i the index. @param v the new element. */
        public void set(int i, int v) {
            data.putIntVolatile(offset(i), v);
        }

        /** @param i the index. @param delta what to add. @return the element after adding. */
        public int addAndGet(int i, int delta) {
            return data.getAndAddInt(offset(i), delta) + delta;
        }

        /** @return a copy of all elements. */
        public int[] toArray() {
            int[] out = new int[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = data.getInt(i * Integer.BYTES);
            }
            return out;
        }

        /** @param from the first index written. @param values the elements to write there. */
        public void put(int from, int[] values) {
            checkRange(from, values.length);
            for (int i = 0; i < values.length; i++) {
                data.putInt((from + i) * Integer.BYTES, values[i]);
            }
        }
    }

    /** A shared {@code long[]}. */
    public static final class OfLong extends Array {
        OfLong(NamedSegment segment) {
            super(segment, Long.BYTES);
        }

        /** @param i the index. @return the element. */
        public long get(int i) {
            return data.getLongVolatile(offset(i));
        }

        /** @param i the index. @param v the new element. */
        public void set(int i, long v) {
            data.putLongVolatile(offset(i), v);
        }

        /** @param i the index. @param delta what to add. @return the element after adding. */
        public long addAndGet(int i, long delta) {
            return data.getAndAddLong(offset(i), delta) + delta;
        }

        /** @return a copy of all elements. */
        public long[] toArray() {
            long[] out = new long[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = data.getLong(i * Long.BYTES);
            }
            return out;
        }

        /** @param from the first index written. @param values the elements to write there. */
        public void put(int from, long[] values) {
            checkRange(from, values.length);
            for (int i = 0; i < values.length; i++) {
                data.putLong((from + i) * Long.BYTES, values[i]);
            }
        }
    }

    /** A shared {@code double[]}. */
    public static final class OfDouble extends Array {
        OfDouble(NamedSegment segment) {
            super(segment, Double.BYTES);
        }

        /** @param i the index. @return the element. */
        public double get(int i) {
            return Double.longBitsToDouble(data.getLongVolatile(offset(i)));
        }

        /** @param i the index. @param v the new element. */
        public void set(int i, double v) {
            data.putLongVolatile(offset(i), Double.doubleToRawLongBits(v));
        }

        /** @return a copy of all elements. */
        public double[] toArray() {
            double[] out = new double[length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = data.getDouble(i * Double.BYTES);
            }
            return out;
        }

        /** @param from the first index written. @param values the elements to write there. */
        public void put(int from, double[] values) {
            checkRange(from, values.length);
            for (int i = 0; i < values.length; i++) {
                data.putDouble((from + i) * Double.BYTES, values[i]);
            }
        }
    }
}
