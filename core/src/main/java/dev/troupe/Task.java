package dev.troupe;

import java.io.Serializable;

/**
 * A function that runs in another process. Lambdas and method references that target this interface are
 * serializable, so {@code x -> x * x} and {@code Hash::sha256} work; so does a class with a no-arg constructor
 * that implements it. What a lambda captures travels with it and must be serializable too.
 *
 * <p>The input and output cross the process boundary through Troupe's codecs: strings, boxed numbers,
 * booleans, characters, {@code byte[]}, enums, records, lists, sets, maps, protobuf messages, and other
 * {@link Serializable} values (Java serialization behind an {@link java.io.ObjectInputFilter}).
 *
 * @param <I> the input type.
 * @param <O> the output type.
 */
@FunctionalInterface
public interface Task<I, O> extends Serializable {

    /**
     * Runs the task in a worker process.
     *
     * @param input the input, decoded in the worker.
     * @return the output, sent back to the caller.
     * @throws Exception anything; the caller sees it as a {@link RemoteTaskException}.
     */
    O apply(I input) throws Exception;
}
