package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The after-commit pool: how many steps run at once, and where a step runs when the pool is full or off. Steps here
 * block on latches, so every wait is for an event, bounded.
 */
class ReleaserTest {

    private static final long WAIT_SECONDS = 10;

    /**
     * A step waits for its store transaction, so the pool must run many at once: with two threads, steps queued behind
     * two slow ones and rows stayed locked for a quarter of a second under load (docs/BENCHMARKS.md, session 18).
     */
    @Test
    void runsUpToItsThreadBoundOfStepsAtOnceAndQueuesTheRest() throws Exception {
        int steps = Releaser.MAX_THREADS + 8;
        int many = 16; // a step waits for a store transaction: under load many must be in flight at once
        CountDownLatch started = new CountDownLatch(many);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Releaser releaser = new Releaser("test", 256, 5_000);
        try {
            for (int i = 0; i < steps; i++) {
                releaser.submit(() -> {
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    started.countDown();
                    try {
                        gate.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    running.decrementAndGet();
                    done.incrementAndGet();
                });
            }
            assertThat(started.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("%d steps running at once", many).isTrue();
            gate.countDown();
            assertThat(releaser.awaitIdle(TimeUnit.SECONDS.toMillis(WAIT_SECONDS))).isTrue();
        } finally {
            gate.countDown();
            releaser.close();
        }
        assertThat(done.get()).isEqualTo(steps);
        assertThat(mostAtOnce.get()).as("steps running at once").isBetween(many, Releaser.MAX_THREADS);
    }

    /** Past {@code maxInFlight} queued or running steps, the committing thread runs its step itself. */
    @Test
    void pastItsInFlightBoundTheCallerRunsTheStep() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch gate = new CountDownLatch(1);
        Releaser releaser = new Releaser("test", 2, 5_000);
        try {
            for (int i = 0; i < 2; i++) {
                releaser.submit(() -> {
                    started.countDown();
                    try {
                        gate.await(WAIT_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(started.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            Thread caller = Thread.currentThread();
            Thread[] ranOn = new Thread[1];
            releaser.submit(() -> ranOn[0] = Thread.currentThread());
            assertThat(ranOn[0]).as("the third step, with two in flight and a bound of two").isSameAs(caller);
        } finally {
            gate.countDown();
            releaser.close();
        }
    }

    /** With {@code maxInFlight} 0 there is no pool: every step runs before {@code submit} returns. */
    @Test
    void withNoInFlightStepsAllowedEveryStepRunsOnTheCaller() {
        Releaser releaser = new Releaser("test", 0, 5_000);
        Thread[] ranOn = new Thread[1];
        releaser.submit(() -> ranOn[0] = Thread.currentThread());
        releaser.close();
        assertThat(ranOn[0]).isSameAs(Thread.currentThread());
    }
}
