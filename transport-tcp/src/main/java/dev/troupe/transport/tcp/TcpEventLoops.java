package dev.troupe.transport.tcp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The event loops every TCP link of this JVM shares: native epoll where it loads, NIO elsewhere. Daemon threads,
 * created on first use, so a JVM that never uses TCP starts none.
 */
final class TcpEventLoops {
    private static final boolean EPOLL = Epoll.isAvailable() && !Boolean.getBoolean("troupe.tcp.no-epoll");
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
                    IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
                    g = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("troupe-tcp", true), io);
                    group = g;
                }
            }
        }
        return g;
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
