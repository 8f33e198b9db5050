/**
 * Named shared-memory objects and cross-process synchronization: values, arrays, raw memory, locks, semaphores,
 * events, conditions, barriers, and queues of messages between processes.
 */
package dev.troupe.shared;
