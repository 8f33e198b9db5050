package dev.troupe.transport.shm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The idle strategy's stages and its waiting-flag protocol, over a real segment and a real futex. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShmIdleStrategyTest {
    private static final long HOUR_NANOS = TimeUnit.HOURS.toNanos(1);

    private Path file;
    private Segment segment;
    private final int seq = Segment.dataSeqOffset(0);
    private final int waiting = Segment.consumerWaitingOffset(0);

    @BeforeEach
    void map() throws Exception {
        file = Files.createTempFile("troupe-idle-test", ".shm");
        Files.delete(file);
        segment = Segment.create(file, 64 * 1024, ProcessHandle.current().pid());
    }

    @AfterEach
    void unmap() throws Exception {
        segment.unmap();
        Files.deleteIfExists(file);
    }

    @Test
    void shouldNeitherLookForWorkNorSleepWhileItSpins() {
        AtomicInteger looks = new AtomicInteger();
        ShmIdleStrategy idle = new ShmIdleStrategy(HOUR_NANOS, HOUR_NANOS, 32, segment, seq, waiting,
            () -> looks.incrementAndGet() > 0, () -> HOUR_NANOS);
        for (int i = 0; i < 10_000; i++) {
            idle.idle();
        }
        assertThat(idle.sleeping()).isFalse();
        assertThat(looks).hasValue(0);
        assertThat(segment.header.getIntVolatile(waiting)).isZero();
    }

    @Test
    void shouldLookForWorkWithTheWaitingFlagUpAndNotSleepWhenItFindsSome() {
        AtomicInteger flagSeen = new AtomicInteger(-1);
        ShmIdleStrategy idle = new ShmIdleStrategy(0, 0, 1, segment, seq, waiting, () -> {
            flagSeen.set(segment.header.getIntVolatile(waiting));
            return false; // work found: no sleep, or this test would hang for an hour
        }, () -> HOUR_NANOS);
        idle.idle();
        assertThat(idle.sleeping()).isTrue();
        assertThat(flagSeen).hasValue(1);
        assertThat(segment.header.getIntVolatile(waiting)).isZero();
        idle.idle(1);
        assertThat(idle.sleeping()).isFalse();
    }

    @Test
    void shouldSleepOnTheFutexUntilTheOtherSideBumpsTheSequenceAndWakesIt() throws Exception {
        assumeTrue(Futex.isAvailable(), "futexes are not available here");
        ShmIdleStrategy idle = new ShmIdleStrategy(0, 0, 1, segment, seq, waiting, () -> true, () -> HOUR_NANOS);
        Thread waker = new Thread(() -> {
            // What a producer does after a write: wake the consumer only once it said it sleeps.
            while (segment.header.getIntVolatile(waiting) == 0) {
                Thread.onSpinWait();
            }
            // The sleeper read the sequence before raising its flag: this bump makes it sleep not at all, or end.
            segment.header.getAndAddInt(seq, 1);
            Futex.wake(segment.address(seq), 1);
        }, "waker");
        waker.setDaemon(true);
        waker.start();
        idle.idle(); // would sleep for an hour, past the test's time-out, if no wake-up came
        assertThat(idle.sleeping()).isTrue();
        assertThat(segment.header.getIntVolatile(waiting)).isZero();
        waker.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(waker.isAlive()).isFalse();
    }
}
