/**
 * INTERNAL API: everything behind the public {@code dev.troupe} API. Not for use outside Troupe; it changes
 * without notice.
 */
package dev.troupe.internal;
