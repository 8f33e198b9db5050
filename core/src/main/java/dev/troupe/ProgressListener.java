package dev.troupe;

/**
 * Hears how far a {@link Pool#map} or {@link Pool#imap} has come. Called from Troupe's threads, possibly
 * concurrently for different calls; keep it short and thread-safe.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param done  inputs whose outputs have arrived so far.
     * @param total all inputs of the call, or -1 when unknown (an {@code imap} over an iterator).
     */
    void onProgress(long done, long total);
}
