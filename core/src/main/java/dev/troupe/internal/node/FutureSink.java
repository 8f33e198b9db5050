package dev.troupe.internal.node;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** INTERNAL API. Completes a future with what {@code outputs} maps to: the single output, or the whole chunk. */
final class FutureSink<T> implements TaskSink {
    private final CompletableFuture<T> future;
    private final Function<List<Object>, T> outcome;

    FutureSink(CompletableFuture<T> future, Function<List<Object>, T> outcome) {
        this.future = future;
        this.outcome = outcome;
    }

    @SuppressWarnings("unchecked")
    static <O> FutureSink<O> single(CompletableFuture<O> future) {
        return new FutureSink<>(future, outputs -> (O) outputs.get(0));
    }

    @Override
    public void succeed(List<Object> outputs) {
        future.complete(outcome.apply(outputs));
    }

    @Override
    public void fail(Throwable error) {
        future.completeExceptionally(error);
    }

    @Override
    public boolean isDone() {
        return future.isDone();
    }
}
