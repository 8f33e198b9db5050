package dev.troupe.internal.node;

import dev.troupe.ProgressListener;
import dev.troupe.TroupeException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * INTERNAL API. The iterator behind {@code imap}: the consuming thread reads inputs and submits chunks while fewer
 * than {@code maxOutstanding} are outstanding, so inputs and outputs held at once stay bounded. Not thread-safe,
 * like any iterator.
 */
final class LazyMap<O> implements Iterator<O> {
    private final NodeContext context;
    private final FastLane pool;
    private final TaskFunction function;
    private final Iterator<?> source;
    private final boolean ordered;
    private final int chunk;
    private final int maxOutstanding;
    private final ProgressListener listener;
    private final ArrayDeque<CompletableFuture<List<Object>>> inOrder = new ArrayDeque<>();
    private final LinkedBlockingQueue<CompletableFuture<List<Object>>> completed = new LinkedBlockingQueue<>();
    private final ArrayDeque<Object> ready = new ArrayDeque<>();
    private final AtomicLong doneCount = new AtomicLong();
    private int outstanding;

    LazyMap(NodeContext context, FastLane pool, TaskFunction function, Iterator<?> source,
            boolean ordered, int chunk, int maxOutstanding, ProgressListener listener) {
        this.context = context;
        this.pool = pool;
        this.function = function;
        this.source = source;
        this.ordered = ordered;
        this.chunk = chunk;
        this.maxOutstanding = maxOutstanding;
        this.listener = listener;
    }

    private void topUp() {
        while (outstanding < maxOutstanding && source.hasNext()) {
            List<Object> slice = new ArrayList<>(chunk);
            while (slice.size() < chunk && source.hasNext()) {
                slice.add(source.next());
            }
            CompletableFuture<List<Object>> f = new CompletableFuture<>();
            f.whenComplete((v, e) -> {
                if (v != null && listener != null) {
                    listener.onProgress(doneCount.addAndGet(v.size()), -1);
                }
                completed.add(f);
            });
            InFlightTask t = new InFlightTask(context.nextTaskId(), function, context.codec.encodeList(slice),
                slice.size(), new FutureSink<>(f, outputs -> outputs));
            inOrder.add(f);
            outstanding++;
            pool.enqueue(List.of(t));
        }
    }

    @Override
    public boolean hasNext() {
        while (ready.isEmpty()) {
            topUp();
            if (outstanding == 0) {
                return false;
            }
            CompletableFuture<List<Object>> next;
            if (ordered) {
                next = inOrder.poll();
            } else {
                try {
                    next = completed.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TroupeException("interrupted while waiting for imap results", e);
                }
                inOrder.remove(next);
            }
            outstanding--;
            try {
                ready.addAll(next.join());
            } catch (CompletionException e) {
                for (CompletableFuture<List<Object>> f : inOrder) {
                    f.cancel(false);
                }
                Throwable cause = e.getCause();
                throw cause instanceof RuntimeException ? (RuntimeException) cause
                    : new TroupeException("imap failed: " + cause, cause);
            }
        }
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return (O) ready.poll();
    }
}
