package dev.troupe.internal.objects;

import dev.troupe.TroupeException;
import dev.troupe.internal.BriefPoll;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API. A backend that sends calls one way and gets replies another: it matches replies to waiting callers
 * by call id, bounds each wait, and fails every waiting caller when the way to the host closes.
 */
public abstract class PendingCalls implements ObjectBackend {
    /** How long a call waits for its reply. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final PayloadCodec codec;
    private final ClassLoader loader;
    private final Map<Long, CompletableFuture<ObjectReply>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile String closed;

    /**
     * @param codec  the codec of this process's values.
     * @param loader the class loader values decode with.
     */
    protected PendingCalls(PayloadCodec codec, ClassLoader loader) {
        this.codec = codec;
        this.loader = loader;
    }

    /**
     * Sends a call on its way to the host.
     *
     * @param call the call, with its id.
     */
    protected abstract void send(ObjectCall call);

    @Override
    public final ObjectReply call(ObjectCall.Builder call) {
        long id = ids.incrementAndGet();
        CompletableFuture<ObjectReply> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            String why = closed;
            if (why != null) {
                throw new TroupeException("cannot reach the managed objects of " + where() + ": " + why);
            }
            send(call.setCallId(id).build());
            BriefPoll.await(reply, BriefPoll.POLL_NANOS); // the answer of a call is usually due within that
            ObjectReply r = reply.get(CALL_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            if (!r.getError().isEmpty()) {
                throw new TroupeException(call.getObject().replaceFirst(":", " ") + ": " + r.getError());
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TroupeException("interrupted while waiting for " + where() + " to answer a call on "
                + call.getObject(), e);
        } catch (TimeoutException e) {
            throw new TroupeException(where() + " did not answer a call on " + call.getObject() + " within "
                + CALL_TIMEOUT.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw new TroupeException("cannot reach the managed objects of " + where() + ": "
                + e.getCause().getMessage(), e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /**
     * Hands a reply to its caller; a reply nobody waits for any more is dropped.
     *
     * @param reply the reply.
     */
    public final void complete(ObjectReply reply) {
        CompletableFuture<ObjectReply> waiting = pending.get(reply.getCallId());
        if (waiting != null) {
            waiting.complete(reply);
        }
    }

    /**
     * Fails every waiting call, and every later one.
     *
     * @param why why the host cannot be reached any more.
     */
    public final void close(String why) {
        closed = why;
        for (CompletableFuture<ObjectReply> f : pending.values()) {
            f.completeExceptionally(new TroupeException(why));
        }
    }

    @Override
    public final PayloadCodec codec() {
        return codec;
    }

    @Override
    public final ClassLoader loader() {
        return loader;
    }
}
