package dev.troupe.transport.pipe;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.support.UnixSocketServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Unix domain socket bound in the run directory, owner-only; each accepted connection becomes a
 * {@link PipeLink}.
 */
final class PipeLinkServer implements LinkServer {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final UnixSocketServer socket;
    private final String address;

    private PipeLinkServer(UnixSocketServer socket, String address) {
        this.socket = socket;
        this.address = address;
    }

    static PipeLinkServer start(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        Path path = settings.runDirectory().resolve("node-" + SEQUENCE.incrementAndGet() + ".sock")
            .toAbsolutePath();
        String address = PipeTransportProvider.NAME + ":" + path;
        UnixSocketServer socket = UnixSocketServer.start(path, address,
            channel -> acceptor.accept(new PipeLink(channel, address + " (accepted)", settings)));
        return new PipeLinkServer(socket, address);
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public void close() {
        socket.close();
    }
}
