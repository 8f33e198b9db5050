package dev.troupe.internal.node;

import dev.troupe.internal.Protocol;
import dev.troupe.internal.wire.Envelope;
import dev.troupe.internal.wire.Hello;
import dev.troupe.internal.wire.Welcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. Workers that dialled in over TCP ({@code troupe worker --connect}) and the pools that take them.
 * An arriving worker goes to the next pool that takes remote workers, in turn; with no such pool it waits here,
 * welcomed (so it sends heartbeats and its link stays up), until one opens. Thread-safe.
 */
final class RemoteWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteWorkers.class);

    /** A remote worker whose Hello was accepted, not yet in a pool. */
    record Arrival(NodeServer.Handshake handshake, Hello hello) {
        String describe() {
            return "remote worker " + hello.getWorkerId() + " (pid " + hello.getPid() + " on " + hello.getHost()
                + ", " + handshake.link.description() + ")";
        }
    }

    private final NodeSettings settings;
    private final String nodeId;
    private final List<ActorRef<PoolActor.Command>> pools = new ArrayList<>();
    private final ArrayDeque<Arrival> waiting = new ArrayDeque<>();
    private int turn;

    RemoteWorkers(NodeSettings settings, String nodeId) {
        this.settings = settings;
        this.nodeId = nodeId;
    }

    /** A remote worker passed the handshake. */
    synchronized void arrived(NodeServer.Handshake handshake, Hello hello) {
        Arrival a = new Arrival(handshake, hello);
        if (pools.isEmpty()) {
            waiting.add(a);
            handshake.link.send(welcome());
            LOG.info("{} joined; it waits for a pool that takes remote workers", a.describe());
            return;
        }
        pools.get(turn++ % pools.size()).tell(new PoolActor.AdoptRemote(a));
    }

    /** A waiting worker's link closed. */
    synchronized void left(NodeServer.Handshake handshake) {
        waiting.removeIf(a -> a.handshake() == handshake);
    }

    /** A pool that takes remote workers opened: it gets those waiting. */
    synchronized void addPool(ActorRef<PoolActor.Command> pool) {
        pools.add(pool);
        Arrival a;
        while ((a = waiting.poll()) != null) {
            if (a.handshake().link.isOpen()) {
                pool.tell(new PoolActor.AdoptRemote(a));
            }
        }
    }

    /** The pool is closing: no more workers for it. */
    synchronized void removePool(ActorRef<PoolActor.Command> pool) {
        pools.remove(pool);
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    /** Keeps the links of waiting workers from going idle; run every heartbeat interval. */
    synchronized void beat() {
        Envelope beat = Envelope.newBuilder().setHeartbeat(dev.troupe.internal.wire.Heartbeat.newBuilder()
            .setSentAt(System.nanoTime())).build();
        for (Arrival a : waiting) {
            a.handshake().link.send(beat);
        }
    }

    /** The node is closing: waiting workers are let go (they try to join again, with back-off). */
    synchronized void close() {
        pools.clear();
        Arrival a;
        while ((a = waiting.poll()) != null) {
            a.handshake().link.send(Envelope.newBuilder().setShutdown(dev.troupe.internal.wire.Shutdown.newBuilder()
                .setReason("node closing")).build());
            a.handshake().link.close();
        }
    }

    Envelope welcome() {
        return Envelope.newBuilder().setWelcome(Welcome.newBuilder()
            .setProtocolVersion(Protocol.VERSION)
            .setNodeId(nodeId)
            .setHeartbeatIntervalMs((int) settings.heartbeatInterval.toMillis())
            .setLivenessTimeoutMs((int) settings.livenessTimeout.toMillis())
            .setMaxFrameBytes(settings.maxFrameBytes)).build();
    }
}
