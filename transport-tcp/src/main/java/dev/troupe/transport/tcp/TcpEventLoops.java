package dev.troupe.transport.tcp;

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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The event loops every TCP link of this JVM shares: native epoll where it loads, NIO elsewhere. Daemon threads,
 * created on first use, so a JVM that never uses TCP starts none.
 */
final class TcpEventLoops {
    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("troupe.tcp.no-epoll");
    private static final long SPIN_NANOS = Long.getLong("troupe.tcp.spin-micros", 50) * 1000;
    private static volatile EventLoopGroup group;

    private TcpEventLoops() {
    }

    static EventLoopGroup group() {
        EventLoopGroup g = group;
        if (g == null) {
            synchronized (TcpEventLoops.class) {
                g = group;
                if (g == null) {
                    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
                    SelectStrategyFactory spin = () -> new SpinThenSelect();
                    IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory(0, spin)
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
     * {@link #SPIN_NANOS} ({@code -Dtroupe.tcp.spin-micros}, 0 turns it off): a reply that comes within that time is
     * read without a thread wake-up, which is most of a loopback round trip's cost. A task posted by a link while the
     * loop spins ends the spin (Netty does not wake a loop that is not blocked).
     */
    private static final class SpinThenSelect implements SelectStrategy {
        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            if (hasTasks || SPIN_NANOS <= 0) {
                return hasTasks ? selectNow.get() : SelectStrategy.SELECT;
            }
            long posted = POSTED.get();
            long start = System.nanoTime();
            while (true) {
                int ready = selectNow.get();
                if (ready > 0) {
                    return ready;
                }
                if (POSTED.get() != posted) {
                    return 0;
                }
                if (System.nanoTime() - start >= SPIN_NANOS) {
                    return SelectStrategy.SELECT;
                }
                Thread.onSpinWait();
            }
        }
    }

    static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** {@code epoll} or {@code nio}. */
    static String kind() {
        return EPOLL ? "epoll" : "nio";
    }
}
