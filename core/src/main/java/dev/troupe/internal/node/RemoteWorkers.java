package dev.troupe.internal.node;

import dev.troupe.wire.WireProtocol;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.Hello;
import dev.troupe.wire.Welcome;
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
    /** Arrivals told to a pool that has not yet said it took them: if that pool stops first, they wait again. */
    private final java.util.Map<Arrival, ActorRef<PoolActor.Command>> handedOver = new java.util.HashMap<>();
    private int turn;
    private boolean closed;

    RemoteWorkers(NodeSettings settings, String nodeId) {
        this.settings = settings;
        this.nodeId = nodeId;
    }

    /** A remote worker passed the handshake. */
    void arrived(NodeServer.Handshake handshake, Hello hello) {
        Arrival a = new Arrival(handshake, hello);
        boolean release;
        boolean wait = false;
        synchronized (this) {
            release = closed;
            if (!closed) {
                wait = !handTo(a);
            }
        }
        if (release) {
            release(a, "node closing");
        } else if (wait) {
            handshake.link.send(welcome());
            LOG.info("{} joined; it waits for a pool that takes remote workers", a.describe());
        }
    }

    /** Gives the arrival to the next pool in turn, or parks it; false when parked. Holding the lock. */
    private boolean handTo(Arrival a) {
        if (pools.isEmpty()) {
            waiting.add(a);
            return false;
        }
        ActorRef<PoolActor.Command> pool = pools.get(Math.floorMod(turn++, pools.size()));
        handedOver.put(a, pool);
        pool.tell(new PoolActor.AdoptRemote(a));
        return true;
    }

    /** The pool took the arrival, or let it go. */
    synchronized void settled(Arrival a) {
        handedOver.remove(a);
    }

    /** The pool stopped: arrivals it never saw go to another pool or wait. */
    void poolStopped(ActorRef<PoolActor.Command> pool) {
        List<Arrival> orphans = new ArrayList<>();
        synchronized (this) {
            pools.remove(pool);
            handedOver.entrySet().removeIf(e -> {
                if (e.getValue().equals(pool)) {
                    orphans.add(e.getKey());
                    return true;
                }
                return false;
            });
        }
        for (Arrival a : orphans) {
            if (a.handshake().link.isOpen()) {
                arrived(a.handshake(), a.hello());
            }
        }
    }

    private static void release(Arrival a, String reason) {
        a.handshake().link.send(Envelope.newBuilder().setShutdown(dev.troupe.wire.Shutdown.newBuilder()
            .setReason(reason)).build());
        a.handshake().link.close();
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
                handedOver.put(a, pool);
                pool.tell(new PoolActor.AdoptRemote(a));
            }
        }
    }

    /** The pool is closing: no more workers for it. */
    synchronized void removePool(ActorRef<PoolActor.Command> pool) {
        pools.remove(pool);
    }

    /** Keeps the links of waiting workers from going idle; run every heartbeat interval. */
    void beat() {
        List<Arrival> now;
        synchronized (this) {
            now = new ArrayList<>(waiting);
        }
        // Sent outside the lock: a send may wait on a slow peer, and arrivals need the lock.
        Envelope beat = Envelope.newBuilder().setHeartbeat(dev.troupe.wire.Heartbeat.newBuilder()
            .setSentAt(System.nanoTime())).build();
        for (Arrival a : now) {
            a.handshake().link.send(beat);
        }
    }

    /** The node is closing: waiting workers are let go (they try to join again, with back-off). */
    void close() {
        List<Arrival> now;
        synchronized (this) {
            closed = true;
            pools.clear();
            now = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Arrival a : now) {
            release(a, "node closing");
        }
    }

    Envelope welcome() {
        return Envelope.newBuilder().setWelcome(Welcome.newBuilder()
            .setProtocolVersion(WireProtocol.VERSION)
            .setNodeId(nodeId)
            .setHeartbeatIntervalMs((int) settings.heartbeatInterval.toMillis())
            .setLivenessTimeoutMs((int) settings.livenessTimeout.toMillis())
            .setMaxFrameBytes(settings.maxFrameBytes)).build();
    }
}
