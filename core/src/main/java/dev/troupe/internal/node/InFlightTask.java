package dev.troupe.internal.node;

import com.google.protobuf.ByteString;

/**
 * INTERNAL API. One unit of work (a chunk of inputs for one function) from submission to outcome. Encoded once;
 * re-sent as is when it is retried on another worker.
 */
final class InFlightTask {
    final long taskId;
    final TaskFunction function;
    final ByteString inputs;
    final int size;
    final TaskSink sink;
    /** How many times a worker died while running this task; owned by the dispatching actor. */
    int crashes;
    /** How many times the node of the worker running this task was lost; owned by the dispatching actor. */
    int nodeFailovers;
    /** Order of dispatch on its current worker: the lowest in flight is the one running. */
    volatile long dispatchSequence;
    /**
     * Whether its result left the link's thread to be decoded: the worker is done with it, but its caller is not
     * answered yet, and its time-out still holds.
     */
    volatile boolean decoding;
    /** System.nanoTime() after which the task has timed out; 0 for none. Owned by the dispatching actor. */
    long deadlineNanos;

    InFlightTask(long taskId, TaskFunction function, ByteString inputs, int size, TaskSink sink) {
        this.taskId = taskId;
        this.function = function;
        this.inputs = inputs;
        this.size = size;
        this.sink = sink;
    }

    @Override
    public String toString() {
        return "task " + taskId + " (" + function.description() + ", " + size + " input" + (size == 1 ? "" : "s")
            + ")";
    }
}
