/**
 * Runnable programs, one per use case: {@link dev.troupe.samples.Demo} (the README's demo),
 * {@link dev.troupe.samples.ProcessMonitor}, {@link dev.troupe.samples.PoolMapSquares}.
 */
package dev.troupe.samples;
