/**
 * The TCP transport ({@code tcp://host:port}) on Netty: length-prefixed protobuf envelopes over TCP, with the
 * native epoll transport where it loads and NIO elsewhere; both sides prove they know a shared secret (HMAC
 * challenge–response over fresh nonces) before any envelope is accepted; optional TLS; and the limits that keep a
 * node standing (frame size, connection count, handshake and idle time-outs, a bounded write buffer per link).
 */
package dev.troupe.transport.tcp;
