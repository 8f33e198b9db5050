package dev.troupe.transport.tcp;

import dev.troupe.spi.AuthenticationException;
import dev.troupe.spi.Link;
import dev.troupe.spi.LinkServer;
import dev.troupe.spi.TransportProvider;
import dev.troupe.spi.TransportSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The TCP transport: {@code troupe.transport = tcp} for local workers, and the listener remote workers dial in to
 * ({@code troupe.tcp.listen}). Addresses are {@code tcp://HOST:PORT}. Never chosen by {@code auto}: local workers
 * are better served by shared memory or pipes.
 */
public final class TcpTransportProvider implements TransportProvider {
    /** The transport's name and address scheme. */
    public static final String NAME = "tcp";

    /** For {@link java.util.ServiceLoader}. */
    public TcpTransportProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    /**
     * Only workers connect, and a worker's start-up time counts. Before Netty's first class loads: its own (rare)
     * log lines go to {@code java.util.logging}, that is to stderr, which the node collects, instead of starting
     * the class path's SLF4J binding (logback reading its configuration: about 600 classes); and its JFR events are
     * off unless {@code -Dio.netty.jfr.enabled} says otherwise (registering them starts the JFR machinery: about
     * 400 ms on 2 cores). {@code troupe.tcp.netty-logging = slf4j} keeps SLF4J.
     */
    private static void workerLogging(TransportSettings settings) {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        String logging = settings.option("netty-logging", "jdk");
        if (!logging.equals("jdk") && !logging.equals("slf4j")) {
            throw new IllegalArgumentException("troupe.tcp.netty-logging must be jdk or slf4j, got '" + logging + "'");
        }
        if (logging.equals("jdk")) {
            io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
        }
    }

    @Override
    public LinkServer listen(TransportSettings settings, Consumer<Link> acceptor) throws IOException {
        TcpEventLoops.configure(settings);
        return TcpLinkServer.start(settings, acceptor);
    }

    /**
     * Connects and authenticates; returns once the node has proven it knows the secret too.
     *
     * @throws AuthenticationException when either side's proof fails or the node refuses.
     */
    @Override
    public Link connect(String address, TransportSettings settings) throws IOException {
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            throw new IOException("'" + address + "' is not a tcp://HOST:PORT address", e);
        }
        if (!NAME.equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IOException("'" + address + "' is not a tcp://HOST:PORT address");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
            : uri.getHost();
        int port = uri.getPort();
        workerLogging(settings);
        TcpEventLoops.configure(settings);
        TcpOptions options = TcpOptions.of(settings);
        SslContext tls = options.clientTls();
        TcpLink link = new TcpLink(false, options, settings.maxFrameBytes(), settings.maxPendingWriteBytes(), null,
            null);
        int high = settings.maxPendingWriteBytes();
        Bootstrap b = new Bootstrap()
            .group(TcpEventLoops.group())
            .channel(TcpEventLoops.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout.toMillis())
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(high / 2, high))
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    link.install(ch, tls == null ? null : tls.newHandler(ch.alloc(), host, port));
                }
            });
        ChannelFuture connected = b.connect(host, port);
        if (!connected.awaitUninterruptibly(options.connectTimeout.toMillis() + 1000) || !connected.isSuccess()) {
            connected.channel().close();
            Throwable cause = connected.cause();
            throw new IOException("cannot connect to " + address + ": "
                + (cause == null ? "timed out" : cause.getMessage()), cause);
        }
        Channel ch = connected.channel();
        try {
            link.authenticated().get(options.handshakeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            ch.close();
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            throw new IOException("cannot authenticate to " + address + ": " + cause, cause);
        } catch (TimeoutException e) {
            ch.close();
            throw new AuthenticationException("no authentication from " + address + " within "
                + options.handshakeTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + address, e);
        }
        return link;
    }
}
