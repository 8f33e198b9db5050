/**
 * The contract transports implement: a {@link dev.troupe.spi.TransportProvider} found through
 * {@link java.util.ServiceLoader} and chosen by name, which listens on and connects to addresses and
 * yields duplex, framed {@link dev.troupe.spi.Link}s of protocol envelopes.
 *
 * <p>Implementations live in their own modules ({@code troupe-transport-pipe}, ...) and depend on the core only.
 *
 * <p>A {@link dev.troupe.spi.NodeExtension}, also found through {@link java.util.ServiceLoader}, attaches to every
 * node started while it is on the class path: it adds configuration before the node's actor system starts, runs
 * with the node, and may provide part of the public API (the cluster module provides {@link dev.troupe.Cluster}).
 */
package dev.troupe.spi;
