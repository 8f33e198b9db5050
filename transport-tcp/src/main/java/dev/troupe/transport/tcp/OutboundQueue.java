package dev.troupe.transport.tcp;

import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameCodec;
import dev.troupe.wire.FrameTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The outbound side of a TCP link: encodes envelopes into frames and hands them to the channel, from any thread.
 *
 * <p>On the event loop frames are written directly, in order with that thread's earlier sends; while the link is
 * delivering a read, the flush waits for the end of the read, so the replies to a batch of requests leave in one
 * system call. Other threads append their frames to pending buffers (a frame goes into the last buffer while it has
 * room), and one drain task on the event loop writes everything pending with one flush: a burst of small messages
 * costs a few buffers and one system call.
 *
 * <p>Back-pressure: a sender on another thread blocks while {@code maxPendingWriteBytes} are pending here or
 * Netty's outbound buffer is over its high-water mark, so a slow peer slows its sender rather than filling the
 * heap. It wakes when the drain task or a writability change makes room, or when the link closes.
 *
 * <p>Thread-safe: {@link #send} from any thread; the other methods on the event loop, except {@link #signalRoom}.
 */
final class OutboundQueue {
    /** How long a blocked sender sleeps before it looks again, in case a wake-up was missed. */
    private static final long ROOM_WAIT_MILLIS = 20;
    /** The size of the buffers small frames from other threads are gathered in. */
    private static final int BATCH_BYTES = 16 * 1024;
    /** Envelopes up to this size are written through a per-thread array, then copied into the buffer. */
    private static final int SMALL_ENVELOPE = 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SMALL_ENVELOPE]);

    private final Channel channel;
    private final int maxFrameBytes;
    private final int maxPendingWriteBytes;
    private final BooleanSupplier open;
    /** Frames sent from threads other than the event loop, not yet handed to Netty. Guarded by lock. */
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private final Object lock = new Object();
    /** Bytes in {@link #pending}; written under lock. */
    private volatile long queuedBytes;
    /** Guarded by lock. */
    private boolean drainScheduled;
    private final Runnable drainTask = this::drain;
    private final Object room = new Object();
    /** Event loop only. */
    private boolean inRead;
    private boolean flushAfterRead;

    /**
     * @param open whether the link accepts envelopes; read before and while a sender waits, so a closed link
     *             releases its blocked senders (after {@link #signalRoom}).
     */
    OutboundQueue(Channel channel, int maxFrameBytes, int maxPendingWriteBytes, BooleanSupplier open) {
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
        this.maxPendingWriteBytes = maxPendingWriteBytes;
        this.open = open;
    }

    /**
     * Encodes and queues the envelopes as one batch, blocking while the queue is full.
     *
     * @return {@code false} if the link is closed (or closes while this waits), or the thread is interrupted
     *         while it waits (its interrupt status is set again).
     * @throws FrameTooLargeException if an envelope is over {@code max-frame-size}; nothing is sent then.
     */
    boolean send(List<Envelope> envelopes) {
        int[] sizes = sizes(envelopes);
        int total = sizes[envelopes.size()];
        if (!open.getAsBoolean()) {
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
        synchronized (lock) {
            if (!open.getAsBoolean()) {
                return false;
            }
            // Appended to the last pending buffer while it has room, so a burst of small messages reaches Netty as
            // a few large buffers: one outbound entry and one copy per batch.
            ByteBuf tail = pending.peekLast();
            if (tail == null || tail.capacity() - tail.writerIndex() < total) {
                tail = channel.alloc().buffer(Math.max(total, BATCH_BYTES));
                pending.add(tail);
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

    /** The link starts handing a received envelope to its handler: flushes wait for {@link #readComplete}. */
    void enterRead() {
        inRead = true;
    }

    /** The handler returned. */
    void exitRead() {
        inRead = false;
    }

    /** The channel's read is over: flushes what the handler wrote during it. */
    void readComplete() {
        if (flushAfterRead) {
            flushAfterRead = false;
            channel.flush();
        }
    }

    /** Wakes the senders waiting for room, to look again; any thread. */
    void signalRoom() {
        synchronized (room) {
            room.notifyAll();
        }
    }

    /** Writes everything pending, without a flush; for a closing link. */
    void writePending() {
        for (ByteBuf b : take()) {
            channel.write(b, channel.voidPromise());
        }
    }

    /** Drops everything pending; for a closed channel. */
    void releasePending() {
        for (ByteBuf b : take()) {
            b.release();
        }
    }

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

    private boolean full() {
        return queuedBytes >= maxPendingWriteBytes || !channel.isWritable();
    }

    private boolean awaitRoom() {
        while (open.getAsBoolean() && full()) {
            synchronized (room) {
                if (open.getAsBoolean() && full()) {
                    try {
                        room.wait(ROOM_WAIT_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        }
        return open.getAsBoolean();
    }

    /** Takes every pending buffer, in order. */
    private List<ByteBuf> take() {
        synchronized (lock) {
            drainScheduled = false;
            if (pending.isEmpty()) {
                return List.of();
            }
            List<ByteBuf> taken = new ArrayList<>(pending);
            pending.clear();
            queuedBytes = 0;
            return taken;
        }
    }

    private void drain() {
        List<ByteBuf> taken = take();
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
}
