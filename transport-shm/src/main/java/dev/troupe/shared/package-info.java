/**
 * Named shared-memory objects and cross-process synchronization: values, arrays, raw memory, locks, semaphores,
 * events, conditions, barriers; queues of messages, pipes and named pipes, and topics (publish/subscribe) between
 * processes.
 */
package dev.troupe.shared;
