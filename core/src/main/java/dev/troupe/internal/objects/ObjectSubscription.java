package dev.troupe.internal.objects;

import com.google.protobuf.ByteString;
import dev.troupe.TopicSubscription;
import dev.troupe.TroupeException;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * INTERNAL API. A subscription to a cluster-wide topic, kept at the node its handle talks to: each receive fetches up
 * to {@link #BATCH} waiting messages in one call and hands them out one by one. Receives are synchronized; closing
 * is not, so it wakes a blocked receive (within a second) rather than waiting for it.
 *
 * @param <T> the type of the messages.
 */
final class ObjectSubscription<T> implements TopicSubscription<T> {
    /** The most messages one call fetches. */
    static final int BATCH = 256;

    private final ObjectTopic<T> topic;
    private final long id;
    private final ArrayDeque<ByteString> fetched = new ArrayDeque<>();
    private volatile long lost;
    private volatile boolean closed;
    private final AtomicBoolean unsubscribed = new AtomicBoolean();

    ObjectSubscription(ObjectTopic<T> topic, long id) {
        this.topic = topic;
        this.id = id;
    }

    @Override
    public synchronized T poll() {
        try {
            return receiveNanos(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public T receive() throws InterruptedException {
        return receiveNanos(Long.MAX_VALUE);
    }

    @Override
    public T receive(Duration timeout) throws InterruptedException {
        return receiveNanos(timeout.toNanos());
    }

    private synchronized T receiveNanos(long nanos) throws InterruptedException {
        checkOpen();
        long deadline = Messages.deadline(nanos);
        while (fetched.isEmpty()) {
            long wait = Math.max(0, Math.min(Messages.WAIT_SLICE_NANOS, deadline - System.nanoTime()));
            ObjectReply r;
            try {
                r = Messages.callInterruptibly(topic.backend(), topic.call(Op.TOPIC_RECEIVE).setIndex(id)
                    .setMaxMessages(BATCH).setTimeoutNanos(wait));
            } catch (TroupeException e) {
                checkOpen(); // closed meanwhile: the node ended the waiting receive
                throw e;
            }
            lost = r.getCount();
            fetched.addAll(r.getItemsList());
            if (fetched.isEmpty()) {
                checkOpen();
                if (deadline - System.nanoTime() <= 0) {
                    return null;
                }
            }
        }
        return Messages.decode(topic.backend(), fetched.poll(), topic.type(), topic.toString(),
            "the subscription skips it");
    }

    @Override
    public long lost() {
        return lost;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this subscription to " + topic + " is closed");
        }
        topic.checkOpen();
    }

    /**
     * Ends the subscription at its node; a receive blocked in another thread throws {@link IllegalStateException}.
     * When the node cannot be reached, the node drops the subscription itself once nobody reads from it
     * ({@code troupe.cluster.messaging.subscriber-idle-timeout}).
     */
    @Override
    public void close() {
        closed = true;
        if (unsubscribed.compareAndSet(false, true)) {
            try {
                topic.backend().call(topic.call(Op.TOPIC_UNSUBSCRIBE).setIndex(id));
            } catch (RuntimeException e) {
                // the node is gone or closing: it drops the subscription with itself, or as idle
            }
        }
    }
}
