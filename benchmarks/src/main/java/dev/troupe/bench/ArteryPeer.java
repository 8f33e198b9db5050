package dev.troupe.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.event.Logging;

/**
 * The Pekko Artery TCP peer of {@link ArteryBench}: {@code ArteryPeer DRIVER_PATH echo} sends every
 * {@code byte[]} back to its sender; {@code ArteryPeer DRIVER_PATH sink} counts them and acks every
 * {@link #ACK_EVERY}. Either way it first says {@link #HELLO} to the benchmark's driver actor, whose full path
 * (with the ephemeral port) it gets as an argument, so the driver learns this side's actor from the hello's
 * sender. Exits when its standard input ends, that is when the benchmark closes it or dies.
 */
public final class ArteryPeer {
    static final String HELLO = "hello";
    static final int ACK_EVERY = 1_000;

    private ArteryPeer() {
    }

    /**
     * The configuration both systems share. Classic actors, so that a reply goes to the envelope's sender
     * (compressed by Artery) without a {@code replyTo} in the message and the payload stays a bare {@code byte[]}
     * for the built-in {@code ByteArraySerializer}.
     */
    static Config config() {
        return ConfigFactory.parseString("""
            pekko {
              loglevel = WARNING
              # Logging goes through SLF4J to standard error; standard output carries the benchmark's JSON lines.
              stdout-loglevel = OFF
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = remote
                allow-java-serialization = off
              }
              remote {
                warn-about-direct-use = off
                # Neither remote watch nor remote deployment is used; "on" only turns the start-up warning about
                # them being disabled outside a cluster into an info line.
                use-unsafe-remote-features-outside-cluster = on
                artery {
                  transport = tcp
                  canonical.hostname = "127.0.0.1"
                  canonical.port = 0
                  advanced {
                    # One inbound lane drops an asynchronous boundary (the default of 4 lanes exists to
                    # deserialize for many recipients in parallel; here there is one recipient per side).
                    inbound-lanes = 1
                    outbound-lanes = 1
                    # Above the throughput window (ArteryBench.WINDOW batches of ACK_EVERY), so the
                    # flow-controlled sender can never overfill the queue, which would drop messages.
                    outbound-message-queue-size = 16384
                  }
                }
              }
            }
            """).withFallback(ConfigFactory.load());
    }

    public static void main(String[] args) throws Exception {
        String driver = args[0];
        String mode = args[1];
        ActorSystem system = ActorSystem.create("ArteryPeer", config());
        int status = 0;
        try {
            Props props = switch (mode) {
                case "echo" -> Props.create(Echo.class, Echo::new);
                case "sink" -> Props.create(Sink.class, Sink::new);
                default -> throw new IllegalArgumentException("mode must be echo or sink: " + mode);
            };
            ActorRef self = system.actorOf(props, mode);
            system.actorSelection(driver).tell(HELLO, self);
            while (System.in.read() >= 0) {
                // The benchmark writes nothing; it closes the stream when done.
            }
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            terminateQuietly(system);
            try {
                system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                status = 1;
            }
        }
        System.exit(status);
    }

    /**
     * Terminates {@code system}, logging errors only: a terminating Artery TCP system aborts its own connections
     * and warns about each, which says nothing about the benchmark.
     */
    static void terminateQuietly(ActorSystem system) {
        system.eventStream().setLogLevel(Logging.ErrorLevel());
        system.terminate();
    }

    /** Sends every {@code byte[]} back to its sender. */
    static final class Echo extends AbstractActor {
        @Override
        public Receive createReceive() {
            return receiveBuilder().match(byte[].class, m -> getSender().tell(m, getSelf())).build();
        }
    }

    /** Counts {@code byte[]}s and sends their sender the count every {@link #ACK_EVERY}. */
    static final class Sink extends AbstractActor {
        private int count;

        @Override
        public Receive createReceive() {
            return receiveBuilder().match(byte[].class, m -> {
                if (++count == ACK_EVERY) {
                    count = 0;
                    getSender().tell(ACK_EVERY, getSelf());
                }
            }).build();
        }
    }
}
