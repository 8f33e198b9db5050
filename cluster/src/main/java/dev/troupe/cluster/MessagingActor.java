package dev.troupe.cluster;

import com.google.protobuf.ByteString;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * One per node ({@value #NAME}, under {@code /system}): hosts the cluster-wide queues when its node is the oldest
 * member, checks topic types there, and takes the messages of every cluster-wide topic from Pekko's typed
 * {@link Topic} to the node's local subscriptions. A put or get that must wait is parked here with a timer, never
 * blocking a thread; waiters are served in arrival order, so messages leave in the order their puts completed.
 */
final class MessagingActor extends AbstractBehavior<MessagingActor.Command> {
    /** The actor's name; its path is {@code /system/troupe-messaging} on every member. */
    static final String NAME = "troupe-messaging";

    /** What the actor handles. */
    interface Command {
    }

    /** Messages that cross nodes, bound to {@link ClusterSerializer}. */
    interface Message {
    }

    /** A call on a hosted queue, or a topic's type check, from any member. */
    record HostCall(ObjectCall call, ActorRef<HostReply> replyTo) implements Command, Message {
    }

    /** The host's reply. */
    record HostReply(ObjectReply reply) implements Message {
    }

    /**
     * Messages of one topic from one member, as published to Pekko's topic: a batch of what was published there while
     * the previous batch was being sent.
     *
     * @param topic  the topic's name.
     * @param values the encoded values, in publish order.
     * @param origin the publishing member's unique address.
     * @param first  the publishing member's number of the first of them on this topic, from 1.
     */
    record TopicMessage(String topic, java.util.List<ByteString> values, String origin, long first)
        implements Message {
    }

    private record Delivered(TopicMessage message) implements Command {
    }

    private record Expired(long waiter) implements Command {
    }

    private record Removed(org.apache.pekko.cluster.ClusterEvent.MemberRemoved event) implements Command {
    }

    /** A put or get waiting at its queue. */
    private record Waiter(long id, ObjectCall call, ActorRef<HostReply> replyTo) {
    }

    private final ActorContext<Command> context;
    private final TimerScheduler<Command> timers;
    private final ClusterMessaging messaging;
    private final Map<String, HostedQueue> queues = new HashMap<>();
    private final Map<String, ArrayDeque<Waiter>> getters = new HashMap<>();
    private final Map<String, ArrayDeque<Waiter>> putters = new HashMap<>();
    private final Map<String, String> topicTypes = new HashMap<>();
    /** The next message number expected per publishing member and topic, to count what Artery dropped. */
    private final Map<String, Long> expected = new HashMap<>();
    private long waiters;
    /** The sum of the hosted queues' capacities. */
    private long hosted;

    static Behavior<Command> create(ClusterMessaging messaging, ActorRef<Topic.Command<TopicMessage>> topic) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            topic.tell(Topic.subscribe(ctx.messageAdapter(TopicMessage.class, Delivered::new)));
            org.apache.pekko.cluster.typed.Cluster.get(ctx.getSystem()).subscriptions().tell(
                org.apache.pekko.cluster.typed.Subscribe.create(ctx.messageAdapter(
                    org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class, Removed::new),
                    org.apache.pekko.cluster.ClusterEvent.MemberRemoved.class));
            return new MessagingActor(ctx, timers, messaging);
        }));
    }

    private MessagingActor(ActorContext<Command> context, TimerScheduler<Command> timers,
                           ClusterMessaging messaging) {
        super(context);
        this.context = context;
        this.timers = timers;
        this.messaging = messaging;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
            .onMessage(HostCall.class, this::onHostCall)
            .onMessage(Delivered.class, this::onDelivered)
            .onMessage(Expired.class, this::onExpired)
            .onMessage(Removed.class, this::onRemoved)
            .build();
    }

    private Behavior<Command> onDelivered(Delivered d) {
        TopicMessage m = d.message();
        String key = m.origin() + '\n' + m.topic();
        Long next = expected.put(key, m.first() + m.values().size());
        long missed = next == null || m.first() <= next ? 0 : m.first() - next;
        messaging.deliver(m.topic(), m.values(), missed);
        return this;
    }

    /** Forgets the message numbers of a member that left: it never publishes again under that address. */
    private Behavior<Command> onRemoved(Removed r) {
        String prefix = r.event().member().uniqueAddress().toString() + '\n';
        expected.keySet().removeIf(k -> k.startsWith(prefix));
        return this;
    }

    private Behavior<Command> onHostCall(HostCall c) {
        ObjectCall call = c.call();
        String object = call.getObject();
        ObjectReply.Builder reply = ObjectReply.newBuilder().setCallId(call.getCallId());
        if (call.getOp() == Op.TOPIC_OPEN) {
            String name = object.substring(ClusterMessaging.TOPIC.length());
            String type = topicTypes.putIfAbsent(name, call.getType());
            if (type != null && !type.equals(call.getType())) {
                c.replyTo().tell(error(call, "cluster topic '" + name + "' carries " + type + ", not "
                    + call.getType()));
            } else {
                c.replyTo().tell(new HostReply(reply.setCount(messaging.maxMessageBytes).build()));
            }
            return this;
        }
        String name = object.substring(ClusterMessaging.QUEUE.length());
        if (call.getOp() == Op.QUEUE_OPEN) {
            c.replyTo().tell(open(name, call));
            return this;
        }
        HostedQueue q = queues.get(name);
        if (q == null) {
            c.replyTo().tell(error(call, "cluster queue '" + name + "' is not open at its host, node "
                + messaging.selfAddress() + " (the oldest member). If its earlier host left or died, the messages it"
                + " held were lost with it: open the queue again with Troupe.queue"));
            return this;
        }
        switch (call.getOp()) {
            case QUEUE_PUT:
                onPut(q, new Waiter(0, call, c.replyTo()));
                break;
            case QUEUE_GET:
                onGet(q, new Waiter(0, call, c.replyTo()));
                break;
            case QUEUE_SIZE:
                c.replyTo().tell(new HostReply(reply.setCount(q.size()).build()));
                break;
            case QUEUE_RETURN:
                q.addFirst(call.getValue());
                c.replyTo().tell(new HostReply(reply.setApplied(true).build()));
                serveGetters(q);
                break;
            case QUEUE_CANCEL:
                c.replyTo().tell(new HostReply(reply.setApplied(cancelGet(q, call.getKey())).build()));
                break;
            default:
                c.replyTo().tell(error(call, call.getOp() + " is not a queue operation"));
        }
        return this;
    }

    private HostReply open(String name, ObjectCall call) {
        long capacity = call.getCapacity() == 0 ? ClusterMessaging.DEFAULT_CAPACITY : call.getCapacity();
        HostedQueue q = queues.get(name);
        if (q == null) {
            if (call.getMaxMessages() < 0) {
                return error(call, "a cluster queue's maxMessages must be 0 (no bound) or more, got "
                    + call.getMaxMessages());
            }
            if (capacity < 64 || capacity > messaging.maxQueueBytes) {
                return error(call, "a cluster queue's capacityBytes must be from 64 to " + messaging.maxQueueBytes
                    + " (troupe.cluster.messaging.max-queue-bytes), got " + capacity);
            }
            if (hosted + capacity > messaging.maxHostedBytes) {
                return error(call, "member " + messaging.selfAddress() + " hosts queues of " + hosted + " bytes;"
                    + " another of " + capacity + " would pass troupe.cluster.messaging.max-hosted-bytes ("
                    + messaging.maxHostedBytes + ")");
            }
            q = new HostedQueue(name, call.getType(), call.getMaxMessages(), capacity);
            queues.put(name, q);
            hosted += capacity;
            context.getLog().info("hosting cluster queue '{}' of {} ({} bytes, max messages {})", name,
                call.getType(), capacity, call.getMaxMessages());
        } else if (!q.type.equals(call.getType())) {
            return error(call, "cluster queue '" + name + "' carries " + q.type + ", not " + call.getType());
        } else if (q.capacity != capacity || q.maxMessages != call.getMaxMessages()) {
            return error(call, "cluster queue '" + name + "' exists with a capacity of " + q.capacity
                + " bytes and maxMessages " + q.maxMessages + ", not " + capacity + " and " + call.getMaxMessages()
                + " (opened with other parameters)");
        }
        int max = (int) Math.min(messaging.maxMessageBytes, q.capacity - HostedQueue.OVERHEAD);
        return new HostReply(ObjectReply.newBuilder().setCallId(call.getCallId()).setCount(max).build());
    }

    private void onPut(HostedQueue q, Waiter w) {
        ByteString value = w.call().getValue();
        if (value.size() > Math.min(messaging.maxMessageBytes, q.capacity - HostedQueue.OVERHEAD)) {
            w.replyTo().tell(error(w.call(), "a message of " + value.size() + " bytes can never fit in cluster queue '"
                + q.name + "' (its capacity is " + q.capacity + " bytes, troupe.cluster.messaging.max-message-bytes "
                + messaging.maxMessageBytes + ")"));
            return;
        }
        ArrayDeque<Waiter> waiting = putters.computeIfAbsent(q.name, k -> new ArrayDeque<>());
        if (waiting.isEmpty() && q.fits(value.size())) {
            q.add(value);
            w.replyTo().tell(reply(w, true, null));
            serveGetters(q);
        } else if (w.call().getTimeoutNanos() <= 0) {
            w.replyTo().tell(reply(w, false, null));
        } else {
            waiting.addLast(park(w));
        }
    }

    private void onGet(HostedQueue q, Waiter w) {
        ArrayDeque<Waiter> waiting = getters.computeIfAbsent(q.name, k -> new ArrayDeque<>());
        ByteString m = waiting.isEmpty() ? q.take() : null;
        if (m != null) {
            w.replyTo().tell(reply(w, true, m));
            servePutters(q);
        } else if (w.call().getTimeoutNanos() <= 0) {
            w.replyTo().tell(reply(w, false, null));
        } else {
            waiting.addLast(park(w));
        }
    }

    private Waiter park(Waiter w) {
        Waiter parked = new Waiter(++waiters, w.call(), w.replyTo());
        long nanos = Math.min(w.call().getTimeoutNanos(), ClusterMessaging.WAIT_SLICE_NANOS);
        timers.startSingleTimer(parked.id(), new Expired(parked.id()), Duration.ofNanos(nanos));
        return parked;
    }

    /** Drops the parked get of this key (its caller gave up), answering it "empty"; whether there was one. */
    private boolean cancelGet(HostedQueue q, ByteString key) {
        ArrayDeque<Waiter> waiting = getters.get(q.name);
        if (key.isEmpty() || waiting == null) {
            return false;
        }
        for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.call().getKey().equals(key)) {
                it.remove();
                timers.cancel(w.id());
                w.replyTo().tell(reply(w, false, null));
                return true;
            }
        }
        return false;
    }

    /** Hands messages to waiting gets, oldest first. */
    private void serveGetters(HostedQueue q) {
        ArrayDeque<Waiter> waiting = getters.get(q.name);
        while (waiting != null && !waiting.isEmpty() && q.size() > 0) {
            Waiter w = waiting.pollFirst();
            timers.cancel(w.id());
            w.replyTo().tell(reply(w, true, q.take()));
        }
        servePutters(q);
    }

    /** Lets waiting puts in, oldest first, while they fit. */
    private void servePutters(HostedQueue q) {
        ArrayDeque<Waiter> waiting = putters.get(q.name);
        boolean added = false;
        while (waiting != null && !waiting.isEmpty() && q.fits(waiting.peekFirst().call().getValue().size())) {
            Waiter w = waiting.pollFirst();
            timers.cancel(w.id());
            q.add(w.call().getValue());
            w.replyTo().tell(reply(w, true, null));
            added = true;
        }
        if (added) {
            serveGetters(q);
        }
    }

    private Behavior<Command> onExpired(Expired e) {
        for (Map<String, ArrayDeque<Waiter>> all : java.util.List.of(getters, putters)) {
            for (Map.Entry<String, ArrayDeque<Waiter>> waiting : all.entrySet()) {
                for (Iterator<Waiter> it = waiting.getValue().iterator(); it.hasNext(); ) {
                    Waiter w = it.next();
                    if (w.id() == e.waiter()) {
                        it.remove();
                        w.replyTo().tell(reply(w, false, null));
                        HostedQueue q = queues.get(waiting.getKey());
                        if (all == putters && q != null) {
                            // The put that expired may have held back smaller ones behind it that fit now.
                            servePutters(q);
                        }
                        return this;
                    }
                }
            }
        }
        return this;
    }

    private static HostReply reply(Waiter w, boolean done, ByteString value) {
        ObjectReply.Builder r = ObjectReply.newBuilder().setCallId(w.call().getCallId());
        if (w.call().getOp() == Op.QUEUE_PUT) {
            r.setApplied(done);
        } else if (done) {
            r.setFound(true).setValue(value);
        }
        return new HostReply(r.build());
    }

    private static HostReply error(ObjectCall call, String why) {
        return new HostReply(ObjectReply.newBuilder().setCallId(call.getCallId()).setError(why).build());
    }
}
