package dev.troupe.transport.tcp;

import dev.troupe.wire.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Splits the byte stream into frames ({@link FrameCodec}: a 4-byte big-endian length, then the body) and passes
 * each body on as a retained slice. A length outside {@code 1..max} fails the connection before any of that frame
 * is buffered. The limit starts small, for the authentication frames, and is raised once the peer is
 * authenticated, so an unauthenticated peer cannot make the node buffer a large frame.
 */
final class TcpFrameDecoder extends ByteToMessageDecoder {
    private int maxFrameBytes;
    private boolean authenticated;
    private boolean failed;

    TcpFrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The peer is authenticated: frames up to {@code max} bytes are accepted from now on. Event loop only. */
    void authenticated(int max) {
        this.maxFrameBytes = max;
        this.authenticated = true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= FrameCodec.HEADER_BYTES) {
            int length = in.getInt(in.readerIndex());
            if (length <= 0 || (long) length + FrameCodec.HEADER_BYTES > maxFrameBytes) {
                failed = true;
                in.skipBytes(in.readableBytes());
                if (!authenticated && looksLikeTls(length)) {
                    // No authentication frame is that long: the other side speaks TLS and this one does not. That
                    // is a failed connection (as a TLS handshake failure is), not a failed proof of the secret.
                    throw new DecoderException(new SSLException("the peer speaks TLS and this side does not"
                        + " (troupe.tcp.tls.enabled, or --tls for a remote worker)"));
                }
                throw new CorruptedFrameException("frame length " + Integer.toUnsignedString(length)
                    + " is outside 1.." + (maxFrameBytes - FrameCodec.HEADER_BYTES)
                    + (authenticated ? " (troupe.max-frame-size)" : " (before authentication)"));
            }
            if (in.readableBytes() < FrameCodec.HEADER_BYTES + length) {
                return;
            }
            in.skipBytes(FrameCodec.HEADER_BYTES);
            out.add(in.readRetainedSlice(length));
        }
    }

    /** Whether a frame length read as big-endian is a TLS record header: content type 20..23, major version 3. */
    static boolean looksLikeTls(int length) {
        int type = length >>> 24;
        return type >= 20 && type <= 23 && ((length >>> 16) & 0xFF) == 3;
    }
}
