package io.homeostat.runtime.threaded;

/**
 * The real clock, for the edges of the system only: the threaded driver and measurements that report wall time.
 * Protocols never call this; they read {@code Environment.nowMillis()}.
 */
public final class WallClock {

    private WallClock() {
    }

    /** Monotonic nanoseconds from an arbitrary origin. */
    public static long nanos() {
        return System.nanoTime();
    }
}
