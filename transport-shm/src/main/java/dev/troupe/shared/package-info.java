/**
 * Named shared-memory objects and cross-process synchronization: values, arrays, raw memory, locks, semaphores,
 * events, conditions, barriers; topics (publish/subscribe between processes).
 */
package dev.troupe.shared;
