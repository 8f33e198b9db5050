package dev.troupe.internal.node;

import dev.troupe.wire.WireProtocol;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Hello;
import dev.troupe.wire.Refused;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.LinkServer;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. Accepts worker links and runs the node's side of the handshake: the first frame must be a
 * {@code Hello} with this protocol version, the id of a worker this node is expecting and that worker's launch
 * token; anything else is refused with one log line and the link is closed. Other links are not affected.
 *
 * <p>A server that takes remote workers (TCP, whose links are authenticated by the transport before any
 * envelope) also accepts a {@code Hello} with no launch token: a worker started by hand on some host, handed to
 * {@link RemoteWorkers}.
 */
final class NodeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeServer.class);

    /** Receives a handshaken link; must start using it by calling {@link Handshake#attach}. */
    interface Registrant extends BiConsumer<Handshake, Hello> {
    }

    private record Expected(byte[] token, Registrant registrant) {
    }

    private final LinkServer server;
    private final String transportName;
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Duration handshakeTimeout;
    private volatile RemoteWorkers remote;

    NodeServer(TransportProvider provider, TransportSettings settings, ScheduledExecutorService timer,
               Duration handshakeTimeout) throws IOException {
        this.timer = timer;
        this.handshakeTimeout = handshakeTimeout;
        this.server = provider.listen(settings, this::accept);
        this.transportName = provider.name();
    }

    String transportName() {
        return transportName;
    }

    /** From now on, Hellos without a launch token are remote workers, handed to {@code workers}. */
    void acceptRemoteWorkers(RemoteWorkers workers) {
        this.remote = workers;
    }

    String address() {
        return server.address();
    }

    /** Expects a worker to connect with this id and token. */
    void expect(String workerId, byte[] token, Registrant registrant) {
        expected.put(workerId, new Expected(token.clone(), registrant));
    }

    /** Stops expecting a worker (it started, failed, or was stopped). */
    void forget(String workerId) {
        expected.remove(workerId);
    }

    private void accept(Link link) {
        Handshake h = new Handshake(link);
        link.start(h);
        timer.schedule(() -> {
            if (h.next == null && !h.fromRemote && link.isOpen()) {
                link.close(new MalformedFrameException("no Hello within " + handshakeTimeout.toMillis() + " ms"));
            }
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.close();
        expected.clear();
    }

    /** The handler of a link until its Hello is accepted; then it forwards to the worker's connection. */
    final class Handshake implements LinkHandler {
        final Link link;
        volatile LinkHandler next;
        /** A remote worker's Hello was accepted; it waits in {@link RemoteWorkers} for a pool. */
        volatile boolean fromRemote;

        Handshake(Link link) {
            this.link = link;
        }

        private boolean closed;
        private Throwable closedCause;

        /**
         * Routes everything after the Hello to {@code handler}; if the link closed before (a remote worker can go
         * while a pool is adopting it), the handler hears of the close now.
         */
        void attach(LinkHandler handler) {
            boolean wasClosed;
            Throwable cause;
            synchronized (this) {
                next = handler;
                wasClosed = closed;
                cause = closedCause;
            }
            if (wasClosed) {
                handler.onClosed(link, cause);
            }
        }

        @Override
        public void onEnvelope(Link l, Envelope e) {
            LinkHandler n = next;
            if (n != null) {
                n.onEnvelope(l, e);
                return;
            }
            if (fromRemote) {
                // Heartbeats and stats of a remote worker waiting for a pool.
                return;
            }
            if (e.getBodyCase() != Envelope.BodyCase.HELLO) {
                refuse(l, "expected Hello as the first frame, got " + e.getBodyCase());
                return;
            }
            Hello hello = e.getHello();
            if (hello.getProtocolVersion() != WireProtocol.VERSION) {
                refuse(l, "protocol version " + hello.getProtocolVersion() + " is not supported (this node speaks "
                    + WireProtocol.VERSION + ")");
                return;
            }
            RemoteWorkers r = NodeServer.this.remote;
            if (r != null && hello.getToken().isEmpty()) {
                fromRemote = true;
                r.arrived(this, hello);
                return;
            }
            Expected x = expected.remove(hello.getWorkerId());
            if (x == null || !MessageDigest.isEqual(x.token, hello.getToken().toByteArray())) {
                if (x != null) {
                    expected.put(hello.getWorkerId(), x);
                }
                refuse(l, "unknown worker id or wrong launch token for '" + hello.getWorkerId() + "'");
                return;
            }
            x.registrant.accept(this, hello);
        }

        private void refuse(Link l, String reason) {
            l.send(Envelope.newBuilder().setRefused(Refused.newBuilder().setReason(reason)).build());
            l.close(new MalformedFrameException(reason));
        }

        @Override
        public void onClosed(Link l, Throwable cause) {
            LinkHandler n;
            synchronized (this) {
                closed = true;
                closedCause = cause;
                n = next;
            }
            if (n != null) {
                n.onClosed(l, cause);
            } else if (fromRemote) {
                RemoteWorkers r = NodeServer.this.remote;
                if (r != null) {
                    r.left(this);
                }
                LOG.info("remote worker on {} left before a pool took it: {}", l.description(), String.valueOf(cause));
            } else if (cause instanceof MalformedFrameException) {
                LOG.warn("refused connection on {}: {}", l.description(), cause.getMessage());
            } else {
                LOG.debug("link {} closed before its handshake: {}", l.description(), String.valueOf(cause));
            }
        }
    }
}
