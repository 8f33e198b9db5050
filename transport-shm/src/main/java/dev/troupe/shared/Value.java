package dev.troupe.shared;

/**
 * A named number or flag in shared memory, with atomic operations: {@code multiprocessing.Value}. Every
 * process that opens the name sees the same value. Atomic operations are atomic across processes; compound
 * updates that span several values need a {@link Lock}.
 */
public abstract class Value extends SharedObject {
    private static final int SIZE = 64;

    Value(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the shared {@code int} with this name, creating it as 0 if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static OfInt ofInt(String name) {
        return new OfInt(NamedSegment.openOrCreate("value-int", name, SIZE, d -> { }));
    }

    /**
     * Opens the shared {@code long} with this name, creating it as 0 if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static OfLong ofLong(String name) {
        return new OfLong(NamedSegment.openOrCreate("value-long", name, SIZE, d -> { }));
    }

    /**
     * Opens the shared {@code double} with this name, creating it as 0.0 if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static OfDouble ofDouble(String name) {
        return new OfDouble(NamedSegment.openOrCreate("value-double", name, SIZE, d -> { }));
    }

    /**
     * Opens the shared {@code boolean} with this name, creating it as {@code false} if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @return a handle.
     */
    public static OfBoolean ofBoolean(String name) {
        return new OfBoolean(NamedSegment.openOrCreate("value-boolean", name, SIZE, d -> { }));
    }

    /**
     * Removes the name.
     *
     * @return whether it existed.
     */
    public boolean unlink() {
        return NamedSegment.unlink(segment.kind, segment.name);
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("a value cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }

    /** A shared {@code int}. */
    public static final class OfInt extends Value {
        OfInt(NamedSegment segment) {
            super(segment);
        }

        /** @return the value. */
        public int get() {
            return data.getIntVolatile(0);
        }

        /** @param v the new value. */
        public void set(int v) {
            data.putIntVolatile(0, v);
        }

        /**
         * @param delta what to add.
         * @return the value after adding.
         */
        public int addAndGet(int delta) {
            return data.getAndAddInt(0, delta) + delta;
        }

        /**
         * @param expected the value it must hold.
         * @param v        the new value.
         * @return whether it held {@code expected} and now holds {@code v}.
         */
        public boolean compareAndSet(int expected, int v) {
            return data.compareAndSetInt(0, expected, v);
        }
    }

    /** A shared {@code long}. */
    public static final class OfLong extends Value {
        OfLong(NamedSegment segment) {
            super(segment);
        }

        /** @return the value. */
        public long get() {
            return data.getLongVolatile(0);
        }

        /** @param v the new value. */
        public void set(long v) {
            data.putLongVolatile(0, v);
        }

        /**
         * @param delta what to add.
         * @return the value after adding.
         */
        public long addAndGet(long delta) {
            return data.getAndAddLong(0, delta) + delta;
        }

        /**
         * @param expected the value it must hold.
         * @param v        the new value.
         * @return whether it held {@code expected} and now holds {@code v}.
         */
        public boolean compareAndSet(long expected, long v) {
            return data.compareAndSetLong(0, expected, v);
        }
    }

    /** A shared {@code double}. */
    public static final class OfDouble extends Value {
        OfDouble(NamedSegment segment) {
            super(segment);
        }

        /** @return the value. */
        public double get() {
            return Double.longBitsToDouble(data.getLongVolatile(0));
        }

        /** @param v the new value. */
        public void set(double v) {
            data.putLongVolatile(0, Double.doubleToRawLongBits(v));
        }

        /**
         * @param delta what to add.
         * @return the value after adding.
         */
        public double addAndGet(double delta) {
            while (true) {
                long bits = data.getLongVolatile(0);
                double next = Double.longBitsToDouble(bits) + delta;
                if (data.compareAndSetLong(0, bits, Double.doubleToRawLongBits(next))) {
                    return next;
                }
            }
        }

        /**
         * Compares bit patterns, so {@code NaN} matches itself and {@code 0.0} does not match {@code -0.0}.
         *
         * @param expected the value it must hold.
         * @param v        the new value.
         * @return whether it held {@code expected} and now holds {@code v}.
         */
        public boolean compareAndSet(double expected, double v) {
            return data.compareAndSetLong(0, Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(v));
        }
    }

    /** A shared {@code boolean}. */
    public static final class OfBoolean extends Value {
        OfBoolean(NamedSegment segment) {
            super(segment);
        }

        /** @return the value. */
        public boolean get() {
            return data.getIntVolatile(0) != 0;
        }

        /** @param v the new value. */
        public void set(boolean v) {
            data.putIntVolatile(0, v ? 1 : 0);
        }

        /**
         * @param expected the value it must hold.
         * @param v        the new value.
         * @return whether it held {@code expected} and now holds {@code v}.
         */
        public boolean compareAndSet(boolean expected, boolean v) {
            return data.compareAndSetInt(0, expected ? 1 : 0, v ? 1 : 0);
        }
    }
}
