/**
 * The contract transports implement: a {@link dev.troupe.spi.TransportProvider} found through
 * {@link java.util.ServiceLoader} and chosen by name, which listens on and connects to addresses and
 * yields duplex, framed {@link dev.troupe.spi.Link}s of protocol envelopes.
 *
 * <p>Implementations live in their own modules ({@code troupe-transport-pipe}, ...) and depend on the core only.
 */
package dev.troupe.spi;
