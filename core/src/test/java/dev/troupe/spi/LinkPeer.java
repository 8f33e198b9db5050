package dev.troupe.spi;

import dev.troupe.wire.Envelope;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The far end of a link in a process of its own, for {@link AbstractLinkConformanceTest}: connects to the address
 * it is given, says {@code connected} on stdout, reads the first envelope and says {@code stopped-reading}, then
 * reads nothing more and waits to be killed. Exits by itself after a minute, so an aborted test leaves no process.
 *
 * <p>Arguments: address, run directory, max frame bytes, max pending write bytes, then transport options as
 * {@code key=value}.
 */
public final class LinkPeer {
    private static final long LIFETIME_SECONDS = 60;

    private LinkPeer() {
    }

    /**
     * @param args see the class.
     * @throws Exception when the link cannot be made; the process then exits non-zero.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        TransportSettings settings = new TransportSettings(Path.of(args[1]), Integer.parseInt(args[2]),
            Integer.parseInt(args[3]), options);
        Link link = Transports.forAddress(args[0]).connect(args[0], settings);
        CountDownLatch never = new CountDownLatch(1);
        link.start(new LinkHandler() {
            @Override
            public void onEnvelope(Link l, Envelope envelope) {
                System.out.println("stopped-reading");
                System.out.flush();
                try {
                    never.await(); // holds up the link's reader: the peer reads nothing more
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void onClosed(Link l, Throwable cause) {
            }
        });
        System.out.println("connected");
        System.out.flush();
        Thread.sleep(TimeUnit.SECONDS.toMillis(LIFETIME_SECONDS));
        System.exit(3);
    }
}
