package dev.troupe.spi;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A way for two processes to exchange {@link dev.troupe.wire.Envelope}s, registered in
 * {@code META-INF/services/dev.troupe.spi.TransportProvider} and chosen by {@link #name()}
 * (configuration key {@code troupe.transport}).
 *
 * <p>Implementations are thread-safe and stateless apart from what they hold for open servers and links.
 */
public interface TransportProvider {

    /**
     * The short name users select this transport by, also the scheme of its addresses ({@code pipe} in
     * {@code pipe:/run/troupe/node.sock}).
     *
     * @return a lower-case name, never {@code null}.
     */
    String name();

    /**
     * The provider used when configuration says {@code troupe.transport = auto}: the available provider with
     * the highest priority wins.
     *
     * @return the priority; higher is preferred.
     */
    int priority();

    /**
     * Whether this transport can work on this machine (operating system, native libraries).
     *
     * @return {@code true} when {@link #listen} and {@link #connect} may be called.
     */
    boolean isAvailable();

    /**
     * Why {@link #isAvailable()} is false.
     *
     * @return the cause, or {@code null} when the transport is available.
     */
    Throwable unavailabilityCause();

    /**
     * Starts accepting links. Each accepted link is handed to {@code acceptor} before it delivers any
     * envelope; the acceptor must call {@link Link#start} on it. The acceptor is called from a transport
     * thread, never concurrently with itself.
     *
     * @param settings where to listen and the limits to apply.
     * @param acceptor receives each new link.
     * @return the listening server; closing it stops accepting and removes what it created on disk.
     * @throws IOException when the server cannot be created.
     */
    LinkServer listen(TransportSettings settings, Consumer<Link> acceptor) throws IOException;

    /**
     * Connects to a server started by {@link #listen}.
     *
     * @param address  an address returned by {@link LinkServer#address()}.
     * @param settings the limits to apply.
     * @return a link that is not yet started.
     * @throws IOException when the connection cannot be made.
     */
    Link connect(String address, TransportSettings settings) throws IOException;
}
