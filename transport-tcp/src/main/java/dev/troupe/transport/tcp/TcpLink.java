package dev.troupe.transport.tcp;

import dev.troupe.wire.Envelope;
import dev.troupe.spi.AuthenticationException;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkClosedException;
import dev.troupe.spi.LinkHandler;
import dev.troupe.wire.MalformedFrameException;
import io.netty.buffer.ByteBuf;
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
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A {@link Link} over one TCP connection, and the Netty handler at the end of that connection's pipeline
 * ({@code [SslHandler] TcpFrameDecoder TcpLink}).
 *
 * <p>A link starts unauthenticated: the server sends a challenge, the client answers with its proof, the server
 * answers with its own (see {@link AuthDescriptor}). Until both proofs check out no envelope is parsed, frames are
 * limited to {@link AuthDescriptor#MAX_AUTH_FRAME_BYTES}, and the handshake must finish within
 * {@code handshake-timeout}. A failure closes the connection with one log line (server) or an
 * {@link AuthenticationException} (client).
 *
 * <p>Inbound: frames are parsed and delivered on the channel's event loop, so the handler's calls never overlap.
 * Outbound: {@link #send} from the event loop writes directly; other threads append their frames to pending
 * buffers, and one drain task on the event loop writes everything pending with one flush, so a burst of small
 * messages costs a few buffers and one system call. A sender blocks while {@code maxPendingWriteBytes} are queued
 * or Netty's outbound buffer is over its high-water mark: a slow peer slows its sender rather than filling the heap.
 */
final class TcpLink extends ChannelInboundHandlerAdapter implements Link {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long ROOM_WAIT_MILLIS = 20;
    private static final int SCRATCH_KEEP_BYTES = 1 << 20;
    /** How long a closing link waits for its last frames to be written before it closes anyway. */
    private static final long CLOSE_LINGER_MILLIS = 2000;
    /** The size of the buffers small frames from other threads are gathered in. */
    private static final int BATCH_BYTES = 16 * 1024;

    private final boolean server;
    private final TcpOptions options;
    private final int maxFrameBytes;
    private final int maxPendingWriteBytes;
    private final Consumer<TcpLink> onAuthenticated;
    private final RefusalLog refusals;
    private final CompletableFuture<Void> authenticated = new CompletableFuture<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Frames sent from threads other than the event loop, not yet handed to Netty. Guarded by outLock. */
    private final ArrayDeque<ByteBuf> outbound = new ArrayDeque<>();
    private final Object outLock = new Object();
    /** Bytes in {@link #outbound}; written under outLock. */
    private volatile long queuedBytes;
    private boolean drainScheduled;
    private final Runnable drainTask = this::drain;
    private final Object room = new Object();

    private Channel channel;
    private TcpFrameDecoder decoder;
    private String description;
    private byte[] serverNonce;
    private byte[] clientNonce;
    private volatile boolean open;
    private volatile Throwable closeCause;
    /** Envelopes that arrived before {@link #start} delivered them; {@code null} after; event loop only. */
    private List<Envelope> early = new ArrayList<>();
    private volatile LinkHandler handler;
    private boolean closedDelivered;
    private boolean inRead;
    private boolean flushAfterRead;
    private byte[] scratch = new byte[4096];

    /**
     * @param server          {@code true} on the accepting side, which sends the challenge.
     * @param onAuthenticated called on the event loop once the peer is authenticated (server side: hands the link
     *                        to the acceptor); may be {@code null}.
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
        this.description = describe(ch);
        decoder = new TcpFrameDecoder(AuthDescriptor.MAX_AUTH_FRAME_BYTES);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls);
        }
        ch.pipeline().addLast("frames", decoder);
        ch.pipeline().addLast("link", this);
        ch.closeFuture().addListener(f -> onChannelClosed());
    }

    /** Completes when the handshake succeeds; fails with why it did not. */
    CompletableFuture<Void> authenticated() {
        return authenticated;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        description = describe(channel);
        ctx.executor().schedule(() -> {
            if (!authenticated.isDone()) {
                String why = "no authentication within " + options.handshakeTimeout.toMillis()
                    + " ms (troupe.tcp.handshake-timeout)";
                // Slowness, not a wrong secret: a worker tries again later.
                refuse(new LinkClosedException(why + (server ? "" : " from " + description)));
            }
        }, options.handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
            if (!authenticated.isDone()) {
                authenticate(ctx, frame);
                return;
            }
            if (!open) {
                return;
            }
            Envelope e = decode(frame);
            if (early != null) {
                early.add(e);
                return;
            }
            LinkHandler h = handler;
            inRead = true;
            try {
                h.onEnvelope(this, e);
            } finally {
                inRead = false;
            }
        } catch (MalformedFrameException e) {
            close(e);
        } catch (AuthenticationException e) {
            refuse(e);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushAfterRead) {
            flushAfterRead = false;
            ctx.flush();
        }
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

    private void authenticate(ChannelHandlerContext ctx, ByteBuf frame) throws AuthenticationException {
        byte type = AuthDescriptor.readHeader(frame, server ? "an authentication response" : "a challenge");
        if (type == AuthDescriptor.REFUSE) {
            String reason = frame.toString(StandardCharsets.UTF_8);
            fail(new AuthenticationException("the node refused this connection: " + reason));
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
            if (!MessageDigest.isEqual(proof, AuthDescriptor.clientProof(options.secret, serverNonce, clientNonce))) {
                throw new AuthenticationException("authentication failed: the peer does not know this node's secret");
            }
            ByteBuf out = ctx.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + AuthDescriptor.MAC_BYTES);
            AuthDescriptor.writeHeader(out, AuthDescriptor.MAC_BYTES, AuthDescriptor.ACCEPT);
            out.writeBytes(AuthDescriptor.serverProof(options.secret, serverNonce, clientNonce));
            ctx.writeAndFlush(out);
            succeed();
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
            out.writeBytes(AuthDescriptor.clientProof(options.secret, serverNonce, clientNonce));
            ctx.writeAndFlush(out);
        } else {
            if (type != AuthDescriptor.ACCEPT || frame.readableBytes() != AuthDescriptor.MAC_BYTES) {
                throw new AuthenticationException("expected the node's proof, got a frame of type " + type);
            }
            byte[] proof = new byte[AuthDescriptor.MAC_BYTES];
            frame.readBytes(proof);
            if (!MessageDigest.isEqual(proof, AuthDescriptor.serverProof(options.secret, serverNonce, clientNonce))) {
                throw new AuthenticationException("the node at " + channel.remoteAddress()
                    + " does not know the secret: it is not the node this worker was meant to join");
            }
            succeed();
        }
    }

    private void succeed() {
        open = true;
        decoder.authenticated(maxFrameBytes);
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
     * Ends a handshake that failed: the server tells the peer why and logs one line; the client fails. An
     * {@link AuthenticationException} means the peer is not who it should be (retrying will not help); another
     * {@link IOException} means the connection failed (a worker tries again).
     */
    private void refuse(IOException why) {
        if (authenticated.isDone()) {
            return;
        }
        if (server && channel.isActive() && why instanceof AuthenticationException) {
            // Only a peer that failed authentication is told why: it should not try again.
            byte[] reason = why.getMessage().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(reason.length, AuthDescriptor.MAX_AUTH_FRAME_BYTES - 4 - AuthDescriptor.HEADER_BYTES);
            ByteBuf out = channel.alloc().buffer(4 + AuthDescriptor.HEADER_BYTES + n);
            AuthDescriptor.writeHeader(out, n, AuthDescriptor.REFUSE);
            out.writeBytes(reason, 0, n);
            channel.writeAndFlush(out);
        }
        fail(why);
    }

    private void fail(IOException why) {
        if (authenticated.completeExceptionally(why)) {
            if (server && refusals != null) {
                refusals.refused(description, why.getMessage());
            }
            close(why);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
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
        if (!authenticated.isDone()) {
            String why = c.getMessage() == null ? c.toString() : c.getMessage();
            // A broken frame is a protocol violation; a reset or TLS failure is a failed connection.
            refuse(cause instanceof DecoderException && !(c instanceof javax.net.ssl.SSLException)
                ? new AuthenticationException(why) : new LinkClosedException(why + " (" + description + ")"));
        } else if (cause instanceof DecoderException) {
            close(new MalformedFrameException(c.getMessage() + " on " + description, c));
        } else if (c instanceof IOException) {
            close(new LinkClosedException("connection " + description + " failed: " + c.getMessage()));
        } else {
            close(c);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        signalRoom();
        ctx.fireChannelWritabilityChanged();
    }

    private void onChannelClosed() {
        open = false;
        if (!authenticated.isDone()) {
            authenticated.completeExceptionally(new LinkClosedException("the connection " + description
                + " closed during authentication"));
        }
        for (ByteBuf b : takeOutbound()) {
            b.release();
        }
        signalRoom();
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
        return enqueue(List.of(envelope));
    }

    @Override
    public boolean sendAll(List<Envelope> envelopes) {
        if (envelopes.isEmpty()) {
            return open;
        }
        return enqueue(envelopes);
    }

    /** Envelopes up to this size are written through a per-thread array, then copied into the buffer. */
    private static final int SMALL_ENVELOPE = 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SMALL_ENVELOPE]);

    /** Checks the sizes, and returns each envelope's serialized size followed by the total frame bytes. */
    private int[] sizes(List<Envelope> envelopes) {
        int[] sizes = new int[envelopes.size() + 1];
        long total = 0;
        for (int i = 0; i < envelopes.size(); i++) {
            int size = FrameCodec.checkBodySize(FrameCodec.bodySize(envelopes.get(i)), maxFrameBytes);
            sizes[i] = size;
            total += FrameCodec.HEADER_BYTES + size;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new FrameTooLargeException(total, Integer.MAX_VALUE - 8);
        }
        sizes[envelopes.size()] = (int) total;
        return sizes;
    }

    /** Appends the frames to {@code buf}; leaves it as it was if serialization fails. */
    private static void encodeInto(ByteBuf buf, List<Envelope> envelopes, int[] sizes) {
        int mark = buf.writerIndex();
        try {
            for (int i = 0; i < envelopes.size(); i++) {
                buf.writeInt(sizes[i]);
                if (sizes[i] <= SMALL_ENVELOPE) {
                    byte[] scratch = SCRATCH.get();
                    FrameCodec.writeBody(envelopes.get(i), scratch, 0, sizes[i]);
                    buf.writeBytes(scratch, 0, sizes[i]);
                } else {
                    buf.ensureWritable(sizes[i]);
                    FrameCodec.writeBody(envelopes.get(i), buf.nioBuffer(buf.writerIndex(), sizes[i]), sizes[i]);
                    buf.writerIndex(buf.writerIndex() + sizes[i]);
                }
            }
        } catch (RuntimeException e) {
            buf.writerIndex(mark);
            throw e;
        }
    }

    private boolean enqueue(List<Envelope> envelopes) {
        int[] sizes = sizes(envelopes);
        int total = sizes[envelopes.size()];
        if (!open) {
            return false;
        }
        if (channel.eventLoop().inEventLoop()) {
            // In order with this thread's earlier sends, which were written directly too.
            ByteBuf buf = channel.alloc().buffer(total);
            try {
                encodeInto(buf, envelopes, sizes);
            } catch (RuntimeException e) {
                buf.release();
                throw e;
            }
            if (inRead) {
                channel.write(buf, channel.voidPromise());
                flushAfterRead = true;
            } else {
                channel.writeAndFlush(buf, channel.voidPromise());
            }
            return true;
        }
        if (!awaitRoom()) {
            return false;
        }
        boolean schedule;
        synchronized (outLock) {
            if (!open) {
                return false;
            }
            // Frames from other threads are appended to the last pending buffer while it has room, so a burst of
            // small messages reaches Netty as a few large buffers: one outbound entry and one copy per batch.
            ByteBuf tail = outbound.peekLast();
            if (tail == null || tail.capacity() - tail.writerIndex() < total) {
                tail = channel.alloc().buffer(Math.max(total, BATCH_BYTES));
                outbound.add(tail);
            }
            encodeInto(tail, envelopes, sizes);
            queuedBytes += total;
            schedule = !drainScheduled;
            drainScheduled = true;
        }
        if (schedule) {
            TcpEventLoops.posted();
            channel.eventLoop().execute(drainTask);
        }
        return true;
    }

    private boolean awaitRoom() {
        while (open && (queuedBytes >= maxPendingWriteBytes || !channel.isWritable())) {
            synchronized (room) {
                if (open && (queuedBytes >= maxPendingWriteBytes || !channel.isWritable())) {
                    try {
                        room.wait(ROOM_WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        }
        return open;
    }

    private void signalRoom() {
        synchronized (room) {
            room.notifyAll();
        }
    }

    /** Takes every pending buffer, in order. */
    private List<ByteBuf> takeOutbound() {
        synchronized (outLock) {
            drainScheduled = false;
            if (outbound.isEmpty()) {
                return List.of();
            }
            List<ByteBuf> taken = new ArrayList<>(outbound);
            outbound.clear();
            queuedBytes = 0;
            return taken;
        }
    }

    private void drain() {
        List<ByteBuf> taken = takeOutbound();
        if (taken.isEmpty()) {
            return;
        }
        for (ByteBuf b : taken) {
            if (channel.isActive()) {
                channel.write(b, channel.voidPromise());
            } else {
                b.release();
            }
        }
        channel.flush();
        signalRoom();
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
        signalRoom();
        // What is queued was sent before the close: write it, then close; but a peer that does not read cannot hold
        // the close up for more than CLOSE_LINGER_MILLIS, and a link closed because of an error closes at once.
        boolean error = closeCause != null;
        channel.eventLoop().execute(() -> {
            for (ByteBuf b : takeOutbound()) {
                channel.write(b, channel.voidPromise());
            }
            if (error) {
                channel.flush();
                channel.close();
                return;
            }
            channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> channel.close());
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

    private String describe(Channel ch) {
        SocketAddress remote = ch.remoteAddress();
        String peer = remote instanceof InetSocketAddress
            ? ((InetSocketAddress) remote).getHostString() + ":" + ((InetSocketAddress) remote).getPort()
            : String.valueOf(remote);
        return "tcp:" + (server ? "from " : "to ") + peer;
    }

    private static byte[] nonce() {
        byte[] n = new byte[AuthDescriptor.NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }
}
