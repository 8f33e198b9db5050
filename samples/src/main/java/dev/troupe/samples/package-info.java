/**
 * Runnable programs, one per use case: {@link dev.troupe.samples.Demo} (the README's demo),
 * {@link dev.troupe.samples.ProcessMonitor}, {@link dev.troupe.samples.PoolMapSquares},
 * {@link dev.troupe.samples.UnevenTasks}, {@link dev.troupe.samples.WorkerInitializer}.
 */
package dev.troupe.samples;
