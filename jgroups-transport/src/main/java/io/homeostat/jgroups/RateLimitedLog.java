package io.homeostat.jgroups;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/** At most one warning per cause per interval; the line says how many were suppressed since the last one. */
final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();

    private static final class Slot {
        final AtomicLong nextNanos;
        final AtomicLong suppressed = new AtomicLong();

        Slot(long now) {
            nextNanos = new AtomicLong(now);
        }
    }

    RateLimitedLog(Logger log, long intervalMillis, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.nanoClock = nanoClock;
    }

    /** Logs {@code message} unless a line for {@code cause} was logged less than one interval ago. */
    boolean warn(String cause, String message) {
        long now = nanoClock.getAsLong();
        Slot s = slots.computeIfAbsent(cause, c -> new Slot(now));
        long next = s.nextNanos.get();
        if (now - next >= 0 && s.nextNanos.compareAndSet(next, now + intervalNanos)) {
            long n = s.suppressed.getAndSet(0);
            log.warn("{}{}", message, n == 0 ? "" : " (" + n + " more of this kind since the last report)");
            return true;
        }
        s.suppressed.incrementAndGet();
        return false;
    }
}
