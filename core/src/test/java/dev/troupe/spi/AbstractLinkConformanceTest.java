package dev.troupe.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.troupe.wire.Envelope;
import dev.troupe.wire.FrameTooLargeException;
import dev.troupe.wire.Heartbeat;
import dev.troupe.wire.MalformedFrameException;
import dev.troupe.wire.Result;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Link} promises, run against real servers and links of one transport: order, the three ways to
 * send, back-pressure, frame limits, close, a peer killed with SIGKILL and a peer that sends what is not a frame.
 * A transport's test subclasses it and says how to reach the transport; tests of what only that transport does stay
 * beside it.
 *
 * <p>No test asserts a speed; every wait is bounded, and every test has a hard time-out and closes the servers,
 * links and processes it opened.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class AbstractLinkConformanceTest {
    /** The frame limit of the links the tests open, unless a test says otherwise. */
    protected static final int MAX_FRAME_BYTES = 8 * 1024 * 1024;
    /** The outbound buffer bound of the links the tests open. */
    protected static final int MAX_PENDING_WRITE_BYTES = 256 * 1024;
    /** How long any single expected event may take before the test fails. */
    protected static final long WAIT_SECONDS = 15;

    /** The run directory of the server and links: owner-only, removed after each test. */
    @TempDir
    protected Path runDirectory;

    /** The server every test may connect to, listening with {@link #MAX_FRAME_BYTES}. */
    protected LinkServer server;

    /** Links the server has accepted, not yet started. */
    protected final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();

    private final List<AutoCloseable> opened = new ArrayList<>();
    private Map<String, String> listenOptions;
    private Map<String, String> connectOptions;

    /**
     * The transport under test.
     *
     * @return a provider; the same one on every call.
     */
    protected abstract TransportProvider provider();

    /**
     * Connects to {@code to} as a peer that, after any handshake the transport needs, sends what no link of this
     * transport would: bytes that break the transport's framing, or a frame whose body is not an envelope. The
     * server then accepts a link, as it does for any peer.
     *
     * @param to the server.
     * @return what to close once the test is over.
     * @throws Exception when the connection cannot be made.
     */
    protected abstract AutoCloseable connectAndSendGarbage(LinkServer to) throws Exception;

    /**
     * Transport options for servers, such as a secret file; may create files in the run directory.
     *
     * @param dir the run directory of the test.
     * @return the options.
     * @throws Exception when they cannot be prepared.
     */
    protected Map<String, String> listenOptions(Path dir) throws Exception {
        return Map.of();
    }

    /**
     * Transport options for clients; those of {@link #listenOptions} unless the transport's sides differ (TLS).
     * Called after {@link #listenOptions}.
     *
     * @param dir the run directory of the test.
     * @return the options.
     * @throws Exception when they cannot be prepared.
     */
    protected Map<String, String> connectOptions(Path dir) throws Exception {
        return listenOptions;
    }

    /**
     * JVM arguments the peer process needs besides the class path, such as system properties the transport reads.
     *
     * @return the arguments.
     */
    protected List<String> peerJvmArguments() {
        return List.of();
    }

    /**
     * Checks, after each test has closed everything, that the transport left nothing behind.
     *
     * @throws Exception when it did.
     */
    protected void assertNothingLeftBehind() throws Exception {
    }

    @BeforeEach
    final void listen() throws Exception {
        listenOptions = listenOptions(runDirectory);
        connectOptions = connectOptions(runDirectory);
        server = listen(MAX_FRAME_BYTES);
    }

    @AfterEach
    final void closeEverything() throws Exception {
        // Newest first (processes before links, links before servers); one failure does not keep the rest open.
        Exception failure = null;
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        assertNothingLeftBehind();
    }

    /**
     * Server settings with a frame limit.
     *
     * @param maxFrameBytes the limit.
     * @return the settings.
     */
    protected final TransportSettings listenSettings(int maxFrameBytes) {
        return new TransportSettings(runDirectory, maxFrameBytes, MAX_PENDING_WRITE_BYTES, listenOptions);
    }

    /**
     * Client settings with a frame limit.
     *
     * @param maxFrameBytes the limit.
     * @return the settings.
     */
    protected final TransportSettings connectSettings(int maxFrameBytes) {
        return new TransportSettings(runDirectory, maxFrameBytes, MAX_PENDING_WRITE_BYTES, connectOptions);
    }

    /**
     * Another server, closed after the test, that hands its links to {@link #accepted}.
     *
     * @param maxFrameBytes its frame limit.
     * @return the server.
     * @throws IOException when it cannot listen.
     */
    protected final LinkServer listen(int maxFrameBytes) throws IOException {
        LinkServer s = provider().listen(listenSettings(maxFrameBytes), accepted::add);
        opened.add(s);
        return s;
    }

    /**
     * A client link and the server's end of it, both started and closed after the test.
     *
     * @param to            the server.
     * @param maxFrameBytes the client's frame limit.
     * @param atClient      the client's handler.
     * @param atServer      the handler of the server's end.
     * @return the pair.
     * @throws Exception when the link cannot be made.
     */
    protected final Pair connect(LinkServer to, int maxFrameBytes, LinkHandler atClient, LinkHandler atServer)
        throws Exception {
        Link client = provider().connect(to.address(), connectSettings(maxFrameBytes));
        opened.add(client::close);
        Link serverEnd = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(serverEnd).as("the server accepted the link").isNotNull();
        opened.add(serverEnd::close);
        client.start(atClient);
        serverEnd.start(atServer);
        return new Pair(client, serverEnd);
    }

    /**
     * {@link #connect(LinkServer, int, LinkHandler, LinkHandler)} to {@link #server} with the usual limit.
     *
     * @param atClient the client's handler.
     * @param atServer the handler of the server's end.
     * @return the pair.
     * @throws Exception when the link cannot be made.
     */
    protected final Pair connect(LinkHandler atClient, LinkHandler atServer) throws Exception {
        return connect(server, MAX_FRAME_BYTES, atClient, atServer);
    }

    /**
     * Both ends of one link.
     *
     * @param client the end that connected.
     * @param server the end the server accepted.
     */
    protected record Pair(Link client, Link server) {
    }

    /**
     * Records what a link delivers and checks the handler contract as it goes: calls never concurrent, nothing after
     * {@code onClosed}, {@code onClosed} once.
     */
    protected static class Recorder implements LinkHandler {
        /** Envelopes in arrival order. */
        public final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();
        /** Completes with the cause (possibly {@code null}) on the first {@code onClosed}. */
        public final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        /** How many times {@code onClosed} was called. */
        public final AtomicInteger closes = new AtomicInteger();
        /** How many envelopes had arrived when {@code onClosed} was called. */
        public final AtomicInteger receivedBeforeClose = new AtomicInteger(-1);
        private final AtomicBoolean inCall = new AtomicBoolean();
        private final AtomicInteger count = new AtomicInteger();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEnvelope(Link link, Envelope envelope) {
            enter();
            try {
                if (closes.get() > 0) {
                    violations.add("onEnvelope after onClosed");
                }
                count.incrementAndGet();
                accept(link, envelope);
            } finally {
                inCall.set(false);
            }
        }

        /**
         * What to do with an envelope; records it unless overridden.
         *
         * @param link     the link.
         * @param envelope the envelope.
         */
        protected void accept(Link link, Envelope envelope) {
            received.add(envelope);
        }

        @Override
        public void onClosed(Link link, Throwable cause) {
            enter();
            try {
                if (closes.incrementAndGet() > 1) {
                    violations.add("onClosed called again with " + cause);
                }
                receivedBeforeClose.compareAndSet(-1, count.get());
                closed.complete(cause);
            } finally {
                inCall.set(false);
            }
        }

        private void enter() {
            if (!inCall.compareAndSet(false, true)) {
                violations.add("handler called concurrently");
            }
        }

        /**
         * The next envelope.
         *
         * @return it.
         * @throws InterruptedException when interrupted.
         */
        public Envelope next() throws InterruptedException {
            Envelope e = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(e).as("an envelope within " + WAIT_SECONDS + " s").isNotNull();
            return e;
        }

        /**
         * The close cause, waiting for it.
         *
         * @return the cause, {@code null} after a local close.
         * @throws Exception when the link does not close in time.
         */
        public Throwable awaitClosed() throws Exception {
            return closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        /** Fails when the handler contract was broken. */
        public void assertContractKept() {
            assertThat(violations).as("handler contract").isEmpty();
        }
    }

    /**
     * A small envelope carrying a number.
     *
     * @param n the number.
     * @return the envelope.
     */
    protected static Envelope beat(long n) {
        return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentAt(n)).build();
    }

    /**
     * An envelope carrying {@code bytes} random bytes made from {@code seed}.
     *
     * @param bytes how many.
     * @param seed  the seed, also the envelope's task id.
     * @return the envelope.
     */
    protected static Envelope blob(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        return Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(seed)
            .setOutputs(ByteString.copyFrom(data))).build();
    }

    private static long numberOf(Envelope e) {
        return e.hasHeartbeat() ? e.getHeartbeat().getSentAt() : e.getResult().getTaskId();
    }

    /**
     * The same bytes in each kind of buffer a caller may hand to {@code sendFrame}, none starting at 0: heap,
     * read-only heap, direct and read-only direct.
     *
     * @param body the bytes.
     * @return the four buffers.
     */
    public static List<ByteBuffer> sendFrameBuffers(byte[] body) {
        byte[] padded = new byte[body.length + 10];
        System.arraycopy(body, 0, padded, 7, body.length);
        ByteBuffer heap = ByteBuffer.wrap(padded, 7, body.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(body.length + 10);
        direct.position(3);
        direct.put(body);
        direct.flip().position(3);
        return List.of(heap, heap.asReadOnlyBuffer(), direct, direct.asReadOnlyBuffer());
    }

    // ------------------------------------------------------------------------------------------------------ order

    @Test
    void envelopesFromOneThreadArriveInOrderInBothDirections() throws Exception {
        Recorder atClient = new Recorder();
        Recorder atServer = new Recorder();
        Pair link = connect(atClient, atServer);
        int count = 5_000;
        CompletableFuture<Void> back = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                assertThat(link.server().send(beat(i))).isTrue();
            }
        });
        for (int i = 0; i < count; i++) {
            assertThat(link.client().send(beat(i))).isTrue();
        }
        for (int i = 0; i < count; i++) {
            assertThat(numberOf(atServer.next())).as("client to server").isEqualTo(i);
            assertThat(numberOf(atClient.next())).as("server to client").isEqualTo(i);
        }
        back.get(WAIT_SECONDS, TimeUnit.SECONDS);
        atClient.assertContractKept();
        atServer.assertContractKept();
    }

    @Test
    void envelopesFromEachOfSeveralThreadsArriveInThatThreadsOrderHoweverEachWasSent() throws Exception {
        Recorder atServer = new Recorder();
        Pair link = connect(new Recorder(), atServer);
        int threads = 4;
        int perThread = 6_000;
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = (long) t << 32;
            senders.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perThread; i += 3) {
                    // send, sendAll and sendFrame in turn: one order per thread whichever way each goes.
                    assertThat(link.client().send(beat(base + i))).isTrue();
                    assertThat(link.client().sendAll(List.of(beat(base + i + 1)))).isTrue();
                    assertThat(link.client().sendFrame(ByteBuffer.wrap(beat(base + i + 2).toByteArray()))).isTrue();
                }
            }, runnable -> new Thread(runnable, "sender-" + (base >>> 32)).start()));
        }
        long[] next = new long[threads];
        for (int i = 0; i < threads * perThread; i++) {
            long v = numberOf(atServer.next());
            int t = (int) (v >>> 32);
            assertThat(v & 0xffffffffL).as("order of sender " + t).isEqualTo(next[t]++);
        }
        for (CompletableFuture<Void> s : senders) {
            s.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        atServer.assertContractKept();
    }

    @Test
    void envelopesSentBeforeThePeerStartsAreKeptUntilItDoes() throws Exception {
        Link client = provider().connect(server.address(), connectSettings(MAX_FRAME_BYTES));
        opened.add(client::close);
        Link serverEnd = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(serverEnd).isNotNull();
        opened.add(serverEnd::close);
        client.start(new Recorder());
        for (int i = 0; i < 10; i++) {
            assertThat(client.send(beat(i))).isTrue();
        }
        Recorder atServer = new Recorder();
        serverEnd.start(atServer);
        for (int i = 0; i < 10; i++) {
            assertThat(numberOf(atServer.next())).isEqualTo(i);
        }
        assertThatThrownBy(() -> serverEnd.start(new Recorder())).isInstanceOf(IllegalStateException.class);
    }

    // -------------------------------------------------------------------------------------- sendAll and sendFrame

    @Test
    void sendAllAndSendFrameDeliverWhatSendWould() throws Exception {
        Recorder atServer = new Recorder();
        Pair link = connect(new Recorder(), atServer);
        assertThat(link.client().sendAll(List.of(beat(1), blob(100, 2), beat(3)))).isTrue();
        assertThat(link.client().sendAll(List.of())).as("nothing to send on an open link").isTrue();
        assertThat(atServer.next()).isEqualTo(beat(1));
        assertThat(atServer.next()).isEqualTo(blob(100, 2));
        assertThat(atServer.next()).isEqualTo(beat(3));
        for (Envelope e : List.of(beat(4), blob(70_000, 5))) {
            for (ByteBuffer b : sendFrameBuffers(e.toByteArray())) {
                int position = b.position();
                int limit = b.limit();
                assertThat(link.client().sendFrame(b)).isTrue();
                assertThat(b.position()).as("sendFrame leaves the position").isEqualTo(position);
                assertThat(b.limit()).as("sendFrame leaves the limit").isEqualTo(limit);
                assertThat(atServer.next()).isEqualTo(e);
            }
        }
        atServer.assertContractKept();
    }

    @Test
    void sendFrameOfBytesThatAreNotAnEnvelopeFailsTheCallOrClosesOnlyTheReceivingLink() throws Exception {
        Recorder atClient = new Recorder();
        Recorder atServer = new Recorder();
        Pair link = connect(atClient, atServer);
        Recorder atOtherServer = new Recorder();
        Pair other = connect(new Recorder(), atOtherServer);
        // A field number no envelope has, with a truncated length.
        byte[] garbage = {(byte) 0xfa, (byte) 0xff, 0x7f, 0x05, 0x01};
        boolean refusedBySender;
        try {
            link.client().sendFrame(ByteBuffer.wrap(garbage));
            refusedBySender = false;
        } catch (IllegalArgumentException e) {
            refusedBySender = true;
        }
        if (refusedBySender) {
            // A transport that parses what it is handed fails the call, not the link.
            assertThat(link.client().isOpen()).isTrue();
            assertThat(link.client().send(beat(1))).isTrue();
            assertThat(atServer.next()).isEqualTo(beat(1));
        } else {
            // A transport that carries bytes as they are: the receiver finds they are not an envelope.
            assertThat(atServer.awaitClosed()).isInstanceOf(MalformedFrameException.class)
                .hasMessageContaining(link.server().description());
            assertThat(atServer.received).as("nothing delivered from the bad frame").isEmpty();
            assertThat(atClient.awaitClosed()).as("the sender learns its peer closed").isNotNull();
        }
        other.client().send(beat(2));
        assertThat(atOtherServer.next()).as("other links keep serving").isEqualTo(beat(2));
        atServer.assertContractKept();
    }

    // ------------------------------------------------------------------------------------------------ back-pressure

    @Test
    void aSenderWaitsForAPeerThatDoesNotReadAndLosesNothingOnceItDoes() throws Exception {
        int chunk = 32 * 1024;
        int total = 2048; // 64 MiB: far more than the link and the kernel may buffer between the two
        long bound = 48L * 1024 * 1024;
        CountDownLatch reading = new CountDownLatch(1);
        AtomicLong delivered = new AtomicLong();
        AtomicBoolean outOfOrder = new AtomicBoolean();
        Recorder atServer = new Recorder() {
            @Override
            protected void accept(Link link, Envelope envelope) {
                try {
                    reading.await(); // holds up the link's reader until the test lets it go
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (envelope.getResult().getTaskId() != delivered.getAndIncrement()) {
                    outOfOrder.set(true);
                }
            }
        };
        Pair link = connect(new Recorder(), atServer);
        ByteString payload = blob(chunk, 0).getResult().getOutputs();
        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Boolean> sender = CompletableFuture.supplyAsync(() -> {
            for (int i = 0; i < total; i++) {
                Envelope e = Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(i).setOutputs(payload))
                    .build();
                if (!link.client().send(e)) {
                    return false;
                }
                sent.incrementAndGet();
            }
            return true;
        });
        try {
            int plateau = awaitNoProgress(sent);
            assertThat(sender).as("the sender waits for the peer").isNotDone();
            assertThat((long) plateau * chunk).as("bytes accepted while the peer reads nothing").isLessThan(bound);
        } finally {
            reading.countDown();
        }
        assertThat(sender.get(WAIT_SECONDS * 2, TimeUnit.SECONDS)).as("the sender proceeds").isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS * 2);
        while (delivered.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(delivered.get()).as("every envelope delivered").isEqualTo(total);
        assertThat(outOfOrder).as("in order").isFalse();
        assertThat(link.client().isOpen()).isTrue();
        atServer.assertContractKept();
    }

    /** Waits until {@code counter} stops moving (the same value 300 ms apart), and returns that value. */
    private static int awaitNoProgress(AtomicInteger counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        int last = -1;
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            int now = counter.get();
            if (now == last) {
                return now;
            }
            last = now;
        }
        return counter.get();
    }

    // -------------------------------------------------------------------------------------------------- frame size

    @Test
    void envelopesFromOneByteToSeveralMebibytesRoundTripIntact() throws Exception {
        Recorder atClient = new Recorder();
        Recorder echo = new Recorder() {
            @Override
            protected void accept(Link link, Envelope envelope) {
                super.accept(link, envelope);
                link.send(envelope);
            }
        };
        Pair link = connect(atClient, echo);
        Envelope smallest = Envelope.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build();
        List<Envelope> envelopes = List.of(smallest, blob(1, 1), blob(64 * 1024, 2), blob(5 * 1024 * 1024, 3),
            beat(4));
        for (Envelope e : envelopes) {
            assertThat(link.client().send(e)).isTrue();
        }
        assertThat(link.client().sendFrame(ByteBuffer.wrap(blob(3 * 1024 * 1024, 5).toByteArray()))).isTrue();
        for (Envelope e : envelopes) {
            assertThat(echo.next()).as(e.getSerializedSize() + " bytes there").isEqualTo(e);
            assertThat(atClient.next()).as(e.getSerializedSize() + " bytes back").isEqualTo(e);
        }
        assertThat(echo.next()).isEqualTo(blob(3 * 1024 * 1024, 5));
        assertThat(atClient.next()).isEqualTo(blob(3 * 1024 * 1024, 5));
        echo.assertContractKept();
    }

    @Test
    void anEnvelopeOverTheFrameLimitIsRefusedAndTheLinkStaysOpen() throws Exception {
        Recorder atClient = new Recorder();
        Pair link = connect(atClient, new Recorder());
        Link sender = link.server();
        Envelope huge = blob(MAX_FRAME_BYTES, 1);
        assertThatThrownBy(() -> sender.send(huge)).isInstanceOf(FrameTooLargeException.class)
            .hasMessageContaining("troupe.max-frame-size");
        assertThatThrownBy(() -> sender.sendAll(List.of(huge))).isInstanceOf(FrameTooLargeException.class);
        assertThatThrownBy(() -> sender.sendFrame(ByteBuffer.wrap(huge.toByteArray())))
            .isInstanceOf(FrameTooLargeException.class);
        assertThat(sender.isOpen()).isTrue();
        assertThat(sender.send(beat(5))).isTrue();
        assertThat(atClient.next()).as("the link still carries envelopes").isEqualTo(beat(5));
        assertThat(atClient.received).as("nothing of the refused envelope arrived").isEmpty();
    }

    @Test
    void aFrameOverTheReceiversLimitClosesOnlyThatLink() throws Exception {
        int small = 64 * 1024;
        LinkServer strict = listen(small);
        Recorder atBadClient = new Recorder();
        Recorder atBadServer = new Recorder();
        // The client allows bigger frames than the server: the server refuses the frame when it arrives.
        Pair bad = connect(strict, 1024 * 1024, atBadClient, atBadServer);
        Recorder atGoodServer = new Recorder();
        Pair good = connect(strict, small, new Recorder(), atGoodServer);
        // May return false: the receiver can refuse the frame and close while the sender still writes it.
        bad.client().send(blob(100_000, 1));
        assertThat(atBadServer.awaitClosed()).isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining("troupe.max-frame-size");
        assertThat(atBadServer.received).isEmpty();
        assertThat(atBadClient.awaitClosed()).as("the sender's end closes too").isNotNull();
        assertThat(good.client().send(beat(5))).isTrue();
        assertThat(atGoodServer.next()).isEqualTo(beat(5));
        atBadServer.assertContractKept();
    }

    @Test
    void garbageFromAPeerClosesOnlyItsLinkWithAMalformedFrameCause() throws Exception {
        Recorder atGoodClient = new Recorder();
        Recorder atGoodServer = new Recorder();
        Pair good = connect(atGoodClient, atGoodServer);
        opened.add(connectAndSendGarbage(server));
        Link bad = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(bad).as("the server accepted the peer").isNotNull();
        opened.add(bad::close);
        Recorder atBad = new Recorder();
        bad.start(atBad);
        assertThat(atBad.awaitClosed()).isInstanceOf(MalformedFrameException.class)
            .hasMessageContaining(bad.description());
        assertThat(atBad.received).isEmpty();
        assertThat(bad.isOpen()).isFalse();
        assertThat(good.client().send(beat(1))).isTrue();
        assertThat(atGoodServer.next()).as("other links on the server keep serving").isEqualTo(beat(1));
        assertThat(good.server().send(beat(2))).isTrue();
        assertThat(atGoodClient.next()).isEqualTo(beat(2));
        atBad.assertContractKept();
    }

    // ------------------------------------------------------------------------------------------------------ close

    @Test
    void closeIsIdempotentAndTellsEachSideOnceAfterTheLastEnvelope() throws Exception {
        Recorder atClient = new Recorder();
        Recorder atServer = new Recorder();
        Pair link = connect(atClient, atServer);
        int count = 500;
        for (int i = 0; i < count; i++) {
            assertThat(link.client().send(beat(i))).isTrue();
        }
        link.client().close();
        link.client().close();
        link.client().close(new IOException("too late to count"));

        assertThat(atClient.awaitClosed()).as("a local close has no cause").isNull();
        assertThat(link.client().closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS)).isNull();
        assertThat(link.client().isOpen()).isFalse();
        assertThat(atServer.awaitClosed()).as("the peer went away").isInstanceOf(LinkClosedException.class);
        assertThat(atServer.receivedBeforeClose.get()).as("every envelope sent before close, then onClosed")
            .isEqualTo(count);
        for (int i = 0; i < count; i++) {
            assertThat(numberOf(atServer.next())).isEqualTo(i);
        }
        assertThat(link.server().isOpen()).isFalse();
        assertThat(link.server().closeFuture()).isCompletedExceptionally();

        assertThat(link.client().send(beat(1))).isFalse();
        assertThat(link.client().sendAll(List.of(beat(1)))).isFalse();
        assertThat(link.client().sendFrame(ByteBuffer.wrap(beat(1).toByteArray()))).isFalse();
        assertThat(link.server().send(beat(1))).isFalse();
        link.server().close();
        Thread.sleep(100); // room for a second onClosed, were a transport to send one
        assertThat(atClient.closes.get()).isEqualTo(1);
        assertThat(atServer.closes.get()).isEqualTo(1);
        assertThat(link.client().closeFuture()).isSameAs(link.client().closeFuture());
        atClient.assertContractKept();
        atServer.assertContractKept();
    }

    @Test
    void closeWithACauseReportsTheFirstCauseLocallyAndClosesThePeer() throws Exception {
        Recorder atClient = new Recorder();
        Recorder atServer = new Recorder();
        Pair link = connect(atClient, atServer);
        IOException first = new IOException("first");
        link.client().close(first);
        link.client().close(new IOException("second"));
        link.client().close();
        assertThat(atClient.awaitClosed()).isSameAs(first);
        assertThatThrownBy(() -> link.client().closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).hasCause(first);
        assertThat(atServer.awaitClosed()).isInstanceOf(LinkClosedException.class);
        assertThat(link.server().isOpen()).isFalse();
        assertThat(link.client().send(beat(1))).isFalse();
        atClient.assertContractKept();
        atServer.assertContractKept();
    }

    @Test
    void aLinkClosedBeforeItStartsTellsItsHandlerOnceWhenItStarts() throws Exception {
        Link client = provider().connect(server.address(), connectSettings(MAX_FRAME_BYTES));
        opened.add(client::close);
        Link serverEnd = accepted.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(serverEnd).isNotNull();
        opened.add(serverEnd::close);
        for (int i = 0; i < 3; i++) {
            assertThat(client.send(beat(i))).isTrue();
        }
        client.close();
        assertThat(client.isOpen()).isFalse();
        Recorder atClient = new Recorder();
        client.start(atClient);
        assertThat(atClient.awaitClosed()).isNull();

        // The peer closed before this end started: what it sent first is still delivered, then the close.
        Recorder atServer = new Recorder();
        serverEnd.start(atServer);
        assertThat(atServer.awaitClosed()).isInstanceOf(LinkClosedException.class);
        assertThat(atServer.receivedBeforeClose.get()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(numberOf(atServer.next())).isEqualTo(i);
        }
        Thread.sleep(100); // room for a second onClosed, were a transport to send one
        assertThat(atClient.closes.get()).isEqualTo(1);
        assertThat(atServer.closes.get()).isEqualTo(1);
        atClient.assertContractKept();
        atServer.assertContractKept();
    }

    // ------------------------------------------------------------------------------------------------- peer death

    @Test
    void aPeerKilledWithSigkillClosesTheSurvivingLinkWithACauseAndReleasesItsSender() throws Exception {
        Process peer = startPeer(server.address());
        BufferedReader peerOut = new BufferedReader(new InputStreamReader(peer.getInputStream(),
            StandardCharsets.UTF_8));
        Link link = accepted.poll(WAIT_SECONDS * 2, TimeUnit.SECONDS);
        assertThat(link).as("the peer process connected").isNotNull();
        opened.add(link::close);
        Recorder recorder = new Recorder();
        link.start(recorder);
        awaitLine(peerOut, "connected");

        // The peer reads one envelope and then nothing: this side's sender ends up waiting for room.
        ByteString payload = blob(32 * 1024, 0).getResult().getOutputs();
        CompletableFuture<Boolean> sender = CompletableFuture.supplyAsync(() -> {
            for (int i = 0; i < 4096; i++) {
                if (!link.send(Envelope.newBuilder().setResult(Result.newBuilder().setTaskId(i).setOutputs(payload))
                    .build())) {
                    return false;
                }
            }
            return true;
        });
        awaitLine(peerOut, "stopped-reading");
        peer.destroyForcibly();
        assertThat(peer.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

        assertThat(recorder.awaitClosed()).as("the link closes with a cause").isInstanceOf(IOException.class);
        assertThat(sender.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("a waiting sender gives up").isFalse();
        assertThat(link.isOpen()).isFalse();
        assertThat(link.closeFuture()).isCompletedExceptionally();
        assertThat(link.send(beat(1))).isFalse();
        recorder.assertContractKept();
    }

    /** Reads the peer's stdout up to {@code line}; other lines (a logger's, say) are skipped. */
    private static void awaitLine(BufferedReader out, String line) throws IOException {
        String read;
        do {
            read = out.readLine();
            assertThat(read).as("the peer said " + line + " before it ended").isNotNull();
        } while (!read.equals(line));
    }

    /**
     * Starts {@link LinkPeer} in a JVM of its own, connected to {@code address}; killed after the test.
     *
     * @param address the server's address.
     * @return the process.
     * @throws IOException when it cannot be started.
     */
    protected final Process startPeer(String address) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED"));
        command.addAll(peerJvmArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LinkPeer.class.getName(), address,
            runDirectory.toString(), String.valueOf(MAX_FRAME_BYTES), String.valueOf(MAX_PENDING_WRITE_BYTES)));
        connectOptions.forEach((k, v) -> command.add(k + "=" + v));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        opened.add(() -> {
            p.destroyForcibly();
            p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        });
        return p;
    }
}
