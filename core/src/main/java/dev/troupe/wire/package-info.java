/**
 * The wire protocol, public and versioned: the protobuf messages every transport carries (generated from
 * {@code troupe.proto}; one {@link dev.troupe.wire.Envelope} per frame), the hand-written encoder and decoder of the
 * hot envelopes, the frame format of stream transports ({@link dev.troupe.wire.FrameCodec}) and its exceptions, and
 * {@link dev.troupe.wire.WireProtocol#VERSION}. Transport implementations and tools that speak to Troupe processes
 * use this package; peers of different versions refuse each other at the handshake.
 */
package dev.troupe.wire;
