/**
 * The named-pipe transport: Unix domain sockets (the mapping .NET uses for named pipes on Unix), socket files
 * created owner-only in the node's owner-only run directory and removed on close.
 */
package dev.troupe.transport.pipe;
