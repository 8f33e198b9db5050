package dev.troupe.transport.tcp;

import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Listens on a TCP port. Each connection is counted against {@code max-connections}, and until it authenticates
 * against {@code max-unauthenticated} (over either: closed at once), authenticated (see {@link TcpAuthHandler}), and
 * only then handed to the acceptor; the acceptor is called under a lock, so never concurrently with itself, though
 * connections are served by several event loops.
 */
final class TcpLinkServer implements LinkServer {
    private final Channel serverChannel;
    private final String address;
    private final RefusalLog refusals;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final Object acceptLock = new Object();
    private volatile boolean closed;

    private TcpLinkServer(TransportSettings settings, TcpOptions options, SslContext tls, Consumer<Link> acceptor)
        throws IOException {
        InetSocketAddress bindTo = new InetSocketAddress(options.listenHost, options.listenPort);
        this.refusals = new RefusalLog("tcp server " + bindTo);
        int high = settings.maxPendingWriteBytes();
        ServerBootstrap b = new ServerBootstrap()
            .group(TcpEventLoops.group())
            .channel(TcpEventLoops.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (closed) {
                        ch.close();
                        return;
                    }
                    if (connections.incrementAndGet() > options.maxConnections) {
                        connections.decrementAndGet();
                        refusals.refused("from " + ch.remoteAddress(),
                            "too many connections (troupe.tcp.max-connections = " + options.maxConnections + ")");
                        ch.close();
                        return;
                    }
                    if (unauthenticated.incrementAndGet() > options.maxUnauthenticated) {
                        // Silent or slow clients may not crowd out the workers that do authenticate.
                        unauthenticated.decrementAndGet();
                        connections.decrementAndGet();
                        refusals.refused("from " + ch.remoteAddress(), "too many connections still authenticating"
                            + " (troupe.tcp.max-unauthenticated = " + options.maxUnauthenticated + ")");
                        ch.close();
                        return;
                    }
                    ch.closeFuture().addListener(f -> connections.decrementAndGet());
                    TcpLink link = new TcpLink(true, options, settings.maxFrameBytes(),
                        settings.maxPendingWriteBytes(), l -> {
                            synchronized (acceptLock) {
                                acceptor.accept(l);
                            }
                        }, refusals);
                    link.authenticated().whenComplete((v, e) -> unauthenticated.decrementAndGet());
                    link.install(ch, tls == null ? null : tls.newHandler(ch.alloc()));
                }
            });
        ChannelFuture bound = b.bind(bindTo).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + bindTo + " (troupe.tcp.listen): "
                + bound.cause().getMessage(), bound.cause());
        }
        serverChannel = bound.channel();
        InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
        InetAddress ip = local.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : local.getAddress();
        String host = ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
        address = TcpTransportProvider.NAME + "://" + host + ":" + local.getPort();
    }

    static TcpLinkServer start(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        TcpOptions options = TcpOptions.of(settings);
        return new TcpLinkServer(settings, options, options.serverTls(), acceptor);
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            serverChannel.close().awaitUninterruptibly();
            refusals.flushSuppressed();
        }
    }

    @Override
    public String toString() {
        return "tcp server " + address + " (" + TcpEventLoops.kind() + ")";
    }
}
