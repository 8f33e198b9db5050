/**
 * INTERNAL API: the node: Pekko actors that represent worker processes and pools, process launching,
 * the link server and the per-worker connections.
 */
package dev.troupe.internal.node;
