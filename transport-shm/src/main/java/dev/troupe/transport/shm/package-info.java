/**
 * The shared-memory transport: Agrona rings in a memory-mapped file under {@code /dev/shm}, futex wake-ups.
 */
package dev.troupe.transport.shm;
