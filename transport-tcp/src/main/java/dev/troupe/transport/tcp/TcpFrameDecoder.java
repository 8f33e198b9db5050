package dev.troupe.transport.tcp;

import dev.troupe.wire.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

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
}
