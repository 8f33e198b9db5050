package dev.troupe.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.spi.AuthenticationException;
import dev.troupe.spi.LinkClosedException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake handler on its own, over real loopback sockets: each side's pipeline is the frame decoder, the
 * handler and a recorder standing in for the link.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TcpAuthHandlerTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FRAME = 1 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Recorder serverSide = new Recorder();
    private final Recorder clientSide = new Recorder();
    private Channel server;

    /** What reaches the handler after the authentication handler. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> frames = new LinkedBlockingQueue<>();
        volatile Channel channel;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
            if (evt instanceof TcpAuthHandler.Failed) {
                ctx.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            frames.add(frame.readableBytes());
            frame.release();
        }
    }

    private static void pipeline(Channel ch, boolean server, byte[] secret, Duration timeout, Recorder recorder) {
        TcpFrameDecoder decoder = new TcpFrameDecoder(AuthDescriptor.MAX_AUTH_FRAME_BYTES);
        ch.pipeline().addLast("frames", decoder);
        ch.pipeline().addLast("auth", new TcpAuthHandler(server, secret, timeout, decoder, MAX_FRAME));
        ch.pipeline().addLast("link", recorder);
    }

    private int listen(byte[] secret, Duration timeout) {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    pipeline(ch, true, secret, timeout, serverSide);
                }
            })
            .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private Channel connect(int port, byte[] secret) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    pipeline(ch, false, secret, Duration.ofSeconds(5), clientSide);
                }
            })
            .connect("127.0.0.1", port).syncUninterruptibly().channel();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static boolean hasAuthHandler(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> ch.pipeline().get(TcpAuthHandler.class) != null).get();
    }

    private static Object nextEvent(Recorder r) throws InterruptedException {
        Object e = r.events.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("an event from the authentication handler").isNotNull();
        return e;
    }

    @Test
    void shouldAuthenticateBothSidesThenLeaveThePipelineAndLiftTheFrameLimit() throws Exception {
        Channel client = connect(listen(SECRET, Duration.ofSeconds(5)), SECRET);
        assertThat(nextEvent(clientSide)).isSameAs(TcpAuthHandler.AUTHENTICATED);
        assertThat(nextEvent(serverSide)).isSameAs(TcpAuthHandler.AUTHENTICATED);
        assertThat(hasAuthHandler(client)).isFalse();
        assertThat(hasAuthHandler(serverSide.channel)).isFalse();

        // Four times the limit before authentication: the decoder's limit was raised on success.
        int size = 4 * AuthDescriptor.MAX_AUTH_FRAME_BYTES;
        ByteBuf frame = client.alloc().buffer(4 + size);
        frame.writeInt(size).writeZero(size);
        client.writeAndFlush(frame).syncUninterruptibly();
        assertThat(serverSide.frames.poll(10, TimeUnit.SECONDS)).isEqualTo(size);
        assertThat(clientSide.frames).isEmpty();
        client.close().syncUninterruptibly();
    }

    @Test
    void shouldRefuseAClientWithAnotherSecretAndTellItWhy() throws Exception {
        Channel client = connect(listen(SECRET, Duration.ofSeconds(5)), OTHER);
        Object atServer = nextEvent(serverSide);
        assertThat(atServer).isInstanceOf(TcpAuthHandler.Failed.class);
        assertThat(((TcpAuthHandler.Failed) atServer).cause()).isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("does not know this node's secret");
        Object atClient = nextEvent(clientSide);
        assertThat(atClient).isInstanceOf(TcpAuthHandler.Failed.class);
        assertThat(((TcpAuthHandler.Failed) atClient).cause()).isInstanceOf(AuthenticationException.class)
            .hasMessageStartingWith("the node refused this connection: authentication failed");
        client.closeFuture().syncUninterruptibly();
        assertThat(serverSide.events).isEmpty();
        assertThat(serverSide.frames).isEmpty();
    }

    @Test
    void shouldFailAClientThatSaysNothingWithinTheHandshakeTimeoutAsRetryable() throws Exception {
        int port = listen(SECRET, Duration.ofMillis(300));
        try (Socket silent = new Socket("127.0.0.1", port)) {
            Object atServer = nextEvent(serverSide);
            assertThat(atServer).isInstanceOf(TcpAuthHandler.Failed.class);
            assertThat(((TcpAuthHandler.Failed) atServer).cause()).isInstanceOf(LinkClosedException.class)
                .isNotInstanceOf(AuthenticationException.class)
                .hasMessageContaining("no authentication within 300 ms (troupe.tcp.handshake-timeout)");
            // The challenge came, then the close, and no refusal: the client may try again.
            silent.setSoTimeout(10_000);
            byte[] all = silent.getInputStream().readAllBytes();
            assertThat(all).hasSize(4 + AuthDescriptor.HEADER_BYTES + AuthDescriptor.NONCE_BYTES);
            assertThat(all[4 + 6]).isEqualTo(AuthDescriptor.CHALLENGE);
        }
    }

    @Test
    void shouldRefuseAFrameThatIsNotAnAuthenticationFrame() throws Exception {
        int port = listen(SECRET, Duration.ofSeconds(5));
        try (Socket raw = new Socket("127.0.0.1", port)) {
            raw.getOutputStream().write(new byte[] {0, 0, 0, 3, 1, 2, 3});
            raw.getOutputStream().flush();
            Object atServer = nextEvent(serverSide);
            assertThat(atServer).isInstanceOf(TcpAuthHandler.Failed.class);
            assertThat(((TcpAuthHandler.Failed) atServer).cause()).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("not an authentication frame");
        }
    }
}
