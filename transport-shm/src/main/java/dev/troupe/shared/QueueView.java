package dev.troupe.shared;

import java.time.Duration;
import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** {@link Queue#asBlockingQueue()}: a {@link BlockingQueue} over one handle. */
final class QueueView<T> extends AbstractQueue<T> implements BlockingQueue<T> {
    private final Queue<T> queue;

    QueueView(Queue<T> queue) {
        this.queue = queue;
    }

    @Override
    public void put(T value) throws InterruptedException {
        queue.put(value);
    }

    @Override
    public boolean offer(T value, long timeout, TimeUnit unit) throws InterruptedException {
        return queue.put(value, Duration.ofNanos(unit.toNanos(timeout)));
    }

    @Override
    public boolean offer(T value) {
        return queue.offer(value);
    }

    @Override
    public T take() throws InterruptedException {
        return queue.get();
    }

    @Override
    public T poll(long timeout, TimeUnit unit) throws InterruptedException {
        return queue.get(Duration.ofNanos(unit.toNanos(timeout)));
    }

    @Override
    public T poll() {
        return queue.poll();
    }

    @Override
    public T peek() {
        throw unsupported("peek");
    }

    @Override
    public int remainingCapacity() {
        int max = queue.maxMessages();
        return max == 0 ? Integer.MAX_VALUE : Math.max(0, max - queue.size());
    }

    @Override
    public int drainTo(Collection<? super T> to) {
        return drainTo(to, Integer.MAX_VALUE);
    }

    @Override
    public int drainTo(Collection<? super T> to, int most) {
        Objects.requireNonNull(to, "to");
        if (to == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        int n = 0;
        T value;
        while (n < most && (value = queue.poll()) != null) {
            to.add(value);
            n++;
        }
        return n;
    }

    @Override
    public int size() {
        return queue.size();
    }

    @Override
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    public Iterator<T> iterator() {
        throw unsupported("iterator");
    }

    @Override
    public boolean contains(Object o) {
        throw unsupported("contains");
    }

    @Override
    public boolean remove(Object o) {
        throw unsupported("remove(Object)");
    }

    @Override
    public Object[] toArray() {
        throw unsupported("toArray");
    }

    @Override
    public <A> A[] toArray(A[] a) {
        throw unsupported("toArray");
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(what + " is not supported by " + queue
            + ": a shared queue only gives out messages from its head");
    }

    @Override
    public String toString() {
        return queue.toString();
    }
}
