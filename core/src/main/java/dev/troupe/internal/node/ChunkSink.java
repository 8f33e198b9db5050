package dev.troupe.internal.node;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** INTERNAL API. Writes a chunk's outputs into the map's result array; the last chunk completes the map. */
final class ChunkSink implements TaskSink {
    private final Object[] results;
    private final int offset;
    private final AtomicInteger remaining;
    private final CompletableFuture<Void> done;
    private final Progress progress;

    ChunkSink(Object[] results, int offset, AtomicInteger remaining, CompletableFuture<Void> done,
              Progress progress) {
        this.results = results;
        this.offset = offset;
        this.remaining = remaining;
        this.done = done;
        this.progress = progress;
    }

    @Override
    public void succeed(List<Object> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            results[offset + i] = outputs.get(i);
        }
        progress.add(outputs.size());
        if (remaining.decrementAndGet() == 0) {
            done.complete(null);
        }
    }

    @Override
    public void fail(Throwable error) {
        done.completeExceptionally(error);
    }

    @Override
    public boolean isDone() {
        return done.isDone();
    }
}
