package dev.troupe.internal.objects;

import static org.assertj.core.api.Assertions.assertThat;

import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PayloadCodec;
import dev.troupe.spi.ObjectHandler;
import dev.troupe.wire.ObjectCall;
import dev.troupe.wire.ObjectCall.Op;
import dev.troupe.wire.ObjectReply;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LocalObjectsTest {

    /** Records the calls that reach it; a subscribe gets id 42. */
    private static final class Recorder implements ObjectHandler {
        final List<ObjectCall> calls = new CopyOnWriteArrayList<>();

        @Override
        public boolean handles(String object) {
            return object.startsWith("ctopic:") || object.startsWith("cqueue:");
        }

        @Override
        public CompletionStage<ObjectReply> handle(ObjectCall call) {
            calls.add(call);
            return CompletableFuture.completedFuture(ObjectReply.newBuilder().setCallId(call.getCallId())
                .setVersion(call.getOp() == Op.TOPIC_SUBSCRIBE ? 42 : 0).build());
        }
    }

    @Test
    void aSubscriptionServesOnlyTheCallerThatMadeItAndEndsWhenItsLinkCloses() {
        LocalObjects objects = new LocalObjects(new ObjectHost(1 << 20),
            new PayloadCodec(new JavaSerialization(JavaSerialization.DEFAULT_FILTER, true)),
            getClass().getClassLoader(), "n1");
        Recorder extension = new Recorder();
        objects.extend(extension);
        Object owner = new Object();
        Object other = new Object();
        ObjectCall.Builder call = ObjectCall.newBuilder().setCallId(1).setObject("ctopic:news");
        assertThat(reply(objects, owner, call.clone().setOp(Op.TOPIC_SUBSCRIBE)).getVersion()).isEqualTo(42);

        assertThat(reply(objects, other, call.clone().setOp(Op.TOPIC_RECEIVE).setIndex(42)).getError())
            .contains("no subscription 42 to ctopic:news of this caller on node n1");
        assertThat(reply(objects, other, call.clone().setOp(Op.TOPIC_UNSUBSCRIBE).setIndex(42)).getError())
            .contains("no subscription 42");
        assertThat(reply(objects, owner, call.clone().setObject("ctopic:other").setOp(Op.TOPIC_RECEIVE)
            .setIndex(42)).getError()).contains("made on another topic");
        assertThat(extension.calls).hasSize(1);
        assertThat(reply(objects, owner, call.clone().setOp(Op.TOPIC_RECEIVE).setIndex(42)).getError()).isEmpty();
        assertThat(extension.calls).hasSize(2);

        objects.callerClosed(other);
        assertThat(extension.calls).hasSize(2);
        objects.callerClosed(owner);
        assertThat(extension.calls).hasSize(3);
        assertThat(extension.calls.get(2).getOp()).isEqualTo(Op.TOPIC_UNSUBSCRIBE);
        assertThat(extension.calls.get(2).getIndex()).isEqualTo(42);
        assertThat(reply(objects, owner, call.clone().setOp(Op.TOPIC_RECEIVE).setIndex(42)).getError())
            .contains("no subscription 42");
    }

    @Test
    void aWorkerCannotPushAMessagePastAQueuesBounds() {
        LocalObjects objects = new LocalObjects(new ObjectHost(1 << 20),
            new PayloadCodec(new JavaSerialization(JavaSerialization.DEFAULT_FILTER, true)),
            getClass().getClassLoader(), "n1");
        Recorder extension = new Recorder();
        objects.extend(extension);
        ObjectCall.Builder back = ObjectCall.newBuilder().setCallId(3).setObject("cqueue:jobs")
            .setOp(Op.QUEUE_RETURN);
        assertThat(reply(objects, new Object(), back).getError())
            .contains("QUEUE_RETURN is the node's own operation; node n1 refuses it from a worker");
        assertThat(extension.calls).isEmpty();
        assertThat(reply(objects, objects, back).getError()).isEmpty();
        assertThat(extension.calls).hasSize(1);
    }

    private static ObjectReply reply(LocalObjects objects, Object caller, ObjectCall.Builder call) {
        AtomicReference<ObjectReply> r = new AtomicReference<>();
        objects.handle(caller, call.build(), r::set);
        return r.get();
    }
}
