package io.homeostat.jpa;

import io.homeostat.Homeostat;
import io.homeostat.Transaction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cluster-wide logical clock of the cache, one counter in the linearizable store. Reads never move it; it
 * advances only inside store transactions that invalidate something (tombstones, region evictions, update timestamps
 * of the query cache), to one past the time they record. So a time read before an invalidation committed is at most
 * the invalidation's time, and a time read after it is greater: "started after" is decided by the store, never by a
 * node's wall clock.
 */
final class ClusterClock {

    private static final byte[] KEY = Homeostat.utf8("hs/l2/clock");

    private final Supplier<Long> reader;

    ClusterClock(Homeostat store) {
        this.reader = store.nearReader(KEY, TIME);
    }

    /**
     * The current time: one linearizable read (a near read: local while no invalidation moves the clock; the value
     * decoded by the first local read is reused until the clock moves).
     */
    long now() {
        return reader.get();
    }

    private static final Function<byte[], Long> TIME = b -> b == null ? 0L : Bytes.getLong(b, 0);

    /** The current time as seen by {@code tx} (validated at its commit). */
    static long now(Transaction tx) {
        return tx.get(KEY).map(b -> Bytes.getLong(b, 0)).orElse(0L);
    }

    /**
     * Takes the time of an invalidation inside {@code tx}: returns the current time and moves the clock past it at
     * commit, so any later {@link #now()} is greater.
     */
    static long tick(Transaction tx) {
        long now = now(tx);
        advanceBeyond(tx, now);
        return now;
    }

    /** Makes the clock greater than {@code t} at commit, if it is not already. */
    static void advanceBeyond(Transaction tx, long t) {
        long now = now(tx);
        if (now <= t) {
            byte[] b = new byte[8];
            Bytes.putLong(b, 0, t + 1);
            tx.put(KEY, b);
        }
    }
}
