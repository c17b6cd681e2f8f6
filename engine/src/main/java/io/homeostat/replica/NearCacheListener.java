package io.homeostat.replica;

import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;

/**
 * Told of every change to a node's near cache, on the node's event loop and before the node does anything else (in
 * particular before it answers a revocation), so a mirror kept by the runtime is never behind what the replicas were
 * told. Implementations must be quick and must not block.
 */
public interface NearCacheListener {

    NearCacheListener NONE = new NearCacheListener() {
        @Override
        public void installed(Key key, Tag tag, Bytes value, long validUntilMillis) {
        }

        @Override
        public void removed(Key key) {
        }
    };

    /** {@code key} may be read as {@code value} (null: absent) until the node's clock reaches validUntilMillis. */
    void installed(Key key, Tag tag, Bytes value, long validUntilMillis);

    /** {@code key} must no longer be read from the near cache. */
    void removed(Key key);

    /**
     * When the mirror last served {@code key} on a caller's thread (the node's clock, millis), or
     * {@link Long#MIN_VALUE} if never: the renewal loop keeps the leases of recently read entries only.
     */
    default long lastReadMillis(Key key) {
        return Long.MIN_VALUE;
    }
}
