/**
 * Helpers for transport authors, not part of the transport contract itself: owner-only per-node directories
 * ({@link dev.troupe.spi.support.NodeDirectories}) and an owner-only Unix-domain socket server
 * ({@link dev.troupe.spi.support.UnixSocketServer}).
 */
package dev.troupe.spi.support;
