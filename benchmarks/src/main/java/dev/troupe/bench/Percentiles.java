package dev.troupe.bench;

import java.util.Arrays;

/** Latency samples to percentiles, and the timing loop shared by the spinning ping-pongs. */
final class Percentiles {
    private Percentiles() {
    }

    /** p50 and p99 in microseconds over all the samples (nanoseconds); the arrays are left as they are. */
    static double[] of(long[]... samples) {
        long[] all = Arrays.stream(samples).flatMapToLong(Arrays::stream).sorted().toArray();
        return new double[] {all[all.length / 2] / 1e3, all[(int) (all.length * 0.99)] / 1e3};
    }

    /** Times {@code pings} calls of {@code roundTrip} after {@code warm} untimed ones; nanoseconds per call. */
    static long[] time(int warm, int pings, Runnable roundTrip) {
        long[] ns = new long[pings];
        for (int i = 0; i < warm + pings; i++) {
            long t0 = System.nanoTime();
            roundTrip.run();
            if (i >= warm) {
                ns[i - warm] = System.nanoTime() - t0;
            }
        }
        return ns;
    }
}
