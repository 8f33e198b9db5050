/**
 * INTERNAL API. The objects a node hosts for its processes ({@link dev.troupe.Manager}): the host and the
 * clients that reach it from the node and from its workers.
 */
package dev.troupe.internal.objects;
