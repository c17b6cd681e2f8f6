package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Bounded polling for cluster convergence: probe, else wait one interval on a delayed future, until a deadline. */
final class Await {

    static final long POLL_INTERVAL_MILLIS = 50;

    private Await() {
    }

    static void until(Duration atMost, Callable<Boolean> condition, String what) throws Exception {
        long deadlineNanos = System.nanoTime() + atMost.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadlineNanos > 0) {
                fail("not reached within " + atMost + ": " + what);
            }
            CompletableFuture.runAsync(() -> { },
                    CompletableFuture.delayedExecutor(POLL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)).join();
        }
    }
}
