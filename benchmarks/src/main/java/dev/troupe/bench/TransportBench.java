package dev.troupe.bench;

import com.google.protobuf.ByteString;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.ManagedProcess;
import dev.troupe.wire.Envelope;
import dev.troupe.shared.Event;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.Payload;
import dev.troupe.wire.PayloadList;
import dev.troupe.wire.Payloads;
import dev.troupe.wire.Result;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkHandler;
import dev.troupe.spi.LinkServer;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.spi.support.NodeDirectories;
import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.Transports;
import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.FragmentHandler;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Link-level benchmarks between two processes: {@code shm_pingpong_64B}, {@code shm_throughput_64B},
 * {@code shm_bandwidth_1MiB} (each for shm and pipe, beside Python's {@code multiprocessing.Pipe}, Aeron IPC
 * and a raw Agrona ring), and {@code idle_worker_cpu}.
 */
final class TransportBench {
    private static final int PINGS = 20_000;
    /** Blocks of the shared-memory ping-pong in one repetition, and the timed and untimed round trips of a block. */
    private static final int BLOCKS = 60;
    private static final int BLOCK_PINGS = 2_000;
    private static final int BLOCK_WARM_PINGS = 500;
    private static final long BLOCK_PAUSE_MILLIS = 3;
    private static final int WARM_PINGS = 20_000;
    private static final int SMALL_MESSAGES = 1_000_000;
    private static final int BIG_MESSAGES = 500;
    private static final int MIB = 1024 * 1024;

    private TransportBench() {
    }

    static void run(int reps, PythonPeer python) throws Exception {
        for (int rep = 0; rep < reps; rep++) {
            pingPong(rep, python);
            Map<String, Double> queuePeer = python == null ? Map.of() : python.run("bench_queue.py", 300);
            Map<String, Double> bwPeer = python == null ? Map.of() : python.run("bench_pipe_bandwidth.py", 300);
            Map<String, Double> tput = new LinkedHashMap<>();
            Map<String, Double> bw = new LinkedHashMap<>();
            for (String transport : List.of("shm", "pipe")) {
                try (Endpoint sink = Endpoint.start(transport, "sink")) {
                    tput.put(transport, sink.throughput(SMALL_MESSAGES, 64));
                    bw.put(transport, sink.throughput(BIG_MESSAGES, MIB) * MIB / 1e6);
                }
            }
            Double pyTput = queuePeer.get("simplequeue_64B_n200k");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "shm_throughput_64B");
            m.put("rep", rep + 1);
            m.put("unit", "msgs/s");
            m.put("troupe", tput.get("shm"));
            m.put("pipe", tput.get("pipe"));
            m.put("python_simplequeue", pyTput);
            m.put("ratio_troupe_over_python", pyTput == null ? null : tput.get("shm") / pyTput);
            m.put("ratio_troupe_over_pipe", tput.get("shm") / tput.get("pipe"));
            m.put("peer", "python SimpleQueue (a Pipe with a lock) put/get of 64 bytes, one way");
            print(m);

            Double pyBw = bwPeer.get("pipe_bw_1MiB_duplex_sendbytes");
            m = new LinkedHashMap<>();
            m.put("bench", "shm_bandwidth_1MiB");
            m.put("rep", rep + 1);
            m.put("unit", "MB/s");
            m.put("troupe", bw.get("shm"));
            m.put("pipe", bw.get("pipe"));
            m.put("python_pipe", pyBw);
            m.put("ratio_troupe_over_python", pyBw == null ? null : bw.get("shm") / pyBw);
            m.put("peer", "python multiprocessing.Pipe send_bytes of 1 MiB, one way");
            print(m);
        }
        lockHandoff(reps, python);
        idleWorkerCpu();
    }

    /**
     * {@code shm_pingpong_64B}, repetition {@code rep}: the shm link beside the raw Agrona ring, Aeron IPC and the
     * link's own ring ({@code troupe_ring}), then the pipe link and Python. The link is timed twice: carrying the
     * serialized envelope as bytes ({@code troupe}: {@link Link#sendFrame} and {@link LinkHandler#onFrame}, the
     * transport's own work, as the ring and Aeron carry bytes), and parsing and re-encoding it at both ends
     * ({@code troupe_envelope}: the envelope codec's work added). Their peers are started once and stay up; the five
     * are then timed in {@link #BLOCKS} blocks of {@link #BLOCK_PINGS} round trips each,
     * taking turns (the order rotates every block), while the peers of the others back off to sleep. This machine's
     * two virtual CPUs move between placements where a raw ring round trip takes 0.35 µs and placements where it
     * takes 0.95 µs, often within a minute; blocks a few milliseconds apart share a placement, so each block compares
     * the five on one machine. The ratios are medians over the blocks; the percentiles pool every block's samples.
     */
    static void pingPong(int rep, PythonPeer python) throws Exception {
        Map<String, Double> pipePeer = python == null ? Map.of() : python.run("bench_pipe_pingpong.py", 120);
        String[] names = {"agrona_ring", "aeron_ipc", "troupe", "troupe_ring", "troupe_envelope"};
        long[][][] samples = new long[names.length][BLOCKS][];
        try (RingPingPong ring = RingPingPong.start(RingPeer.AGRONA); AeronPingPong aeron = AeronPingPong.start();
             Endpoint shm = Endpoint.start("shm", "echo-frames");
             RingPingPong shmRing = RingPingPong.start(RingPeer.TROUPE);
             Endpoint shmEnvelopes = Endpoint.start("shm", "echo")) {
            List<PingPong> contenders = List.of(ring, aeron, shm::pingSamples, shmRing, shmEnvelopes::pingSamples);
            for (PingPong c : contenders) {
                c.samples(WARM_PINGS, 1); // each JVM compiles its hot path before the first block
            }
            for (int block = 0; block < BLOCKS; block++) {
                for (int k = 0; k < names.length; k++) {
                    int c = (block + k) % names.length;
                    Thread.sleep(BLOCK_PAUSE_MILLIS); // the last contender's peers back off to sleep
                    samples[c][block] = contenders.get(c).samples(BLOCK_WARM_PINGS, BLOCK_PINGS);
                }
            }
        }
        double[] ringRtt = Percentiles.of(samples[0]);
        double[] aeronRtt = Percentiles.of(samples[1]);
        double[] shmRtt = Percentiles.of(samples[2]);
        double[] shmRingRtt = Percentiles.of(samples[3]);
        double[] shmEnvelopeRtt = Percentiles.of(samples[4]);
        int ahead = 0;
        for (int block = 0; block < BLOCKS; block++) {
            ahead += Percentiles.of(samples[2][block])[0] < Percentiles.of(samples[1][block])[0] ? 1 : 0;
        }
        double[] pipeRtt;
        try (Endpoint echo = Endpoint.start("pipe", "echo")) {
            pipeRtt = echo.pingPong();
        }
        Double pyP50 = pipePeer.get("pipe_pingpong_bytes_64B_p50");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "shm_pingpong_64B");
        m.put("rep", rep + 1);
        m.put("unit", "us");
        m.put("blocks", BLOCKS);
        m.put("block_pings", BLOCK_PINGS);
        m.put("troupe_p50", shmRtt[0]);
        m.put("troupe_p99", shmRtt[1]);
        m.put("pipe_p50", pipeRtt[0]);
        m.put("pipe_p99", pipeRtt[1]);
        m.put("agrona_ring_p50", ringRtt[0]);
        m.put("agrona_ring_p99", ringRtt[1]);
        m.put("aeron_ipc_p50", aeronRtt[0]);
        m.put("aeron_ipc_p99", aeronRtt[1]);
        m.put("troupe_ring_p50", shmRingRtt[0]);
        m.put("troupe_ring_p99", shmRingRtt[1]);
        m.put("troupe_envelope_p50", shmEnvelopeRtt[0]);
        m.put("troupe_envelope_p99", shmEnvelopeRtt[1]);
        m.put("python_pipe_p50", pyP50);
        m.put("python_pipe_p99", pipePeer.get("pipe_pingpong_bytes_64B_p99"));
        m.put("ratio_troupe_over_agrona_ring_p50", medianRatio(samples[2], samples[0]));
        m.put("ratio_aeron_over_troupe_p50", medianRatio(samples[1], samples[2]));
        m.put("blocks_troupe_ahead_of_aeron", ahead);
        m.put("ratio_troupe_ring_over_agrona_ring_p50", medianRatio(samples[3], samples[0]));
        m.put("ratio_aeron_over_troupe_ring_p50", medianRatio(samples[1], samples[3]));
        m.put("ratio_troupe_envelope_over_agrona_ring_p50", medianRatio(samples[4], samples[0]));
        m.put("ratio_aeron_over_troupe_envelope_p50", medianRatio(samples[1], samples[4]));
        m.put("ratio_python_over_troupe_p50", pyP50 == null ? null : pyP50 / shmRtt[0]);
        for (int c = 0; c < names.length; c++) {
            m.put(names[c] + "_share_over_5us", shareOver(samples[c], 5_000));
        }
        m.put("peer", "python multiprocessing.Pipe send_bytes/recv_bytes");
        m.put("what", "troupe: the shm link carrying a serialized 64-byte result envelope (Link.sendFrame, "
            + "LinkHandler.onFrame); troupe_envelope: the same link parsing and re-encoding it at both ends "
            + "(Link.send, LinkHandler.onEnvelope); troupe_ring: the link's ring alone; pipe: the pipe link, parsing");
        print(m);
    }

    /** The share of all blocks' round trips that took longer than {@code nanos}: the tail, which p99 hides. */
    private static double shareOver(long[][] blocks, long nanos) {
        long over = 0;
        long all = 0;
        for (long[] block : blocks) {
            for (long ns : block) {
                over += ns > nanos ? 1 : 0;
            }
            all += block.length;
        }
        return Math.round(over * 10_000.0 / all) / 10_000.0;
    }

    /** The median over blocks of one contender's p50 divided by another's in the same block. */
    private static double medianRatio(long[][] numerator, long[][] denominator) {
        double[] ratios = new double[numerator.length];
        for (int block = 0; block < ratios.length; block++) {
            ratios[block] = Percentiles.of(numerator[block])[0] / Percentiles.of(denominator[block])[0];
        }
        java.util.Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }

    /** One contender of the ping-pong: round-trip times in nanoseconds of {@code pings} after {@code warm} untimed. */
    @FunctionalInterface
    private interface PingPong {
        long[] samples(int warm, int pings) throws Exception;
    }

    /** Two processes handing control back and forth through two named auto-reset events. */
    static void lockHandoff(int reps, PythonPeer python) throws Exception {
        int warm = 500;
        int n = 10_000;
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> peer = python == null ? Map.of() : python.run("bench_event_pingpong.py", 120);
            String prefix = "bench-handoff-" + ProcessHandle.current().pid() + "-" + rep;
            long[] ns = new long[n];
            try (Event ping = Event.openAutoReset(prefix + "-ping");
                 Event pong = Event.openAutoReset(prefix + "-pong")) {
                Process child = javaProcess(EventPeer.class, prefix, String.valueOf(warm + n));
                try {
                    for (int i = 0; i < warm + n; i++) {
                        long t0 = System.nanoTime();
                        ping.set();
                        if (!pong.await(Duration.ofSeconds(60))) {
                            throw new IllegalStateException("the event peer stopped answering");
                        }
                        if (i >= warm) {
                            ns[i - warm] = System.nanoTime() - t0;
                        }
                    }
                } finally {
                    child.waitFor(10, TimeUnit.SECONDS);
                    child.destroyForcibly();
                    Event.unlink(prefix + "-ping");
                    Event.unlink(prefix + "-pong");
                }
            }
            double[] troupe = Percentiles.of(ns);
            double p50 = troupe[0];
            Double pyP50 = peer.get("event_pingpong_p50");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "lock_handoff");
            m.put("rep", rep + 1);
            m.put("unit", "us");
            m.put("troupe_p50", p50);
            m.put("troupe_p99", troupe[1]);
            m.put("python_p50", pyP50);
            m.put("python_p99", peer.get("event_pingpong_p99"));
            m.put("ratio_python_over_troupe_p50", pyP50 == null ? null : pyP50 / p50);
            m.put("peer", "python multiprocessing.Event ping-pong (set / wait / clear)");
            m.put("what", "two processes alternating through two named auto-reset events");
            print(m);
        }
    }

    /** One process at the other end of a link, and this side's end. */
    static final class Endpoint implements AutoCloseable, LinkHandler {
        private final Path dir;
        private final LinkServer server;
        private final Process child;
        private final Link link;
        /** Whether pings go out as bytes ({@link Link#sendFrame}) to a peer that echoes the bytes. */
        private final boolean frames;
        private volatile CompletableFuture<Envelope> reply = new CompletableFuture<>();
        // Ping-pong state: set before the first ping is sent, then touched only by the link's reader thread.
        private volatile long[] samples;
        private volatile CompletableFuture<Void> pingsDone;
        private int sampled;
        private long sentAt;
        private Envelope ping;
        /** The ping serialized, sent with {@link Link#sendFrame} when the peer echoes frames; otherwise null. */
        private ByteBuffer pingFrame;

        private Endpoint(Path dir, LinkServer server, Process child, Link link, boolean frames) {
            this.frames = frames;
            this.dir = dir;
            this.server = server;
            this.child = child;
            this.link = link;
        }

        static Endpoint start(String transport, String mode) throws Exception {
            Path dir = Files.createTempDirectory("troupe-bench-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Map<String, String> options = new LinkedHashMap<>();
            if (transport.equals("tcp")) {
                // The TCP transport authenticates both ends with a shared secret from an owner-only file.
                Path secret = dir.resolve("secret");
                Files.writeString(secret, Long.toHexString(new java.security.SecureRandom().nextLong())
                    + Long.toHexString(new java.security.SecureRandom().nextLong()),
                    java.nio.charset.StandardCharsets.UTF_8);
                Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
                options.put("secret-file", secret.toString());
            }
            TransportSettings settings = new TransportSettings(dir, TransportSettings.DEFAULT_MAX_FRAME_BYTES,
                TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES, options);
            LinkedBlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
            LinkServer server = Transports.find(transport).listen(settings, accepted::add);
            Process child = javaProcess(LinkPeer.class, server.address(), mode,
                dev.troupe.internal.WorkerLaunch.encodeOptions(options));
            Link link = accepted.poll(60, TimeUnit.SECONDS);
            if (link == null) {
                child.destroyForcibly();
                throw new IllegalStateException("the " + transport + " peer did not connect");
            }
            Endpoint e = new Endpoint(dir, server, child, link, mode.equals("echo-frames"));
            link.start(e);
            return e;
        }

        @Override
        public void onFrame(Link l, ByteBuffer body) throws MalformedFrameException {
            if (pingFrame != null && samples != null) {
                pong(l); // the reply's bytes are the ping's: nothing to read
            } else {
                LinkHandler.super.onFrame(l, body);
            }
        }

        @Override
        public void onEnvelope(Link l, Envelope e) {
            if (samples == null) {
                reply.complete(e);
            } else {
                pong(l);
            }
        }

        private void pong(Link l) {
            long[] ns = samples;
            ns[sampled++] = System.nanoTime() - sentAt;
            if (sampled == ns.length) {
                samples = null;
                pingsDone.complete(null);
                return;
            }
            sentAt = System.nanoTime();
            if (pingFrame != null) {
                l.sendFrame(pingFrame);
            } else {
                l.send(ping);
            }
        }

        @Override
        public void onClosed(Link l, Throwable cause) {
            Throwable why = cause == null ? new IllegalStateException("link closed") : cause;
            reply.completeExceptionally(why);
            CompletableFuture<Void> p = pingsDone;
            if (p != null) {
                p.completeExceptionally(why);
            }
        }

        /** Round trips driven from the reader thread: a reply's arrival sends the next ping. */
        double[] pingPong() throws Exception {
            return pingPong(WARM_PINGS, PINGS);
        }

        double[] pingPong(int warm, int pings) throws Exception {
            return Percentiles.of(pingSamples(warm, pings));
        }

        /** Round-trip times in nanoseconds of {@code pings} pings after {@code warm} unmeasured ones. */
        long[] pingSamples(int warm, int pings) throws Exception {
            ping = message(64, 1);
            pingFrame = frames ? ByteBuffer.wrap(ping.toByteArray()) : null;
            runPings(warm);
            return runPings(pings);
        }

        private long[] runPings(int n) throws Exception {
            long[] ns = new long[n];
            sampled = 0;
            pingsDone = new CompletableFuture<>();
            sentAt = System.nanoTime();
            samples = ns; // the volatile write publishes the fields above to the reader thread
            if (pingFrame != null) {
                link.sendFrame(pingFrame);
            } else {
                link.send(ping);
            }
            pingsDone.get(120, TimeUnit.SECONDS);
            return ns;
        }

        /** Sends {@code n} messages of {@code size} bytes one way, then asks for the count: messages per second. */
        double throughput(int n, int size) throws Exception {
            Envelope m = message(size, 2);
            Envelope ask = Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()).build();
            // Warm-up as long as the measured run: both JVMs reach their steady state (a scratch loop of
            // 1,000,000-message rounds ran at 1.4 M/s after 200,000 messages of warm-up and 2.4 M/s from the fourth).
            for (int warm = 0; warm < 3; warm++) {
                send(m, n, ask);
            }
            long t0 = System.nanoTime();
            send(m, n, ask);
            return n / ((System.nanoTime() - t0) / 1e9);
        }

        private void send(Envelope m, int n, Envelope ask) throws Exception {
            reply = new CompletableFuture<>();
            for (int i = 0; i < n; i++) {
                link.send(m);
            }
            link.send(ask);
            long counted = reply.get(120, TimeUnit.SECONDS).getHeartbeat().getSentAt();
            if (counted != n) {
                throw new IllegalStateException("the sink counted " + counted + " of " + n + " messages");
            }
        }

        @Override
        public void close() {
            link.close();
            if (!awaitExit(child)) {
                child.destroyForcibly();
            }
            server.close();
            deleteTree(dir);
        }
    }

    /** A task's result holding one value of {@code size} bytes, as a worker sends it. */
    private static Envelope message(int size, long id) {
        return Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(id).setOutputs(PayloadList.newBuilder()
            .setBoxed(Payloads.newBuilder().addItems(Payload.newBuilder().setData(ByteString.copyFrom(
                new byte[size])))).build().toByteString())).build();
    }

    /** Two processes, two rings in a /dev/shm file, both sides spinning while timed: the machine's limit. */
    private static final class RingPingPong implements PingPong, AutoCloseable {
        private final Path dir;
        private final RingPeer.Ring[] rings;
        private final Process child;
        private final UnsafeBuffer msg = new UnsafeBuffer(new byte[64]);
        private boolean got;
        private final MessageHandler pong = (type, buffer, index, length) -> got = true;

        private RingPingPong(Path dir, RingPeer.Ring[] rings, Process child) {
            this.dir = dir;
            this.rings = rings;
            this.child = child;
        }

        static RingPingPong start(String kind) throws Exception {
            Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "troupe-bench-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("rings");
            RingPeer.Ring[] rings = RingPeer.map(file, kind);
            return new RingPingPong(dir, rings, javaProcess(RingPeer.class, file.toString(), kind));
        }

        @Override
        public long[] samples(int warm, int pings) {
            return Percentiles.time(warm, pings, () -> {
                while (!rings[0].offer(RingPeer.PING, msg, 0, 64)) {
                    Thread.onSpinWait();
                }
                got = false;
                while (!got) {
                    if (rings[1].poll(pong) == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
        }

        @Override
        public void close() {
            try {
                rings[0].offer(RingPeer.STOP, msg, 0, 0);
                awaitExit(child);
            } finally {
                child.destroyForcibly();
                deleteTree(dir);
            }
        }
    }

    /** Aeron IPC through an embedded media driver; both sides spin while timed, as Aeron's Ping/Pong do. */
    private static final class AeronPingPong implements PingPong, AutoCloseable {
        private final Path dir;
        private final MediaDriver driver;
        private final Aeron aeron;
        private final Publication pub;
        private final Subscription sub;
        private final Process child;
        private final UnsafeBuffer msg = new UnsafeBuffer(new byte[64]);
        private boolean got;
        private final FragmentHandler pong = (buffer, offset, length, header) -> got = true;

        private AeronPingPong(Path dir, MediaDriver driver, Aeron aeron, Publication pub, Subscription sub,
            Process child) {
            this.dir = dir;
            this.driver = driver;
            this.aeron = aeron;
            this.pub = pub;
            this.sub = sub;
            this.child = child;
        }

        static AeronPingPong start() throws Exception {
            Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "troupe-bench-aeron-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            MediaDriver driver = null;
            Aeron aeron = null;
            Process child = null;
            try {
                driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
                    .aeronDirectoryName(dir.resolve("aeron").toString())
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(new BackoffIdleStrategy())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
                aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
                Publication pub = aeron.addExclusivePublication(AeronPeer.CHANNEL, AeronPeer.PING_STREAM);
                Subscription sub = aeron.addSubscription(AeronPeer.CHANNEL, AeronPeer.PONG_STREAM);
                child = javaProcess(AeronPeer.class, driver.aeronDirectoryName());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!pub.isConnected() || !sub.isConnected()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the Aeron peer did not connect");
                    }
                    Thread.sleep(1);
                }
                return new AeronPingPong(dir, driver, aeron, pub, sub, child);
            } catch (Exception | Error e) {
                if (child != null) {
                    child.destroyForcibly();
                }
                if (aeron != null) {
                    aeron.close();
                }
                if (driver != null) {
                    driver.close();
                }
                deleteTree(dir);
                throw e;
            }
        }

        @Override
        public long[] samples(int warm, int pings) {
            return Percentiles.time(warm, pings, () -> {
                while (pub.offer(msg, 0, 64) < 0) {
                    Thread.onSpinWait();
                }
                got = false;
                while (!got) {
                    if (sub.poll(pong, 1) == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
        }

        @Override
        public void close() {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (pub.offer(msg, 0, AeronPeer.STOP_LENGTH) < 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                awaitExit(child);
            } finally {
                child.destroyForcibly();
                aeron.close();
                driver.close();
                deleteTree(dir);
            }
        }
    }

    /** CPU used by an idle, connected pool worker over 10 s, per transport. */
    private static void idleWorkerCpu() throws Exception {
        for (String transport : List.of("shm", "pipe")) {
            try (Troupe troupe = Troupe.local(com.typesafe.config.ConfigFactory.parseMap(
                Map.of("troupe.transport", transport)));
                 Pool pool = troupe.pool(PoolOptions.workers(1))) {
                pool.submit(x -> x, 1).get(60, TimeUnit.SECONDS);
                ManagedProcess w = pool.workers().get(0);
                ProcessHandle h = ProcessHandle.of(w.pid()).orElseThrow();
                Thread.sleep(1_000);
                Duration before = h.info().totalCpuDuration().orElseThrow();
                long t0 = System.nanoTime();
                Thread.sleep(10_000);
                Duration after = h.info().totalCpuDuration().orElseThrow();
                double wall = (System.nanoTime() - t0) / 1e9;
                double cpu = (after.toNanos() - before.toNanos()) / 1e9;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bench", "idle_worker_cpu");
                m.put("unit", "% of one core");
                m.put("troupe", 100 * cpu / wall);
                m.put("cpu_ms", cpu * 1e3);
                m.put("seconds", wall);
                m.put("target", "< 1%");
                m.put("transport", transport);
                m.put("java", Runtime.version().toString());
                m.put("cores", Runtime.getRuntime().availableProcessors());
                System.out.println(Json.line(m));
            }
        }
    }

    static Process javaProcess(Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "--enable-native-access=ALL-UNNAMED"));
        // The peer tunes its end of the link as this side does.
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("troupe.shm."))
            .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    /**
     * Waits up to 10 s for a peer process to exit. Closing must not throw {@link InterruptedException} (a
     * try-with-resources would have to handle it), so an interrupt ends the wait and stays set on the thread.
     */
    private static boolean awaitExit(Process child) {
        try {
            return child.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void deleteTree(Path dir) {
        NodeDirectories.delete(dir, false);
    }

    static void print(Map<String, Object> m) {
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }
}
