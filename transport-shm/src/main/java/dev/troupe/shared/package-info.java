/**
 * Named shared-memory objects and cross-process synchronization: values, arrays, raw memory, locks, semaphores,
 * events, conditions, barriers.
 */
package dev.troupe.shared;
