package io.homeostat.jpa;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the after-completion step of READ_WRITE updates (publish the new value, or release the lock) off the thread
 * that committed, so that the commit returns once the database has committed: the entry is locked from before the
 * database change until that step, and a lock is a miss on every node, so no reader can see the old state in the
 * meantime (see the module README). At most {@code maxInFlight} steps are queued or running; past that the committing
 * thread runs its step itself, so a slow store slows the committers down instead of growing a queue. With
 * {@code maxInFlight} 0 every step runs on the committing thread. One per factory; not a protocol (plain threads).
 */
final class Releaser implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Releaser.class.getName());
    /**
     * Threads that run steps at most; a step is one store transaction and its thread waits for it, so this bounds the
     * steps in flight at once. Two used to be the bound, and under load the queue behind them grew: in {@code bench
     * l2}'s mix at 16 client threads a row stayed locked (a miss on every node) about 250 ms after its update on
     * average, and 2.9 % of the finds missed (docs/BENCHMARKS.md, session 18). Threads start when steps come and end
     * after {@link #IDLE_MILLIS} without one.
     */
    static final int MAX_THREADS = 32;
    private static final long IDLE_MILLIS = 30_000;

    private final int maxInFlight;
    private final long drainMillis;
    private final ThreadPoolExecutor pool;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object idle = new Object();
    /** Tests only: while set, pool threads wait for it before running a step. */
    private volatile CountDownLatch hold;
    private static final long MAX_HOLD_MILLIS = 60_000;

    /** {@code drainMillis}: how long {@link #close()} waits for queued steps before it gives up on them. */
    Releaser(String name, int maxInFlight, long drainMillis) {
        this.maxInFlight = maxInFlight;
        this.drainMillis = drainMillis;
        if (maxInFlight == 0) {
            this.pool = null;
            return;
        }
        AtomicInteger n = new AtomicInteger();
        int threads = Math.min(maxInFlight, MAX_THREADS);
        this.pool = new ThreadPoolExecutor(threads, threads, IDLE_MILLIS, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(maxInFlight), r -> {
                    Thread t = new Thread(r, "homeostat-l2-release-" + name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code step} now or soon; never throws what the step throws (the step must log its own failures). */
    void submit(Runnable step) {
        if (pool != null && inFlight.incrementAndGet() <= maxInFlight) {
            try {
                pool.execute(() -> {
                    try {
                        waitWhileHeld();
                        step.run();
                    } finally {
                        done();
                    }
                });
                return;
            } catch (RejectedExecutionException e) {
                done(); // closing: run it here
            }
        } else if (pool != null) {
            done();
        }
        step.run();
    }

    /**
     * Tests only: queued steps wait (at most {@link #MAX_HOLD_MILLIS}) until the returned handle is closed, so a test
     * can look at the cache between a commit and its step.
     */
    AutoCloseable holdSteps() {
        CountDownLatch gate = new CountDownLatch(1);
        hold = gate;
        return () -> {
            hold = null;
            gate.countDown();
        };
    }

    private void waitWhileHeld() {
        CountDownLatch gate = hold;
        if (gate != null) {
            try {
                gate.await(MAX_HOLD_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void done() {
        if (inFlight.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    /** Waits until no step is queued or running, at most {@code timeoutMillis}; returns whether none is. */
    boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                idle.wait(left);
            }
        }
        return true;
    }

    /**
     * Stops taking steps (later ones run on the caller's thread) and waits up to {@code drainMillis} for the queued
     * ones, so that a graceful stop does not leave locks behind. Steps still queued then are dropped: their entries
     * stay locked, which is a miss on every node (never stale) until the region is evicted.
     */
    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(drainMillis, TimeUnit.MILLISECONDS)) {
                int dropped = pool.shutdownNow().size();
                LOG.warning(() -> "Homeostat L2: " + dropped + " lock releases still queued after " + drainMillis
                        + " ms; their entries stay locked (a miss on every node) until their region is evicted");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.WARNING, "Homeostat L2: interrupted while draining lock releases", e);
        }
    }
}
