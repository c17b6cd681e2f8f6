package io.homeostat.runtime.threaded;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Bounded polling for tests, without Thread.sleep and without an extra dependency: probe, and if the condition does
 * not hold yet, wait one poll interval on a delayed future, until a deadline.
 */
final class Await {

    static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    private Await() {
    }

    /** Polls {@code probe} until {@code done} holds; fails with {@code describe(last value)} after {@code atMost}. */
    static <T> T until(Duration atMost, Callable<T> probe, Predicate<? super T> done,
            Function<? super T, String> describe) throws Exception {
        long deadlineNanos = System.nanoTime() + atMost.toNanos();
        while (true) {
            T value = probe.call();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                return fail("condition not reached within " + atMost + "; last: " + describe.apply(value));
            }
            CompletableFuture.runAsync(() -> { },
                    CompletableFuture.delayedExecutor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)).join();
        }
    }

    /** Polls a boolean condition. */
    static void until(Duration atMost, Callable<Boolean> condition, String what) throws Exception {
        until(atMost, condition, Boolean::booleanValue, v -> what);
    }
}
