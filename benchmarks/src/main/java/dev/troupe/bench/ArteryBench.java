package dev.troupe.bench;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Props;

/**
 * Pekko Artery remoting over TCP between two JVMs on 127.0.0.1, the yardstick for a TCP transport: the round
 * trip of a 64-byte {@code byte[]} and the one-way, flow-controlled throughput of 64-byte {@code byte[]}s, with a
 * classic actor at each end and {@link ArteryPeer} in the child. The configuration is {@link ArteryPeer#config()}.
 * Usage: {@code ArteryBench [PINGS [MESSAGES]]} runs both once and prints JSON lines.
 */
final class ArteryBench {
    /** Batches of {@link ArteryPeer#ACK_EVERY} the throughput sender lets go unacknowledged. */
    static final int WINDOW = 8;
    private static final int SIZE = 64;
    private static final long TIMEOUT_SECONDS = 120;

    private ArteryBench() {
    }

    public static void main(String[] args) throws Exception {
        int pings = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        double[] rtt = pingPong(pings, pings);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "artery_tcp_pingpong_64B");
        m.put("unit", "us");
        m.put("p50", rtt[0]);
        m.put("p99", rtt[1]);
        m.put("pings", pings);
        System.out.println(Json.line(m));
        m = new LinkedHashMap<>();
        m.put("bench", "artery_tcp_throughput_64B");
        m.put("unit", "msgs/s");
        m.put("artery_tcp", throughput(messages));
        m.put("messages", messages);
        m.put("window", WINDOW * ArteryPeer.ACK_EVERY);
        System.out.println(Json.line(m));
    }

    /**
     * Round trips of a 64-byte {@code byte[]} to an echoing actor in a child JVM, timed by the sending actor
     * (a reply's arrival sends the next ping), after {@code warm} untimed ones: {@code {p50, p99}} in µs.
     */
    static double[] pingPong(int warm, int pings) throws Exception {
        if (warm < 0 || pings <= 0) {
            throw new IllegalArgumentException("warm >= 0 and pings > 0 required: " + warm + ", " + pings);
        }
        try (Session s = Session.start("echo", hello -> Props.create(Pinger.class, () -> new Pinger(hello)))) {
            if (warm > 0) {
                s.ask(new Pinger.Run(s.peer, warm, new CompletableFuture<>()), Pinger.Run::done, "warm-up pings");
            }
            long[] ns = s.ask(new Pinger.Run(s.peer, pings, new CompletableFuture<>()), Pinger.Run::done, "pings");
            return Percentiles.of(ns);
        }
    }

    /**
     * One-way 64-byte {@code byte[]}s to a counting actor in a child JVM, at most {@link #WINDOW} batches of
     * {@link ArteryPeer#ACK_EVERY} unacknowledged (Artery drops what overflows its outbound queue), after one
     * untimed round of the same size: messages per second from the first send to the last ack.
     *
     * @throws IllegalArgumentException if {@code messages} is not a positive multiple of {@link ArteryPeer#ACK_EVERY}
     */
    static double throughput(int messages) throws Exception {
        if (messages <= 0 || messages % ArteryPeer.ACK_EVERY != 0) {
            throw new IllegalArgumentException("messages must be a positive multiple of " + ArteryPeer.ACK_EVERY
                + ": " + messages);
        }
        try (Session s = Session.start("sink", hello -> Props.create(Pusher.class, () -> new Pusher(hello)))) {
            s.ask(new Pusher.Push(s.peer, messages, new CompletableFuture<>()), Pusher.Push::done, "warm-up round");
            long ns = s.ask(new Pusher.Push(s.peer, messages, new CompletableFuture<>()), Pusher.Push::done,
                "timed round");
            return messages / (ns / 1e9);
        }
    }

    /** This side's actor system and driver actor, and the child JVM with its peer actor. */
    private static final class Session implements AutoCloseable {
        private final ActorSystem system;
        private ActorRef driver;
        private Process child;
        private ActorRef peer;

        private Session(ActorSystem system) {
            this.system = system;
        }

        /** Starts the system, the driver made by {@code driverProps} and the child, and waits for its hello. */
        static Session start(String mode, Function<CompletableFuture<ActorRef>, Props> driverProps)
            throws Exception {
            Session s = new Session(ActorSystem.create("ArteryBench", ArteryPeer.config()));
            try {
                CompletableFuture<ActorRef> hello = new CompletableFuture<>();
                s.driver = s.system.actorOf(driverProps.apply(hello), "driver");
                // The full path carries the port the system bound (canonical.port = 0).
                String path = s.driver.path()
                    .toStringWithAddress(((ExtendedActorSystem) s.system).provider().getDefaultAddress());
                s.child = javaProcess(path, mode);
                s.peer = s.await(hello, "its hello");
                return s;
            } catch (Throwable t) {
                try {
                    s.close();
                } catch (Exception e) {
                    t.addSuppressed(e);
                }
                throw t;
            }
        }

        /** Tells the driver {@code command} and waits for the future it carries. */
        <C, T> T ask(C command, Function<C, CompletableFuture<T>> reply, String what) throws Exception {
            driver.tell(command, ActorRef.noSender());
            return await(reply.apply(command), what);
        }

        /** Waits for {@code f}, failing at once if the child exits first and after the time-out at the latest. */
        private <T> T await(CompletableFuture<T> f, String what) throws Exception {
            child.onExit().thenRun(() -> f.completeExceptionally(new IllegalStateException(
                "the Artery peer exited with status " + child.exitValue() + " before " + what)));
            try {
                return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(what + " did not come within " + TIMEOUT_SECONDS + " s", e);
            }
        }

        @Override
        public void close() throws ExecutionException, TimeoutException {
            try {
                if (child != null) {
                    stopChild();
                }
            } finally {
                ArteryPeer.terminateQuietly(system);
                try {
                    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void stopChild() {
            try {
                child.getOutputStream().close(); // the peer's signal to terminate its system and exit
            } catch (IOException ignored) {
                // it is gone already
            }
            try {
                child.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                child.destroyForcibly();
            }
        }
    }

    /** Sends a ping, and the next one when the echo arrives, timing each round trip. */
    private static final class Pinger extends AbstractActor {
        /** Sends {@code n} pings to {@code peer}; {@code done} gets the round trips in ns. */
        record Run(ActorRef peer, int n, CompletableFuture<long[]> done) {
        }

        private final CompletableFuture<ActorRef> hello;
        private final byte[] ping = new byte[SIZE];
        private Run run;
        private long[] samples;
        private int sampled;
        private long sentAt;

        Pinger(CompletableFuture<ActorRef> hello) {
            this.hello = hello;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder()
                .matchEquals(ArteryPeer.HELLO, h -> hello.complete(getSender()))
                .match(Run.class, this::onRun)
                .match(byte[].class, this::onPong)
                .build();
        }

        private void onRun(Run r) {
            run = r;
            samples = new long[r.n()];
            sampled = 0;
            sentAt = System.nanoTime();
            r.peer().tell(ping, getSelf());
        }

        private void onPong(byte[] pong) {
            samples[sampled++] = System.nanoTime() - sentAt;
            if (sampled == samples.length) {
                run.done().complete(samples);
                return;
            }
            sentAt = System.nanoTime();
            run.peer().tell(ping, getSelf());
        }
    }

    /** Sends batches while fewer than {@link #WINDOW} are unacknowledged, timing the whole round. */
    private static final class Pusher extends AbstractActor {
        /** Sends {@code messages} to {@code peer}; {@code done} gets the ns from the first send to the last ack. */
        record Push(ActorRef peer, int messages, CompletableFuture<Long> done) {
        }

        private final CompletableFuture<ActorRef> hello;
        private final byte[] message = new byte[SIZE];
        private Push push;
        private int unsentBatches;
        private int unackedBatches;
        private long startedAt;

        Pusher(CompletableFuture<ActorRef> hello) {
            this.hello = hello;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder()
                .matchEquals(ArteryPeer.HELLO, h -> hello.complete(getSender()))
                .match(Push.class, this::onPush)
                .match(Integer.class, this::onAck)
                .build();
        }

        private void onPush(Push p) {
            push = p;
            unsentBatches = p.messages() / ArteryPeer.ACK_EVERY;
            unackedBatches = 0;
            startedAt = System.nanoTime();
            while (unackedBatches < WINDOW && unsentBatches > 0) {
                sendBatch();
            }
        }

        private void onAck(Integer acked) {
            unackedBatches--;
            if (unsentBatches > 0) {
                sendBatch();
            } else if (unackedBatches == 0) {
                push.done().complete(System.nanoTime() - startedAt);
            }
        }

        private void sendBatch() {
            for (int i = 0; i < ArteryPeer.ACK_EVERY; i++) {
                push.peer().tell(message, getSelf());
            }
            unsentBatches--;
            unackedBatches++;
        }
    }

    private static Process javaProcess(String driverPath, String mode) throws IOException {
        // Serial GC with a fixed heap: the peer keeps almost nothing alive, so a young collection is short, and no
        // concurrent GC threads compete for a small machine's cores; a fixed heap never pauses to resize. This
        // side keeps the GC the benchmark JVM was started with.
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(),
            "-XX:+UseSerialGC", "-Xms256m", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), ArteryPeer.class.getName(), driverPath, mode);
        // Standard input stays a pipe: closing it, or this JVM dying, stops the peer.
        return new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    }
}
