/**
 * Benchmarks: each prints one JSON object per line, with the Python {@code multiprocessing} peer's figure from
 * the same run and the ratio beside Troupe's.
 */
package dev.troupe.bench;
