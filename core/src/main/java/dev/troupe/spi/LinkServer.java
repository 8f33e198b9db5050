package dev.troupe.spi;

/**
 * A listening endpoint created by {@link TransportProvider#listen}. Thread-safe.
 */
public interface LinkServer extends AutoCloseable {

    /**
     * The address workers connect to, with the transport's scheme: {@code pipe:/path}, {@code tcp://host:port}.
     *
     * @return the address, never {@code null}.
     */
    String address();

    /**
     * Stops accepting and removes any file the server created. Links already accepted stay open.
     * Idempotent.
     */
    @Override
    void close();
}
