package dev.troupe.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectReply;
import java.io.NotSerializableException;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every message between node agents goes through the module's protobuf serializer (as bound in its
 * {@code reference.conf}, not Java serialization) and comes back equal; bad bytes fail with a clear error.
 */
class ClusterSerializerTest {
    private static ActorSystem<NodeAgent.Command> system;
    private static Serialization serialization;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "serializer-test", ConfigFactory.load());
        serialization = SerializationExtension.get(Adapter.toClassic(system));
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    private static Object roundTrip(Object message) throws Exception {
        Serializer serializer = serialization.findSerializerFor(message);
        assertThat(serializer).isInstanceOf(ClusterSerializer.class);
        byte[] bytes = serialization.serialize(message).get();
        return serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
            .get();
    }

    @Test
    void everyAgentMessageRoundTrips() throws Exception {
        ActorRef<NodeAgent.Command> origin = system;
        NodeAgent.Lend lend = new NodeAgent.Lend("pool-1", "w-2", new byte[]{1, 2, 3}, "tcp://127.0.0.1:4000",
            List.of("-Xmx64m"), origin);
        NodeAgent.Lend back = (NodeAgent.Lend) roundTrip(lend);
        assertThat(back.pool()).isEqualTo("pool-1");
        assertThat(back.workerId()).isEqualTo("w-2");
        assertThat(back.token()).containsExactly(1, 2, 3);
        assertThat(back.connect()).isEqualTo("tcp://127.0.0.1:4000");
        assertThat(back.jvmOptions()).containsExactly("-Xmx64m");
        assertThat(back.origin()).isEqualTo(origin);
        assertThat(roundTrip(new NodeAgent.Kill("w-2", origin))).isEqualTo(new NodeAgent.Kill("w-2", origin));
        assertThat(roundTrip(new NodeAgent.Started("w-2", 42, "h"))).isEqualTo(new NodeAgent.Started("w-2", 42, "h"));
        assertThat(roundTrip(new NodeAgent.NotStarted("w-2", "full"))).isEqualTo(new NodeAgent.NotStarted("w-2",
            "full"));
        assertThat(roundTrip(new NodeAgent.Exited("w-2", -9))).isEqualTo(new NodeAgent.Exited("w-2", -9));
        assertThat(roundTrip(new NodeAgent.Retire("w-2", "leaving"))).isEqualTo(new NodeAgent.Retire("w-2",
            "leaving"));
        ActorRef<NodeAgent.Description> asker = system.unsafeUpcast();
        assertThat(roundTrip(new NodeAgent.Describe(asker))).isEqualTo(new NodeAgent.Describe(asker));
        NodeAgent.Description description = new NodeAgent.Description("127.0.0.1:25520", List.of(
            new NodeAgent.ProcessRow("w-1", 4242, NodeAgent.ProcessRow.WORKER, "pool-1", "", "BUSY", 1250,
                52_428_800, ""),
            new NodeAgent.ProcessRow("w-7", 4343, NodeAgent.ProcessRow.LENT, "pool-3", "127.0.0.1:25521",
                NodeAgent.ProcessRow.RUNNING, -1, -1, ""),
            new NodeAgent.ProcessRow("r-2", -1, NodeAgent.ProcessRow.REMOTE, "pool-1", "", "STARTING", 0, -1,
                "other-host")),
            List.of(new NodeAgent.PoolRow("pool-1", "SPREAD", 3, 1, 2)));
        assertThat(roundTrip(description)).isEqualTo(description);
        NodeAgent.Description empty = new NodeAgent.Description("h:1", List.of(), List.of());
        assertThat(roundTrip(empty)).isEqualTo(empty);
    }

    @Test
    void everyMessagingMessageRoundTrips() throws Exception {
        ActorRef<MessagingActor.HostReply> asker = system.unsafeUpcast();
        ObjectCall call = ObjectCall.newBuilder().setCallId(7).setObject("cqueue:jobs").setOp(ObjectCall.Op.QUEUE_PUT)
            .setValue(ByteString.copyFromUtf8("payload")).setTimeoutNanos(1_000_000).build();
        assertThat(roundTrip(new MessagingActor.HostCall(call, asker))).isEqualTo(new MessagingActor.HostCall(call,
            asker));
        ObjectReply reply = ObjectReply.newBuilder().setCallId(7).setFound(true)
            .setValue(ByteString.copyFromUtf8("x")).build();
        assertThat(roundTrip(new MessagingActor.HostReply(reply))).isEqualTo(new MessagingActor.HostReply(reply));
        MessagingActor.TopicMessage m = new MessagingActor.TopicMessage("prices", List.of(ByteString.copyFrom(
            new byte[] {0, 1, 2}), ByteString.copyFromUtf8("next")), "pekko://troupe@127.0.0.1:25520#42", 9);
        assertThat(roundTrip(m)).isEqualTo(m);
    }

    @Test
    void garbageAndUnknownManifestsFailWithAClearError() {
        ClusterSerializer serializer = new ClusterSerializer((org.apache.pekko.actor.ExtendedActorSystem)
            Adapter.toClassic(system));
        assertThatThrownBy(() -> serializer.fromBinary(new byte[]{(byte) 0xff, (byte) 0xff, 0x01}, "E"))
            .isInstanceOf(NotSerializableException.class).hasMessageContaining("malformed E message");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[]{0x12, 0x05, 0x0a}, "D"))
            .isInstanceOf(NotSerializableException.class).hasMessageContaining("malformed D message");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[]{(byte) 0x80}, "Q"))
            .isInstanceOf(NotSerializableException.class).hasMessageContaining("malformed Q message");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[] {0x0a, 0x05, 0x01}, "MC"))
            .isInstanceOf(NotSerializableException.class).hasMessageContaining("malformed MC message");
        assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "Z"))
            .isInstanceOf(NotSerializableException.class).hasMessageContaining("unknown manifest 'Z'");
    }
}
