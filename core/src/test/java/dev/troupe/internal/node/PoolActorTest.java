package dev.troupe.internal.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import dev.troupe.WorkerStartException;
import dev.troupe.internal.codec.JavaSerialization;
import dev.troupe.internal.codec.PayloadCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool actor's close and terminate transitions, on pools without local workers, where queued work stays queued:
 * no process is started, so what the actor does with its queue and its callers is all there is to see.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PoolActorTest {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static ActorTestKit testKit;
    private static NodeContext node;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
        NodeSettings settings = new NodeSettings(ConfigFactory.defaultReference().resolve());
        node = new NodeContext(settings, null, new PayloadCodec(new JavaSerialization("", true)), null, null,
            "node-test", PoolActorTest.class.getClassLoader());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** A pool of {@code workers} local workers (0 here) that takes remote workers when {@code acceptRemote}. */
    private static ActorRef<PoolActor.Command> pool(boolean acceptRemote) {
        PoolActor.Spec spec = new PoolActor.Spec("pool-test-" + POOLS.incrementAndGet(), 0, 4, 3, List.of(), null,
            java.time.Duration.ofSeconds(1), null, 0, acceptRemote, dev.troupe.Placement.SPREAD, java.util.Set.of(), 0,
            3);
        CompletableFuture<List<ProcessRecord>> initial = new CompletableFuture<>();
        ActorRef<PoolActor.Command> ref = testKit.spawn(PoolActor.create(node, spec, new FastLane(), initial));
        assertThat(initial.join()).isEmpty();
        return ref;
    }

    private static InFlightTask task(CompletableFuture<List<Object>> outcome) {
        long id = node.nextTaskId();
        return new InFlightTask(id, new TaskFunction(1, ByteString.EMPTY, "test function"), ByteString.EMPTY, 1,
            new FutureSink<>(outcome, outputs -> outputs));
    }

    private static List<CompletableFuture<List<Object>>> enqueue(ActorRef<PoolActor.Command> pool, int n) {
        List<CompletableFuture<List<Object>>> outcomes = new ArrayList<>();
        List<InFlightTask> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<List<Object>> f = new CompletableFuture<>();
            outcomes.add(f);
            tasks.add(task(f));
        }
        pool.tell(new PoolActor.Enqueue(tasks));
        return outcomes;
    }

    @Test
    void shouldFailQueuedTasksAtOnceWhenThePoolHasNoWorkerAndTakesNoRemoteOnes() {
        ActorRef<PoolActor.Command> pool = pool(false);
        List<CompletableFuture<List<Object>>> outcomes = enqueue(pool, 2);
        for (CompletableFuture<List<Object>> f : outcomes) {
            assertThat(f).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
                .havingCause().isInstanceOf(WorkerStartException.class).withMessageContaining("has no workers");
        }
        testKit.stop(pool);
    }

    @Test
    void shouldStopAtOnceWhenClosedWithNothingQueued() {
        ActorRef<PoolActor.Command> pool = pool(true);
        TestProbe<Object> probe = testKit.createTestProbe();
        CompletableFuture<Void> done = new CompletableFuture<>();
        pool.tell(new PoolActor.Close(false, done));
        assertThat(done).succeedsWithin(10, TimeUnit.SECONDS);
        probe.expectTerminated(pool);
    }

    @Test
    void shouldKeepQueuedWorkOnCloseAndRefuseNewWork() {
        ActorRef<PoolActor.Command> pool = pool(true);
        List<CompletableFuture<List<Object>>> queued = enqueue(pool, 3);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pool.tell(new PoolActor.Close(false, closed));
        List<CompletableFuture<List<Object>>> late = enqueue(pool, 1);

        assertThat(late.get(0)).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
            .havingCause().isInstanceOf(IllegalStateException.class).withMessageContaining("is closed");
        // The refusal came after the close was handled (one actor, messages in order). Close waits for queued
        // work: with no worker yet, the queue and the close stay pending.
        assertThat(closed).isNotDone();
        assertThat(queued).noneMatch(CompletableFuture::isDone);

        testKit.stop(pool);
    }

    @Test
    void shouldCancelQueuedWorkAndStopWhenTerminatedAfterClose() {
        ActorRef<PoolActor.Command> pool = pool(true);
        List<CompletableFuture<List<Object>>> queued = enqueue(pool, 3);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        pool.tell(new PoolActor.Close(false, closed));
        CompletableFuture<Void> terminated = new CompletableFuture<>();
        pool.tell(new PoolActor.Close(true, terminated));

        for (CompletableFuture<List<Object>> f : queued) {
            // A future failed with a CancellationException reports it as it is, not wrapped.
            assertThat(f).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
                .isInstanceOf(CancellationException.class).withMessageContaining("was terminated");
        }
        assertThat(terminated).succeedsWithin(10, TimeUnit.SECONDS);
        assertThat(closed).as("the earlier close completes too").succeedsWithin(10, TimeUnit.SECONDS);
        testKit.createTestProbe().expectTerminated(pool);
    }
}
