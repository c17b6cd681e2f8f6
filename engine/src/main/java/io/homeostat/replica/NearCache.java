package io.homeostat.replica;

import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * This node's near cache: values it may read without asking the replicas, each under read leases from a majority of the
 * key's replicas (see {@link ReplicaManager#readNear}).
 *
 * <p>An entry is valid until {@code validUntilMillis}, computed from when the lease request was <em>sent</em> and cut
 * by a margin, so it ends before any granting replica's lease does as long as clocks run at about the same rate (no
 * synchronized clocks are needed). A {@code Revoke} removes the entry before it is answered. A renewal (leases
 * extended by a majority, for the same tag, asked for after {@code renewAfterMillis}) installs the entry again with a
 * later end; until then the old end stands. Bounded in entries and in
 * value bytes ({@link #MAX_VALUE_BYTES}): the least recently installed entry goes first. A {@link NearCacheListener}
 * mirrors every change, so the threaded runtime can serve valid entries on the caller's thread.
 *
 * <p>Single-threaded, part of the node's protocol.
 */
final class NearCache {

    /** {@code renewAfterMillis}: a read at or after it asks the replicas to extend the leases (in the background). */
    record Entry(Tag tag, Bytes value, long validUntilMillis, long renewAfterMillis) {
    }

    /** Bytes of values held at most; with the entry bound, what keeps a near cache of large values in check. */
    static final long MAX_VALUE_BYTES = 64L << 20;

    private final int maxEntries;
    private long valueBytes;
    private final Map<Key, Entry> entries = new LinkedHashMap<>();
    private NearCacheListener listener = NearCacheListener.NONE;

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

    /** Installs an entry that is never renewed. */
    void install(Key key, Tag tag, Bytes value, long validUntilMillis) {
        install(key, tag, value, validUntilMillis, validUntilMillis);
    }

    void install(Key key, Tag tag, Bytes value, long validUntilMillis, long renewAfterMillis) {
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
            valueBytes -= bytes(e.getValue());
            listener.removed(e.getKey());
        }
        entries.put(key, new Entry(tag, value, validUntilMillis, renewAfterMillis));
        valueBytes += size;
        listener.installed(key, tag, value, validUntilMillis);
    }

    void remove(Key key) {
        Entry e = entries.remove(key);
        if (e != null) {
            valueBytes -= bytes(e);
            listener.removed(key);
        }
    }

    private static long bytes(Entry e) {
        return e.value() == null ? 0 : e.value().length();
    }

    int size() {
        return entries.size();
    }
}
