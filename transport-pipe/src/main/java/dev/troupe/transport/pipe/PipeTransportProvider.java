package dev.troupe.transport.pipe;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Named pipes over Unix domain sockets. Addresses look like {@code pipe:/tmp/troupe-123-abc/node-1.sock}.
 */
public final class PipeTransportProvider implements TransportProvider {

    /** The name and address scheme of this transport. */
    public static final String NAME = "pipe";

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    @Override
    public LinkServer listen(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        return PipeLinkServer.start(settings, acceptor);
    }

    @Override
    public Link connect(String address, TransportSettings settings) throws IOException {
        Path path = pathOf(address);
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path));
        return new PipeLink(channel, address, settings);
    }

    static Path pathOf(String address) {
        if (!address.startsWith(NAME + ":")) {
            throw new IllegalArgumentException("not a pipe address (pipe:/path): " + address);
        }
        return Path.of(address.substring(NAME.length() + 1));
    }

    private static Throwable probe() {
        try {
            SocketChannel.open(StandardProtocolFamily.UNIX).close();
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return e;
        }
    }
}
