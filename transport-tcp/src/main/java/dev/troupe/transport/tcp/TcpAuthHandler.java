package dev.troupe.transport.tcp;

import dev.troupe.spi.AuthenticationException;
import dev.troupe.spi.LinkClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The challenge-response handshake of a TCP connection (see {@link AuthDescriptor}), as the handler between the
 * frame decoder and the link: {@code [SslHandler] TcpFrameDecoder TcpAuthHandler TcpLink}. With TLS on, the
 * handshake runs inside it.
 *
 * <p>The server sends a challenge, the client answers with its nonce and proof, the server answers with its own
 * proof. Until then frames are limited to {@link AuthDescriptor#MAX_AUTH_FRAME_BYTES} and must be authentication
 * frames, and the handshake must finish within {@code handshake-timeout}. On success the handler raises the
 * decoder's limit, removes itself from the pipeline and fires {@link #AUTHENTICATED}, so every later frame goes to
 * the link. On failure it fires a {@link Failed} (after telling a client that failed to prove itself why) and
 * passes nothing further; the handler after it closes the connection.
 *
 * <p>Failures: an {@link AuthenticationException} means the peer is not who it should be (a wrong secret, another
 * protocol version, a frame that is not an authentication frame): retrying will not help. A
 * {@link LinkClosedException} means the connection failed (a reset, a TLS failure, the time-out): a worker tries
 * again.
 *
 * <p>Not sharable: one instance per channel; all its methods run on the channel's event loop.
 */
final class TcpAuthHandler extends ChannelInboundHandlerAdapter {
    /** Fired down the pipeline once the peer is authenticated; the handler has left the pipeline by then. */
    static final Object AUTHENTICATED = new Object() {
        @Override
        public String toString() {
            return "TcpAuthHandler.AUTHENTICATED";
        }
    };

    /** Fired down the pipeline, once, when the handshake fails. */
    record Failed(IOException cause) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final boolean server;
    private final byte[] secret;
    private final Duration handshakeTimeout;
    private final TcpFrameDecoder decoder;
    private final int maxFrameBytes;
    private String description;
    private byte[] serverNonce;
    private byte[] clientNonce;
    private boolean done;
    private ScheduledFuture<?> timeout;

    /**
     * @param server        {@code true} on the accepting side, which sends the challenge.
     * @param decoder       the channel's frame decoder, whose limit is raised to {@code maxFrameBytes} on success.
     * @param maxFrameBytes the frame limit once authenticated.
     */
    TcpAuthHandler(boolean server, byte[] secret, Duration handshakeTimeout, TcpFrameDecoder decoder,
                   int maxFrameBytes) {
        this.server = server;
        this.secret = secret;
        this.handshakeTimeout = handshakeTimeout;
        this.decoder = decoder;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        description = TcpLink.describe(ctx.channel(), server);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        description = TcpLink.describe(ctx.channel(), server);
        timeout = ctx.executor().schedule(() -> {
            String why = "no authentication within " + handshakeTimeout.toMillis()
                + " ms (troupe.tcp.handshake-timeout)";
            // Slowness, not a wrong secret: a worker tries again later.
            refuse(ctx, new LinkClosedException(why + (server ? "" : " from " + description)));
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (server) {
            serverNonce = nonce();
            ByteBuf out = ctx.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES);
            AuthDescriptor.writeHeader(out, AuthDescriptor.NONCE_BYTES, AuthDescriptor.CHALLENGE);
            out.writeBytes(serverNonce);
            ctx.writeAndFlush(out);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!done) {
                authenticate(ctx, frame);
            }
        } catch (AuthenticationException e) {
            refuse(ctx, e);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String why = c.getMessage() == null ? c.toString() : c.getMessage();
        // A broken frame is a protocol violation; a reset or TLS failure is a failed connection.
        refuse(ctx, cause instanceof DecoderException && !(c instanceof SSLException)
            ? new AuthenticationException(why) : new LinkClosedException(why + " (" + description + ")"));
    }

    private void authenticate(ChannelHandlerContext ctx, ByteBuf frame) throws AuthenticationException {
        byte type = AuthDescriptor.readHeader(frame, server ? "an authentication response" : "a challenge");
        if (type == AuthDescriptor.REFUSE) {
            String reason = frame.toString(StandardCharsets.UTF_8);
            fail(ctx, new AuthenticationException("the node refused this connection: " + reason));
            return;
        }
        if (server) {
            if (type != AuthDescriptor.RESPONSE
                || frame.readableBytes() != AuthDescriptor.NONCE_BYTES + AuthDescriptor.MAC_BYTES) {
                throw new AuthenticationException("expected an authentication response, got a frame of type " + type
                    + " with " + frame.readableBytes() + " bytes");
            }
            clientNonce = new byte[AuthDescriptor.NONCE_BYTES];
            frame.readBytes(clientNonce);
            byte[] proof = new byte[AuthDescriptor.MAC_BYTES];
            frame.readBytes(proof);
            if (!MessageDigest.isEqual(proof, AuthDescriptor.clientProof(secret, serverNonce, clientNonce))) {
                throw new AuthenticationException("authentication failed: the peer does not know this node's secret");
            }
            ByteBuf out = ctx.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + AuthDescriptor.MAC_BYTES);
            AuthDescriptor.writeHeader(out, AuthDescriptor.MAC_BYTES, AuthDescriptor.ACCEPT);
            out.writeBytes(AuthDescriptor.serverProof(secret, serverNonce, clientNonce));
            ctx.writeAndFlush(out);
            succeed(ctx);
        } else if (serverNonce == null) {
            if (type != AuthDescriptor.CHALLENGE || frame.readableBytes() != AuthDescriptor.NONCE_BYTES) {
                throw new AuthenticationException("expected a challenge from the node, got a frame of type " + type);
            }
            serverNonce = new byte[AuthDescriptor.NONCE_BYTES];
            frame.readBytes(serverNonce);
            clientNonce = nonce();
            ByteBuf out = ctx.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES
                + AuthDescriptor.MAC_BYTES);
            AuthDescriptor.writeHeader(out, AuthDescriptor.NONCE_BYTES + AuthDescriptor.MAC_BYTES,
                AuthDescriptor.RESPONSE);
            out.writeBytes(clientNonce);
            out.writeBytes(AuthDescriptor.clientProof(secret, serverNonce, clientNonce));
            ctx.writeAndFlush(out);
        } else {
            if (type != AuthDescriptor.ACCEPT || frame.readableBytes() != AuthDescriptor.MAC_BYTES) {
                throw new AuthenticationException("expected the node's proof, got a frame of type " + type);
            }
            byte[] proof = new byte[AuthDescriptor.MAC_BYTES];
            frame.readBytes(proof);
            if (!MessageDigest.isEqual(proof, AuthDescriptor.serverProof(secret, serverNonce, clientNonce))) {
                throw new AuthenticationException("the node at " + ctx.channel().remoteAddress()
                    + " does not know the secret: it is not the node this worker was meant to join");
            }
            succeed(ctx);
        }
    }

    private void succeed(ChannelHandlerContext ctx) {
        done = true;
        cancelTimeout();
        // Raised before the frames that follow in this read are split off, as they go to the link.
        decoder.authenticated(maxFrameBytes);
        ctx.fireUserEventTriggered(AUTHENTICATED);
        ctx.pipeline().remove(this);
    }

    /**
     * Ends a handshake that failed: the server tells a peer that failed to authenticate why (it should not try
     * again), then the failure goes down the pipeline.
     */
    private void refuse(ChannelHandlerContext ctx, IOException why) {
        if (done) {
            return;
        }
        if (server && ctx.channel().isActive() && why instanceof AuthenticationException) {
            byte[] reason = why.getMessage().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(reason.length, AuthDescriptor.MAX_AUTH_FRAME_BYTES - 4 - AuthDescriptor.HEADER_BYTES);
            ByteBuf out = ctx.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + n);
            AuthDescriptor.writeHeader(out, n, AuthDescriptor.REFUSE);
            out.writeBytes(reason, 0, n);
            ctx.writeAndFlush(out);
        }
        fail(ctx, why);
    }

    private void fail(ChannelHandlerContext ctx, IOException why) {
        if (!done) {
            done = true;
            cancelTimeout();
            ctx.fireUserEventTriggered(new Failed(why));
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[AuthDescriptor.NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }
}
