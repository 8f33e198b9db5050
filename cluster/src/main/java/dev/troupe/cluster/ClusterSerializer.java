package dev.troupe.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.troupe.cluster.wire.DescribeNode;
import dev.troupe.cluster.wire.KillWorker;
import dev.troupe.cluster.wire.LendWorker;
import dev.troupe.cluster.wire.MessagingCall;
import dev.troupe.cluster.wire.MessagingReply;
import dev.troupe.cluster.wire.NodeDescription;
import dev.troupe.cluster.wire.PoolEntry;
import dev.troupe.cluster.wire.ProcessEntry;
import dev.troupe.cluster.wire.RetireWorker;
import dev.troupe.cluster.wire.TopicMessage;
import dev.troupe.cluster.wire.WorkerExited;
import dev.troupe.cluster.wire.WorkerNotStarted;
import dev.troupe.cluster.wire.WorkerStarted;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Encodes the messages between node agents ({@link NodeAgent.Message}) and messaging actors
 * ({@link MessagingActor.Message}) as the protobuf messages of
 * {@code troupe_cluster.proto}, so no Java serialization crosses nodes. Bound in the module's
 * {@code reference.conf}. Bytes that do not decode fail with Pekko's usual serialization error; the message is
 * dropped and the node keeps serving.
 */
public final class ClusterSerializer extends SerializerWithStringManifest {
    /** This serializer's id among Pekko's; fixed, since it is part of what crosses the network. */
    static final int IDENTIFIER = 7731;
    private static final String LEND = "L";
    private static final String KILL = "K";
    private static final String STARTED = "S";
    private static final String NOT_STARTED = "N";
    private static final String EXITED = "E";
    private static final String RETIRE = "R";
    private static final String DESCRIBE = "Q";
    private static final String DESCRIPTION = "D";
    private static final String HOST_CALL = "MC";
    private static final String HOST_REPLY = "MR";
    private static final String TOPIC_MESSAGE = "MT";

    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    /**
     * @param system the actor system, as Pekko hands it to serializers.
     */
    public ClusterSerializer(ExtendedActorSystem system) {
        this.system = system;
    }

    private ActorRefResolver resolver() {
        ActorRefResolver r = resolver;
        if (r == null) {
            r = ActorRefResolver.get(Adapter.toTyped(system));
            resolver = r;
        }
        return r;
    }

    /**
     * @return {@value #IDENTIFIER}.
     */
    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    /**
     * @param o a {@link NodeAgent.Message}.
     * @return its one-letter manifest.
     */
    @Override
    public String manifest(Object o) {
        if (o instanceof NodeAgent.Lend) {
            return LEND;
        } else if (o instanceof NodeAgent.Kill) {
            return KILL;
        } else if (o instanceof NodeAgent.Started) {
            return STARTED;
        } else if (o instanceof NodeAgent.NotStarted) {
            return NOT_STARTED;
        } else if (o instanceof NodeAgent.Exited) {
            return EXITED;
        } else if (o instanceof NodeAgent.Retire) {
            return RETIRE;
        } else if (o instanceof NodeAgent.Describe) {
            return DESCRIBE;
        } else if (o instanceof NodeAgent.Description) {
            return DESCRIPTION;
        } else if (o instanceof MessagingActor.HostCall) {
            return HOST_CALL;
        } else if (o instanceof MessagingActor.HostReply) {
            return HOST_REPLY;
        } else if (o instanceof MessagingActor.TopicMessage) {
            return TOPIC_MESSAGE;
        }
        throw new IllegalArgumentException("cannot serialize " + o.getClass().getName() + " with "
            + getClass().getName());
    }

    /**
     * @param o a {@link NodeAgent.Message}.
     * @return its protobuf bytes.
     */
    @Override
    public byte[] toBinary(Object o) {
        if (o instanceof NodeAgent.Lend m) {
            return LendWorker.newBuilder().setPool(m.pool()).setWorkerId(m.workerId())
                .setToken(ByteString.copyFrom(m.token())).setConnect(m.connect()).addAllJvmOptions(m.jvmOptions())
                .setOrigin(ref(m.origin())).build().toByteArray();
        } else if (o instanceof NodeAgent.Kill m) {
            return KillWorker.newBuilder().setWorkerId(m.workerId()).setOrigin(ref(m.origin())).build().toByteArray();
        } else if (o instanceof NodeAgent.Started m) {
            return WorkerStarted.newBuilder().setWorkerId(m.workerId()).setPid(m.pid()).setHost(m.host()).build()
                .toByteArray();
        } else if (o instanceof NodeAgent.NotStarted m) {
            return WorkerNotStarted.newBuilder().setWorkerId(m.workerId()).setReason(m.reason()).build()
                .toByteArray();
        } else if (o instanceof NodeAgent.Exited m) {
            return WorkerExited.newBuilder().setWorkerId(m.workerId()).setExitCode(m.exitCode()).build()
                .toByteArray();
        } else if (o instanceof NodeAgent.Retire m) {
            return RetireWorker.newBuilder().setWorkerId(m.workerId()).setReason(m.reason()).build().toByteArray();
        } else if (o instanceof NodeAgent.Describe m) {
            return DescribeNode.newBuilder().setReplyTo(ref(m.replyTo())).build().toByteArray();
        } else if (o instanceof NodeAgent.Description m) {
            return description(m).toByteArray();
        } else if (o instanceof MessagingActor.HostCall m) {
            return MessagingCall.newBuilder().setCall(m.call().toByteString()).setReplyTo(ref(m.replyTo())).build()
                .toByteArray();
        } else if (o instanceof MessagingActor.HostReply m) {
            return MessagingReply.newBuilder().setReply(m.reply().toByteString()).build().toByteArray();
        } else if (o instanceof MessagingActor.TopicMessage m) {
            return TopicMessage.newBuilder().setTopic(m.topic()).addAllValues(m.values()).setOrigin(m.origin())
                .setFirst(m.first()).build().toByteArray();
        }
        throw new IllegalArgumentException("cannot serialize " + o.getClass().getName() + " with "
            + getClass().getName());
    }

    /**
     * @param bytes    the protobuf bytes.
     * @param manifest the manifest {@link #manifest} gave.
     * @return the message.
     * @throws NotSerializableException when the manifest is unknown or the bytes do not decode.
     */
    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try {
            switch (manifest) {
                case LEND: {
                    LendWorker m = LendWorker.parseFrom(bytes);
                    return new NodeAgent.Lend(m.getPool(), m.getWorkerId(), m.getToken().toByteArray(),
                        m.getConnect(), m.getJvmOptionsList(), resolve(m.getOrigin()));
                }
                case KILL: {
                    KillWorker m = KillWorker.parseFrom(bytes);
                    return new NodeAgent.Kill(m.getWorkerId(), resolve(m.getOrigin()));
                }
                case STARTED: {
                    WorkerStarted m = WorkerStarted.parseFrom(bytes);
                    return new NodeAgent.Started(m.getWorkerId(), m.getPid(), m.getHost());
                }
                case NOT_STARTED: {
                    WorkerNotStarted m = WorkerNotStarted.parseFrom(bytes);
                    return new NodeAgent.NotStarted(m.getWorkerId(), m.getReason());
                }
                case EXITED: {
                    WorkerExited m = WorkerExited.parseFrom(bytes);
                    return new NodeAgent.Exited(m.getWorkerId(), m.getExitCode());
                }
                case RETIRE: {
                    RetireWorker m = RetireWorker.parseFrom(bytes);
                    return new NodeAgent.Retire(m.getWorkerId(), m.getReason());
                }
                case DESCRIBE: {
                    DescribeNode m = DescribeNode.parseFrom(bytes);
                    return new NodeAgent.Describe(resolver().resolveActorRef(m.getReplyTo()));
                }
                case DESCRIPTION:
                    return description(NodeDescription.parseFrom(bytes));
                case HOST_CALL: {
                    MessagingCall m = MessagingCall.parseFrom(bytes);
                    return new MessagingActor.HostCall(ObjectCall.parseFrom(m.getCall()),
                        resolver().resolveActorRef(m.getReplyTo()));
                }
                case HOST_REPLY:
                    return new MessagingActor.HostReply(ObjectReply.parseFrom(MessagingReply.parseFrom(bytes)
                        .getReply()));
                case TOPIC_MESSAGE: {
                    TopicMessage m = TopicMessage.parseFrom(bytes);
                    return new MessagingActor.TopicMessage(m.getTopic(), m.getValuesList(), m.getOrigin(),
                        m.getFirst());
                }
                default:
                    throw new NotSerializableException("unknown manifest '" + manifest + "' for "
                        + getClass().getName() + " (a node of another Troupe version?)");
            }
        } catch (InvalidProtocolBufferException e) {
            throw new NotSerializableException("malformed " + manifest + " message (" + bytes.length + " bytes): "
                + e.getMessage());
        }
    }

    private static NodeDescription description(NodeAgent.Description m) {
        NodeDescription.Builder b = NodeDescription.newBuilder().setNode(m.node());
        for (NodeAgent.ProcessRow r : m.processes()) {
            b.addProcesses(ProcessEntry.newBuilder().setId(r.id()).setPid(r.pid()).setRole(r.role()).setPool(r.pool())
                .setPeer(r.peer()).setState(r.state()).setCpuMillis(r.cpuMillis()).setRssBytes(r.rssBytes())
                .setHost(r.host()));
        }
        for (NodeAgent.PoolRow p : m.pools()) {
            b.addPools(PoolEntry.newBuilder().setName(p.name()).setPlacement(p.placement()).setWorkers(p.workers())
                .setLent(p.lent()).setInFlight(p.inFlight()));
        }
        return b.build();
    }

    private static NodeAgent.Description description(NodeDescription m) {
        List<NodeAgent.ProcessRow> processes = new ArrayList<>();
        for (ProcessEntry r : m.getProcessesList()) {
            processes.add(new NodeAgent.ProcessRow(r.getId(), r.getPid(), r.getRole(), r.getPool(), r.getPeer(),
                r.getState(), r.getCpuMillis(), r.getRssBytes(), r.getHost()));
        }
        List<NodeAgent.PoolRow> pools = new ArrayList<>();
        for (PoolEntry p : m.getPoolsList()) {
            pools.add(new NodeAgent.PoolRow(p.getName(), p.getPlacement(), p.getWorkers(), p.getLent(),
                p.getInFlight()));
        }
        return new NodeAgent.Description(m.getNode(), processes, pools);
    }

    private String ref(ActorRef<?> ref) {
        return resolver().toSerializationFormat(ref);
    }

    private ActorRef<NodeAgent.Command> resolve(String path) {
        return resolver().resolveActorRef(path);
    }
}
