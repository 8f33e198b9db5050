/**
 * INTERNAL API: how values, tasks and exceptions cross the process boundary.
 */
package dev.troupe.internal.codec;
