package dev.troupe.transport.tcp;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A {@link Link} over one TCP connection, and the Netty handler at the end of that connection's pipeline
 * ({@code [SslHandler] TcpFrameDecoder TcpAuthHandler TcpLink}).
 *
 * <p>A link starts unauthenticated: {@link TcpAuthHandler} runs the handshake and, until it succeeds, no envelope
 * is parsed or sent. A failure closes the connection with one log line (server) or an
 * {@link dev.troupe.spi.AuthenticationException} (client), through {@link #authenticated()}.
 *
 * <p>Inbound: frames are parsed and delivered on the channel's event loop, so the handler's calls never overlap.
 * Outbound: {@link OutboundQueue}, which batches frames from other threads into few writes and flushes, and blocks
 * a sender while {@code maxPendingWriteBytes} are queued.
 */
final class TcpLink extends ChannelInboundHandlerAdapter implements Link {
    private static final int SCRATCH_KEEP_BYTES = 1 << 20;
    /** How long a closing link waits for its last frames to be written before it closes anyway. */
    private static final long CLOSE_LINGER_MILLIS = 2000;

    private final boolean server;
    private final TcpOptions options;
    private final int maxFrameBytes;
    private final int maxPendingWriteBytes;
    private final Consumer<TcpLink> onAuthenticated;
    private final RefusalLog refusals;
    private final CompletableFuture<Void> authenticated = new CompletableFuture<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();

    private Channel channel;
    private OutboundQueue outbound;
    private String description;
    private volatile boolean open;
    private volatile Throwable closeCause;
    /** Envelopes that arrived before {@link #start} delivered them; {@code null} after; event loop only. */
    private List<Envelope> early = new ArrayList<>();
    private volatile LinkHandler handler;
    private boolean closedDelivered;
    private byte[] scratch = new byte[4096];

    /**
     * @param server          {@code true} on the accepting side, which sends the challenge.
     * @param onAuthenticated called on the event loop once the peer is authenticated (server side: hands the link
     *                        to the acceptor); may be {@code null}.
     * @param refusals        where the server logs refused handshakes; may be {@code null}.
     */
    TcpLink(boolean server, TcpOptions options, int maxFrameBytes, int maxPendingWriteBytes,
            Consumer<TcpLink> onAuthenticated, RefusalLog refusals) {
        this.server = server;
        this.options = options;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingWriteBytes = maxPendingWriteBytes;
        this.onAuthenticated = onAuthenticated;
        this.refusals = refusals;
    }

    /** Builds the channel's pipeline; called from its initializer. */
    void install(Channel ch, SslHandler tls) {
        this.channel = ch;
        this.description = describe(ch, server);
        this.outbound = new OutboundQueue(ch, maxFrameBytes, maxPendingWriteBytes, this::isOpen);
        TcpFrameDecoder decoder = new TcpFrameDecoder(AuthDescriptor.MAX_AUTH_FRAME_BYTES);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls);
        }
        ch.pipeline().addLast("frames", decoder);
        ch.pipeline().addLast("auth", new TcpAuthHandler(server, options.secret, options.handshakeTimeout, decoder,
            maxFrameBytes));
        ch.pipeline().addLast("link", this);
        ch.closeFuture().addListener(f -> onChannelClosed());
    }

    /** Completes when the handshake succeeds; fails with why it did not. */
    CompletableFuture<Void> authenticated() {
        return authenticated;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        description = describe(channel, server);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!open) {
                return;
            }
            Envelope e = decode(frame);
            if (early != null) {
                early.add(e);
                return;
            }
            LinkHandler h = handler;
            outbound.enterRead();
            try {
                h.onEnvelope(this, e);
            } finally {
                outbound.exitRead();
            }
        } catch (MalformedFrameException e) {
            close(e);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        outbound.readComplete();
        ctx.fireChannelReadComplete();
    }

    private Envelope decode(ByteBuf frame) throws MalformedFrameException {
        int length = frame.readableBytes();
        if (frame.hasArray()) {
            return FrameCodec.decodeBody(frame.array(), frame.arrayOffset() + frame.readerIndex(), length,
                description);
        }
        byte[] buf = scratch;
        if (buf.length < length) {
            buf = new byte[Math.max(length, buf.length * 2)];
            if (buf.length <= SCRATCH_KEEP_BYTES) {
                scratch = buf;
            }
        }
        frame.getBytes(frame.readerIndex(), buf, 0, length);
        return FrameCodec.decodeBody(buf, 0, length, description);
    }

    /** The handshake succeeded: the link opens, and (server side) goes to the acceptor. */
    private void onAuthenticated() {
        open = true;
        if (!options.idleTimeout.isZero()) {
            channel.pipeline().addBefore("frames", "idle",
                new IdleStateHandler(options.idleTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        }
        authenticated.complete(null);
        if (onAuthenticated != null) {
            onAuthenticated.accept(this);
        }
    }

    /**
     * The handshake failed: the server logs one line, the client's {@link #authenticated()} fails. An
     * {@link dev.troupe.spi.AuthenticationException} means the peer is not who it should be (retrying will not
     * help); another {@link IOException} means the connection failed (a worker tries again).
     */
    private void onRefused(IOException why) {
        if (authenticated.completeExceptionally(why)) {
            if (server && refusals != null) {
                refusals.refused(description, why.getMessage());
            }
            close(why);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == TcpAuthHandler.AUTHENTICATED) {
            onAuthenticated();
            return;
        }
        if (evt instanceof TcpAuthHandler.Failed) {
            onRefused(((TcpAuthHandler.Failed) evt).cause());
            return;
        }
        if (evt instanceof IdleStateEvent) {
            close(new LinkClosedException("nothing heard on " + description + " for "
                + options.idleTimeout.toMillis() + " ms (troupe.tcp.idle-timeout)"));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (cause instanceof DecoderException) {
            close(new MalformedFrameException(c.getMessage() + " on " + description, c));
        } else if (c instanceof IOException) {
            close(new LinkClosedException("connection " + description + " failed: " + c.getMessage()));
        } else {
            close(c);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        outbound.signalRoom();
        ctx.fireChannelWritabilityChanged();
    }

    private void onChannelClosed() {
        open = false;
        if (!authenticated.isDone()) {
            authenticated.completeExceptionally(new LinkClosedException("the connection " + description
                + " closed during authentication"));
        }
        outbound.releasePending();
        outbound.signalRoom();
        Throwable cause = closeCause;
        if (cause == null && !closing.get()) {
            cause = new LinkClosedException("peer closed the connection " + description);
        }
        if (cause == null) {
            closeFuture.complete(null);
        } else {
            closeFuture.completeExceptionally(cause);
        }
        deliverClosed();
    }

    /** Tells the handler, once, that the link is closed; on the event loop. */
    private void deliverClosed() {
        LinkHandler h = handler;
        if (h == null || early != null || closedDelivered || channel.isActive()) {
            // Not started, or the envelopes that came before the close are not delivered yet: start() calls again.
            return;
        }
        closedDelivered = true;
        h.onClosed(this, closeCause != null ? closeCause
            : closing.get() ? null : new LinkClosedException("peer closed the connection " + description));
    }

    @Override
    public void start(LinkHandler h) {
        if (handler != null) {
            throw new IllegalStateException("link " + description + " already started");
        }
        handler = h;
        channel.eventLoop().execute(() -> {
            List<Envelope> buffered = early;
            early = null;
            for (Envelope e : buffered) {
                h.onEnvelope(this, e);
            }
            deliverClosed();
        });
    }

    @Override
    public boolean send(Envelope envelope) {
        return outbound.send(List.of(envelope));
    }

    @Override
    public boolean sendAll(List<Envelope> envelopes) {
        if (envelopes.isEmpty()) {
            return open;
        }
        return outbound.send(envelopes);
    }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            open = false;
            flushAndClose();
        }
    }

    @Override
    public void close(Throwable cause) {
        if (closing.compareAndSet(false, true)) {
            closeCause = cause;
            open = false;
            flushAndClose();
        }
    }

    private void flushAndClose() {
        outbound.signalRoom();
        // What is queued was sent before the close: write it, then close; but a peer that does not read cannot hold
        // the close up for more than CLOSE_LINGER_MILLIS, and a link closed because of an error closes at once.
        boolean error = closeCause != null;
        channel.eventLoop().execute(() -> {
            outbound.writePending();
            if (error) {
                channel.flush();
                channel.close();
                return;
            }
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> channel.close());
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, CLOSE_LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return description;
    }

    /** How a connection is named in messages and logs: {@code tcp:from HOST:PORT} (server) or {@code tcp:to ...}. */
    static String describe(Channel ch, boolean server) {
        SocketAddress remote = ch.remoteAddress();
        String peer = remote instanceof InetSocketAddress
            ? ((InetSocketAddress) remote).getHostString() + ":" + ((InetSocketAddress) remote).getPort()
            : String.valueOf(remote);
        return "tcp:" + (server ? "from " : "to ") + peer;
    }
}
