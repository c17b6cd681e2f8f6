package io.homeostat.replica;

import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * This node's near cache: values it may read without asking the replicas, each under read leases from a majority of the
 * key's replicas (see {@link ReplicaManager#readNear}).
 *
 * <p>An entry is valid until {@code validUntilMillis}, computed from when the lease request was <em>sent</em> and cut
 * by a margin, so it ends before any granting replica's lease does as long as clocks run at about the same rate (no
 * synchronized clocks are needed). A {@code Revoke} removes the entry before it is answered; while this node's own
 * replica holds a write's lock on the key, the entry is set aside instead and comes back, same end, with the decided
 * value ({@link #suspend}, {@link #resume}). A renewal (leases extended by a majority, for the same tag, asked for
 * after {@code renewAfterMillis}; see {@link LeaseRenewer}) gives the entry a later end; until then the old end
 * stands. Each entry remembers when it was last read here ({@code lastUsedMillis}), so that entries nobody reads any
 * more are left to lapse. Bounded in entries and in
 * value bytes ({@link #MAX_VALUE_BYTES}): the least recently installed entry goes first. An entry that has ended goes
 * at the next renewal sweep ({@link #forEachDue}), if no read removed it before. A {@link NearCacheListener}
 * mirrors every change, so the threaded runtime can serve valid entries on the caller's thread.
 *
 * <p>Single-threaded, part of the node's protocol.
 */
final class NearCache {

    /**
     * {@code renewAfterMillis}: from then on the renewal loop asks the replicas to extend the leases (in the
     * background), if the entry was read within the idle bound; {@code lastUsedMillis}: its last read on the event loop
     * (a read on a caller's thread is reported by the {@link NearCacheListener}); {@code group}: the key's replica
     * group, computed once when the entry comes in, so that the renewal loop, which visits every due entry, does not
     * hash each key again; {@code mirror}: the listener's copy of the entry.
     */
    record Entry(int group, Tag tag, Bytes value, long validUntilMillis, long renewAfterMillis, long lastUsedMillis,
            NearCacheListener.Handle mirror) {
    }

    /** Bytes of values held at most; with the entry bound, what keeps a near cache of large values in check. */
    static final long MAX_VALUE_BYTES = 64L << 20;

    private final int maxEntries;
    private long valueBytes;
    private final Map<Key, Entry> entries = new LinkedHashMap<>();
    private NearCacheListener listener = NearCacheListener.NONE;

    /** Keys a revocation took out whose last reads {@link #revokedReads} remembers, at most. */
    static final int MAX_REVOKED_READS = 4_096;

    /**
     * When the entries that revocations took out were last read here, for the offers of the writes that revoked them
     * ({@link #installOffered}); the oldest goes first past {@link #MAX_REVOKED_READS}, and an offer takes its key's.
     */
    private final Map<Key, Long> revokedReads = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Long> eldest) {
            return size() > MAX_REVOKED_READS;
        }
    };

    /**
     * Entries set aside while this node's own replica holds a write's lock on their key ({@link #suspend}): not served,
     * and back with the decided value once the lock is released ({@link ReplicaManager#resumeOwnNear}). At most {@code
     * maxEntries}; anything that would drop the entry (a revocation, an install, the end of its lease) drops it here
     * too.
     */
    private final Map<Key, Entry> suspended = new HashMap<>();

    NearCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    void setListener(NearCacheListener listener) {
        this.listener = listener == null ? NearCacheListener.NONE : listener;
    }

    /** The entry of {@code key} if it is still valid at {@code nowMillis}. */
    Entry valid(Key key, long nowMillis) {
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (nowMillis >= e.validUntilMillis()) {
            remove(key);
            return null;
        }
        return e;
    }

    /** Installs an entry that is never renewed (so its group is never asked for). */
    void install(Key key, Tag tag, Bytes value, long validUntilMillis) {
        install(key, -1, tag, value, validUntilMillis, validUntilMillis, Long.MIN_VALUE);
    }

    /**
     * Installs a freshly read entry of {@code key}, whose replica group is {@code group} ({@code nowMillis}: the read,
     * which counts as a use).
     */
    void install(Key key, int group, Tag tag, Bytes value, long validUntilMillis, long renewAfterMillis,
            long nowMillis) {
        if (maxEntries == 0) {
            return;
        }
        long size = value == null ? 0 : value.length();
        if (size > MAX_VALUE_BYTES / 16) {
            remove(key); // one value may not crowd out the rest: read it from the replicas each time
            return;
        }
        remove(key);
        while (entries.size() >= maxEntries || valueBytes + size > MAX_VALUE_BYTES) {
            Iterator<Map.Entry<Key, Entry>> oldest = entries.entrySet().iterator();
            Map.Entry<Key, Entry> e = oldest.next();
            oldest.remove();
            dropped(e.getKey(), e.getValue());
        }
        NearCacheListener.Handle mirror = listener.installed(key, tag, value, validUntilMillis);
        entries.put(key, new Entry(group, tag, value, validUntilMillis, renewAfterMillis, nowMillis, mirror));
        valueBytes += size;
    }

    /**
     * A majority extended the leases behind {@code key} for {@code tag}: if the entry still holds that tag and ends
     * earlier, it now ends at {@code validUntilMillis} (and counts as the most recently installed). Returns whether it
     * changed.
     */
    boolean extend(Key key, Tag tag, long validUntilMillis, long renewAfterMillis, long nowMillis) {
        Entry e = valid(key, nowMillis);
        if (e == null || !e.tag().equals(tag) || e.validUntilMillis() >= validUntilMillis) {
            return false;
        }
        entries.remove(key);
        entries.put(key, new Entry(e.group(), tag, e.value(), validUntilMillis, renewAfterMillis, e.lastUsedMillis(),
                e.mirror()));
        e.mirror().extend(validUntilMillis);
        return true;
    }

    /** A read on the event loop served {@code key} from this cache. */
    void touch(Key key, Entry e, long nowMillis) {
        if (e.lastUsedMillis() < nowMillis) {
            entries.replace(key, new Entry(e.group(), e.tag(), e.value(), e.validUntilMillis(), e.renewAfterMillis(),
                    nowMillis, e.mirror()));
        }
    }

    /** When entry {@code e} was last read here, on the event loop or on a caller's thread. */
    static long lastUsedMillis(Entry e) {
        return Math.max(e.lastUsedMillis(), e.mirror().lastReadMillis());
    }

    /**
     * Calls {@code due} for every valid entry whose renewal time has come, in installation order, and drops the entries
     * that have ended (here and in the mirror): an entry nobody reads lapses, and its value should not stay in memory,
     * nor be visited by every later sweep, until the bounds push it out.
     */
    void forEachDue(long nowMillis, BiConsumer<Key, Entry> due) {
        suspended.values().removeIf(v -> nowMillis >= v.validUntilMillis());
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Entry> e = it.next();
            Entry v = e.getValue();
            if (nowMillis >= v.validUntilMillis()) {
                it.remove();
                dropped(e.getKey(), v);
            } else if (nowMillis >= v.renewAfterMillis()) {
                due.accept(e.getKey(), v);
            }
        }
    }

    /**
     * A revocation takes {@code key} out. When it had been read here, that time is kept for the write's offer: the
     * offered entry is then renewed as the revoked one would have been, instead of lapsing if nothing reads it before
     * its renewal time (a key read every couple of seconds lapsed after about one write in four, and its next read
     * asked the replicas again).
     */
    void revoke(Key key) {
        suspended.remove(key);
        Entry e = entries.get(key);
        if (e == null) {
            return;
        }
        long used = lastUsedMillis(e);
        remove(key);
        if (used != Long.MIN_VALUE) {
            revokedReads.remove(key); // a key revoked again goes to the newest end
            revokedReads.put(key, used);
        }
    }

    /**
     * Installs a value offered by a majority after a write (see {@link OfferBoard}). It counts as read when the key was
     * last read before a revocation took its previous entry out, and else as never read: renewed only if something
     * reads it before its renewal time.
     */
    void installOffered(Key key, int group, Tag tag, Bytes value, long validUntilMillis, long renewAfterMillis) {
        Long used = revokedReads.remove(key);
        install(key, group, tag, value, validUntilMillis, renewAfterMillis, used == null ? Long.MIN_VALUE : used);
    }

    /**
     * This node's replica voted to let a write change {@code key}, whose valid entry is {@code e} (as {@link #valid}
     * returned it): the entry stops being served (here and in the mirror) but is kept, lease and all, so that the
     * decided value can take its place ({@link #resume}); past the bound of set-aside entries it is only dropped.
     */
    void suspend(Key key, Entry e) {
        remove(key);
        if (suspended.size() < maxEntries) {
            suspended.put(key, e);
        }
    }

    /** The entry {@link #suspend} set aside for {@code key}, taken out; null if none is (any longer). */
    Entry resume(Key key) {
        return suspended.remove(key);
    }

    void remove(Key key) {
        suspended.remove(key);
        Entry e = entries.remove(key);
        if (e != null) {
            dropped(key, e);
        }
    }

    /** Accounts for entry {@code e} of {@code key}, just taken out of {@link #entries}, and tells the mirror. */
    private void dropped(Key key, Entry e) {
        valueBytes -= bytes(e);
        listener.removed(key);
    }

    private static long bytes(Entry e) {
        return e.value() == null ? 0 : e.value().length();
    }

    int size() {
        return entries.size();
    }
}
