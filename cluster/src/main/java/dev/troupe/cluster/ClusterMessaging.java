package dev.troupe.cluster;

import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import dev.troupe.spi.ObjectHandler;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * Serves the cluster-wide queues and topics of a member ({@link ObjectHandler} for {@code "cqueue:"} and
 * {@code "ctopic:"} objects): the calls of the node's own handles and of its workers.
 *
 * <ul>
 *   <li><b>Queues</b> live at the oldest member (Up or Leaving), which every member finds in its own view of the
 *       cluster without asking anyone; a member that joins later is younger, so the host stays while it lives. Every
 *       call goes to the host's {@link MessagingActor} (an ask over Artery, or a local tell on the host itself).</li>
 *   <li><b>Topics</b>: a publish goes to Pekko's typed {@link Topic} {@value #PEKKO_TOPIC}, one for all names, which
 *       every member's {@link MessagingActor} subscribes to when the node starts; each member hands the messages of a
 *       name to its local subscriptions, each a buffer bounded in bytes that drops its oldest messages when full.</li>
 * </ul>
 * Thread-safe.
 */
final class ClusterMessaging implements ObjectHandler {
    static final String QUEUE = "cqueue:";
    static final String TOPIC = "ctopic:";
    static final String PEKKO_TOPIC = "troupe-topics";
    /** A queue's bytes when it is opened without a capacity, as the shared-memory queue's. */
    static final long DEFAULT_CAPACITY = 1 << 20;
    /** How long past a call's own wait its host's answer may take before the caller gives up. */
    private static final Duration ANSWER_MARGIN = Duration.ofSeconds(10);
    /**
     * The most serialized bytes of messages in one Pekko message of a topic: each message's bytes and
     * {@link #VALUE_OVERHEAD}. Artery's ordinary frames are 256 KiB; the rest is headroom for the topic's name, the
     * origin and Artery's own envelope.
     */
    static final int BATCH_BYTES = 192 * 1024;
    /** What one message adds to a batch beside its bytes: protobuf's field tag and length (at most 1 + 5). */
    static final int VALUE_OVERHEAD = 6;
    /** The longest a call waits at a host in one go; a handle waits longer in slices of it. */
    static final long WAIT_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The most bytes one receive hands back, beside its first message. */
    private static final int RECEIVE_BYTES = 256 * 1024;

    final int maxMessageBytes;
    final long maxQueueBytes;
    final long maxHostedBytes;
    private final long bufferBytes;
    private final long idleNanos;
    private final int maxSubscriptions;
    private final Duration topicReady;
    private final ActorSystem<?> system;
    private final org.apache.pekko.cluster.Cluster cluster;
    private final ActorRefResolver resolver;
    private final String origin;
    private final ActorRef<Topic.Command<MessagingActor.TopicMessage>> topic;
    private final ActorRef<MessagingActor.Command> self;
    private final Map<Address, ActorRef<MessagingActor.Command>> hosts = new ConcurrentHashMap<>();
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final Map<Long, LocalSubscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Set<LocalSubscription>> byTopic = new ConcurrentHashMap<>();
    private final AtomicLong subscriptionIds = new AtomicLong();
    private final Cancellable sweeper;

    ClusterMessaging(ActorSystem<?> system, org.apache.pekko.cluster.Cluster cluster, Config config) {
        Config c = config.getConfig("troupe.cluster.messaging");
        this.maxMessageBytes = (int) Math.min(Integer.MAX_VALUE - 64, c.getBytes("max-message-bytes"));
        this.maxQueueBytes = c.getBytes("max-queue-bytes");
        this.maxHostedBytes = c.getBytes("max-hosted-bytes");
        this.bufferBytes = c.getBytes("subscriber-buffer-bytes");
        this.idleNanos = c.getDuration("subscriber-idle-timeout").toNanos();
        this.topicReady = c.getDuration("topic-ready-timeout");
        this.maxSubscriptions = c.getInt("max-subscriptions");
        if (maxMessageBytes < 64 || maxMessageBytes > BATCH_BYTES || bufferBytes < maxMessageBytes
            || maxQueueBytes < 64) {
            throw new IllegalArgumentException("troupe.cluster.messaging: max-message-bytes must be from 64 to "
                + BATCH_BYTES + " (Artery's frames are 256 KiB), subscriber-buffer-bytes at least max-message-bytes"
                + " and max-queue-bytes at least 64; got " + maxMessageBytes + ", " + bufferBytes + " and "
                + maxQueueBytes);
        }
        this.system = system;
        this.cluster = cluster;
        this.resolver = ActorRefResolver.get(system);
        this.origin = cluster.selfUniqueAddress().toString();
        this.topic = system.systemActorOf(Topic.create(MessagingActor.TopicMessage.class, PEKKO_TOPIC),
            "troupe-topics", Props.empty());
        this.self = system.systemActorOf(MessagingActor.create(this, topic), MessagingActor.NAME, Props.empty());
        Duration sweep = Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(1), idleNanos / 4));
        this.sweeper = system.scheduler().scheduleAtFixedRate(sweep, sweep, this::sweep, system.executionContext());
    }

    @Override
    public boolean handles(String object) {
        return object.startsWith(QUEUE) || object.startsWith(TOPIC);
    }

    @Override
    public CompletionStage<ObjectReply> handle(ObjectCall call) {
        try {
            String refused = refusal(call);
            if (refused != null) {
                return done(error(call, refused));
            }
            if (call.getTimeoutNanos() > WAIT_SLICE_NANOS) {
                call = call.toBuilder().setTimeoutNanos(WAIT_SLICE_NANOS).build();
            }
            switch (call.getOp()) {
                case QUEUE_OPEN:
                case QUEUE_PUT:
                case QUEUE_GET:
                case QUEUE_SIZE:
                case QUEUE_CANCEL:
                case QUEUE_RETURN:
                    return askHost(call);
                case TOPIC_OPEN:
                    return askHost(call).thenCompose(r -> r.getError().isEmpty() ? awaitTopicReady().thenApply(x -> r)
                        : CompletableFuture.completedFuture(r));
                case TOPIC_PUBLISH:
                    return done(publish(call));
                case TOPIC_SUBSCRIBE:
                    return done(subscribe(call));
                case TOPIC_RECEIVE: {
                    LocalSubscription s = subscriptions.get(call.getIndex());
                    return s == null || !call.getObject().equals(TOPIC + s.name) ? done(noSubscription(call))
                        : s.receive(call);
                }
                case TOPIC_UNSUBSCRIBE: {
                    LocalSubscription s = subscriptions.get(call.getIndex());
                    if (s != null && call.getObject().equals(TOPIC + s.name) && subscriptions.remove(s.id, s)) {
                        s.close();
                    }
                    return done(ObjectReply.newBuilder().setCallId(call.getCallId()).build());
                }
                default:
                    return done(error(call, call.getOp() + " is not an operation of a cluster-wide queue or topic"));
            }
        } catch (RuntimeException e) {
            return done(error(call, e.toString()));
        }
    }

    /** Why the node refuses a call before it goes anywhere (a worker's calls come as they are), or {@code null}. */
    private String refusal(ObjectCall call) {
        String object = call.getObject();
        boolean queueOp = switch (call.getOp()) {
            case QUEUE_OPEN, QUEUE_PUT, QUEUE_GET, QUEUE_SIZE, QUEUE_CANCEL, QUEUE_RETURN -> true;
            default -> false;
        };
        if (queueOp ? !object.startsWith(QUEUE) : !object.startsWith(TOPIC)) {
            return call.getOp() + " is not an operation of " + object;
        }
        if (call.getMaxMessages() < 0) {
            return "maxMessages must be 0 (no bound) or more, got " + call.getMaxMessages();
        }
        if (call.getCapacity() < 0) {
            return "capacityBytes must be 0 (the default) or more, got " + call.getCapacity();
        }
        if ((call.getOp() == ObjectCall.Op.QUEUE_PUT || call.getOp() == ObjectCall.Op.TOPIC_PUBLISH)
            && call.getValue().size() > maxMessageBytes) {
            return "a message of " + call.getValue().size() + " bytes is over the limit of " + maxMessageBytes
                + " (troupe.cluster.messaging.max-message-bytes)";
        }
        return null;
    }

    // ---- queues

    /** The oldest Up (or Leaving) member's address: every queue's host. */
    private Address hostAddress() {
        Iterable<Member> members = cluster.state().getMembers();
        return StreamSupport.stream(members.spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving())
            .min(Comparator.comparing(m -> m, (a, b) -> a.isOlderThan(b) ? -1 : b.isOlderThan(a) ? 1 : 0))
            .map(Member::address)
            .orElse(null);
    }

    String selfAddress() {
        return cluster.selfAddress().toString();
    }

    private CompletionStage<ObjectReply> askHost(ObjectCall call) {
        Address host = hostAddress();
        if (host == null) {
            return done(error(call, "this node sees no member Up yet, so no host for " + call.getObject()));
        }
        ActorRef<MessagingActor.Command> ref = host.equals(cluster.selfAddress()) ? self
            : hosts.computeIfAbsent(host, a -> resolver.resolveActorRef(a + "/system/" + MessagingActor.NAME));
        Duration wait = Duration.ofNanos(Math.max(0, call.getTimeoutNanos())).plus(ANSWER_MARGIN);
        CompletionStage<MessagingActor.HostReply> answer = AskPattern.ask(ref,
            replyTo -> new MessagingActor.HostCall(call, replyTo), wait, system.scheduler());
        return answer.handle((r, e) -> {
            if (e == null) {
                return r.reply();
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
            return error(call, cause instanceof TimeoutException
                ? "its host, member " + host + " (the oldest), did not answer within " + wait.toSeconds()
                    + " s; if it left or died, the messages it held are lost"
                : "cannot reach its host, member " + host + ": " + cause);
        });
    }

    // ---- topics

    private ObjectReply publish(ObjectCall call) {
        String name = call.getObject().substring(TOPIC.length());
        outboxes.computeIfAbsent(name, Outbox::new).add(call.getValue());
        return ObjectReply.newBuilder().setCallId(call.getCallId()).setApplied(true).build();
    }

    /**
     * What this member's processes published to one topic and is not sent yet. The first publish into an empty outbox
     * schedules a send; what is published until it runs goes with it, as one Pekko message (so a fast publisher sends
     * few, large messages over Artery, and a lone publish is sent at once).
     */
    private final class Outbox {
        private final String name;
        private ArrayList<ByteString> pending = new ArrayList<>();
        private long sent;
        private boolean scheduled;

        Outbox(String name) {
            this.name = name;
        }

        synchronized void add(ByteString value) {
            pending.add(value);
            if (!scheduled) {
                scheduled = true;
                system.executionContext().execute(this::send);
            }
        }

        /** Sends what is pending, in batches of at most {@link #BATCH_BYTES}, in order (under this lock). */
        private synchronized void send() {
            scheduled = false;
            int from = 0;
            while (from < pending.size()) {
                int to = batchEnd(pending, from);
                List<ByteString> batch = List.copyOf(pending.subList(from, to));
                topic.tell(Topic.publish(new MessagingActor.TopicMessage(name, batch, origin, sent + 1)));
                sent += batch.size();
                from = to;
            }
            pending = new ArrayList<>();
        }
    }

    /**
     * Where the batch that starts at {@code from} ends (exclusive): as many messages as fit in {@link #BATCH_BYTES}
     * counting {@link #VALUE_OVERHEAD} each, and at least one (a message is at most max-message-bytes, under it).
     */
    static int batchEnd(List<ByteString> pending, int from) {
        int to = from;
        long bytes = 0;
        while (to < pending.size()) {
            long next = bytes + pending.get(to).size() + VALUE_OVERHEAD;
            if (to > from && next > BATCH_BYTES) {
                break;
            }
            bytes = next;
            to++;
        }
        return to;
    }

    /** Completes once this member's topic sees one on every Up member (itself too), or after the ready time-out. */
    private CompletionStage<Void> awaitTopicReady() {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        long deadline = System.nanoTime() + topicReady.toNanos();
        checkTopicReady(ready, deadline);
        return ready;
    }

    private void checkTopicReady(CompletableFuture<Void> ready, long deadline) {
        // Pekko's topic counts its own instance too, once the receptionist listed it.
        long members = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).count();
        AskPattern.<Topic.Command<MessagingActor.TopicMessage>, Topic.TopicStats>ask(topic, Topic::getTopicStats,
                Duration.ofSeconds(2), system.scheduler())
            .whenComplete((stats, e) -> {
                if (e == null && stats.topicInstanceCount() >= members || System.nanoTime() > deadline) {
                    ready.complete(null);
                } else {
                    system.scheduler().scheduleOnce(Duration.ofMillis(100), () -> checkTopicReady(ready, deadline),
                        system.executionContext());
                }
            });
    }

    private ObjectReply subscribe(ObjectCall call) {
        String name = call.getObject().substring(TOPIC.length());
        if (subscriptions.size() >= maxSubscriptions) {
            return error(call, "member " + selfAddress() + " has " + subscriptions.size() + " subscriptions open,"
                + " the most troupe.cluster.messaging.max-subscriptions allows; close some first");
        }
        LocalSubscription s = new LocalSubscription(subscriptionIds.incrementAndGet(), name);
        subscriptions.put(s.id, s);
        byTopic.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(s);
        return ObjectReply.newBuilder().setCallId(call.getCallId()).setVersion(s.id).build();
    }

    /** Called by {@link MessagingActor}, in the order messages arrive: hands one to the name's subscriptions. */
    void deliver(String name, List<ByteString> values, long missed) {
        Set<LocalSubscription> subs = byTopic.get(name);
        if (subs != null) {
            for (LocalSubscription s : subs) {
                s.offer(values, missed);
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (LocalSubscription s : subscriptions.values()) {
            if (s.idleSince(now) > idleNanos) {
                subscriptions.remove(s.id);
                s.close();
            }
        }
    }

    private ObjectReply noSubscription(ObjectCall call) {
        return error(call, "no subscription " + call.getIndex() + " to " + call.getObject() + " on member "
            + selfAddress() + ": it was closed, or dropped after nobody read from it for "
            + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (troupe.cluster.messaging.subscriber-idle-timeout)");
    }

    void close() {
        sweeper.cancel();
        for (LocalSubscription s : subscriptions.values()) {
            s.close();
        }
        subscriptions.clear();
    }

    private static CompletionStage<ObjectReply> done(ObjectReply r) {
        return CompletableFuture.completedFuture(r);
    }

    private static ObjectReply error(ObjectCall call, String why) {
        return ObjectReply.newBuilder().setCallId(call.getCallId()).setError(why).build();
    }

    /** One subscriber's unread messages at this member, bounded in bytes (drop oldest), and its waiting receive. */
    private final class LocalSubscription {
        final long id;
        final String name;
        private final ArrayDeque<ByteString> unread = new ArrayDeque<>();
        private long bytes;
        private long lost;
        private long lastUsed = System.nanoTime();
        private CompletableFuture<ObjectReply> waiting;
        private ObjectCall waitingCall;
        private Cancellable timer;
        private boolean closed;

        LocalSubscription(long id, String name) {
            this.id = id;
            this.name = name;
        }

        synchronized void offer(List<ByteString> values, long missed) {
            if (closed) {
                return;
            }
            lost += missed;
            for (ByteString value : values) {
                unread.addLast(value);
                bytes += value.size();
            }
            while (bytes > bufferBytes && unread.size() > 1) {
                bytes -= unread.pollFirst().size();
                lost++;
            }
            if (waiting != null) {
                answer();
            }
        }

        synchronized CompletionStage<ObjectReply> receive(ObjectCall call) {
            lastUsed = System.nanoTime();
            if (waiting != null) {
                // One receive at a time per subscription; the handle's lock makes this a stale call.
                answerEmpty();
            }
            waiting = new CompletableFuture<>();
            waitingCall = call;
            CompletableFuture<ObjectReply> result = waiting;
            if (!unread.isEmpty() || call.getTimeoutNanos() <= 0) {
                answer();
            } else {
                timer = system.scheduler().scheduleOnce(Duration.ofNanos(call.getTimeoutNanos()), this::expire,
                    system.executionContext());
            }
            return result;
        }

        private synchronized void expire() {
            if (waiting != null) {
                answer();
            }
        }

        /** Completes the waiting receive with what is unread, up to {@link #RECEIVE_BYTES}. */
        private void answer() {
            ObjectReply.Builder r = ObjectReply.newBuilder().setCallId(waitingCall.getCallId());
            int max = Math.max(1, waitingCall.getMaxMessages());
            long taken = 0;
            while (!unread.isEmpty() && r.getItemsCount() < max
                && (r.getItemsCount() == 0 || taken + unread.peekFirst().size() <= RECEIVE_BYTES)) {
                ByteString m = unread.pollFirst();
                bytes -= m.size();
                taken += m.size();
                r.addItems(m);
            }
            r.setCount(lost);
            complete(r.build());
        }

        private void answerEmpty() {
            complete(ObjectReply.newBuilder().setCallId(waitingCall.getCallId()).setCount(lost).build());
        }

        private void complete(ObjectReply r) {
            CompletableFuture<ObjectReply> w = waiting;
            waiting = null;
            waitingCall = null;
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            lastUsed = System.nanoTime();
            // Outside this lock and off the messaging actor: completing may write to a worker's link.
            system.executionContext().execute(() -> w.complete(r));
        }

        synchronized long idleSince(long now) {
            return waiting != null ? 0 : now - lastUsed;
        }

        synchronized void close() {
            closed = true;
            Set<LocalSubscription> subs = byTopic.get(name);
            if (subs != null) {
                subs.remove(this);
            }
            unread.clear();
            bytes = 0;
            if (waiting != null) {
                complete(error(waitingCall, "the subscription was closed"));
            }
        }
    }
}
