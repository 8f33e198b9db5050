package dev.troupe.transport.tcp;

import dev.troupe.spi.TransportSettings;
import dev.troupe.spi.support.OptionValues;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The event loops every TCP link of this JVM shares: native epoll where it loads, NIO elsewhere. Daemon threads,
 * created on first use, so a JVM that never uses TCP starts none.
 */
final class TcpEventLoops {
    /** The default of {@code troupe.tcp.spin-micros}, as in {@code reference.conf}. */
    static final long DEFAULT_SPIN_MICROS = 50;
    /** {@code troupe.tcp.no-epoll} and {@code troupe.tcp.spin-micros}, fixed by the first {@link #configure}. */
    private static volatile boolean configured;
    private static volatile boolean epoll;
    private static volatile long spinNanos;
    private static volatile EventLoopGroup group;

    private TcpEventLoops() {
    }

    /**
     * Takes {@code no-epoll} and {@code spin-micros} from the options of the first TCP link or server of this JVM;
     * the loops are shared, so later calls do not change them.
     *
     * @param settings the transport's settings.
     * @throws IllegalArgumentException when a value is malformed; the message names the setting.
     */
    static void configure(TransportSettings settings) {
        if (configured) {
            return;
        }
        OptionValues v = new OptionValues(settings.options(), "troupe.tcp");
        boolean noEpoll = v.flag("no-epoll", false);
        long micros = v.number("spin-micros", DEFAULT_SPIN_MICROS);
        if (micros < 0) {
            throw new IllegalArgumentException("troupe.tcp.spin-micros must not be negative, got " + micros);
        }
        synchronized (TcpEventLoops.class) {
            if (!configured) {
                epoll = !noEpoll && Epoll.isAvailable();
                spinNanos = micros * 1000;
                configured = true;
            }
        }
    }

    private static boolean epoll() {
        if (!configured) {
            configure(new TransportSettings(Path.of("."), TransportSettings.DEFAULT_MAX_FRAME_BYTES,
                TransportSettings.DEFAULT_MAX_PENDING_WRITE_BYTES));
        }
        return epoll;
    }

    static EventLoopGroup group() {
        EventLoopGroup g = group;
        if (g == null) {
            synchronized (TcpEventLoops.class) {
                g = group;
                if (g == null) {
                    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
                    SelectStrategyFactory spin = () -> new SpinThenSelect();
                    IoHandlerFactory io = epoll() ? EpollIoHandler.newFactory(0, spin)
                        : NioIoHandler.newFactory(java.nio.channels.spi.SelectorProvider.provider(), spin);
                    g = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("troupe-tcp", true), io);
                    group = g;
                }
            }
        }
        return g;
    }

    /** Counts tasks links post to their event loop; a spinning loop that sees it move stops to run them. */
    private static final AtomicLong POSTED = new AtomicLong();

    /** A link posted a task to its event loop. */
    static void posted() {
        POSTED.incrementAndGet();
    }

    /**
     * Before an idle event loop blocks in {@code epoll_wait}, it polls without blocking for up to
     * {@code troupe.tcp.spin-micros} (0 turns it off): a reply that comes within that time is
     * read without a thread wake-up, which is most of a loopback round trip's cost. A task posted by a link while the
     * loop spins ends the spin (Netty does not wake a loop that is not blocked).
     *
     * <p>The spin adapts: when the loop's last block lasted more than {@link #WORTH_SPINNING} spins, the next idle
     * round blocks at once (traffic that comes in bursts, such as a map's chunks, would only burn a core the
     * workers need), except for a probe every {@link #PROBE_EVERY} rounds. A block short enough turns the spin back
     * on. One instance per event loop.
     */
    private static final class SpinThenSelect implements SelectStrategy {
        /** How many spins long a block may last and still count as one a spin would have saved. */
        static final int WORTH_SPINNING = 2;
        /** Spin anyway once in this many idle rounds, a power of two. */
        static final int PROBE_EVERY = 64;

        /** When this loop last chose to block; 0 when it did not. */
        private long blockedAt;
        private boolean spinning = true;
        private int rounds;

        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            long spin = spinNanos;
            if (hasTasks || spin <= 0) {
                return hasTasks ? selectNow.get() : SelectStrategy.SELECT;
            }
            long start = System.nanoTime();
            if (blockedAt != 0) {
                spinning = start - blockedAt < WORTH_SPINNING * spin;
                blockedAt = 0;
            }
            if (!spinning && (++rounds & (PROBE_EVERY - 1)) != 0) {
                blockedAt = start;
                return SelectStrategy.SELECT;
            }
            long posted = POSTED.get();
            while (true) {
                int ready = selectNow.get();
                if (ready > 0) {
                    spinning = true;
                    return ready;
                }
                if (POSTED.get() != posted) {
                    return 0;
                }
                long now = System.nanoTime();
                if (now - start >= spin) {
                    blockedAt = now;
                    return SelectStrategy.SELECT;
                }
                Thread.onSpinWait();
            }
        }
    }

    static Class<? extends SocketChannel> socketChannel() {
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static Class<? extends ServerChannel> serverChannel() {
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** {@code epoll} or {@code nio}. */
    static String kind() {
        return epoll() ? "epoll" : "nio";
    }
}
