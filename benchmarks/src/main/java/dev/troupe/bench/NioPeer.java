package dev.troupe.bench;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The floor of a TCP round trip on this machine: a raw NIO ping-pong between two JVMs over loopback, both ends
 * busy-polling non-blocking sockets (no selector, no framing, no authentication). {@code NioPeer PORT} connects to
 * {@code 127.0.0.1:PORT} and echoes every {@link #MESSAGE} bytes it reads until the connection ends.
 */
public final class NioPeer {
    static final int MESSAGE = 64;

    private NioPeer() {
    }

    public static void main(String[] args) throws Exception {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])))) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE);
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        return;
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }

    /** Round trips of {@link #MESSAGE} bytes: p50 and p99 in microseconds of {@code pings} after {@code warm}. */
    static double[] pingPong(int warm, int pings) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Process child = TransportBench.javaProcess(NioPeer.class, String.valueOf(port));
            try (SocketChannel ch = server.accept()) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
                ByteBuffer buf = ByteBuffer.allocateDirect(MESSAGE);
                return Percentiles.of(Percentiles.time(warm, pings, () -> {
                    try {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        buf.clear();
                        while (buf.hasRemaining()) {
                            if (ch.read(buf) < 0) {
                                throw new IllegalStateException("the NIO peer closed the connection");
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            } finally {
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
        }
    }
}
