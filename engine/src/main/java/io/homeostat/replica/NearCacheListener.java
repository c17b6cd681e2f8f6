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

    /**
     * The mirror's copy of one installed entry, kept by the near cache with the entry: the renewal loop asks it when
     * the entry was last read and extends it in place, without looking the key up in the mirror (it visits every due
     * entry each sweep, and a lookup hashes and compares the whole key).
     */
    interface Handle {
        /** Does nothing and was never read. */
        Handle NONE = new Handle() {
            @Override
            public long lastReadMillis() {
                return Long.MIN_VALUE;
            }

            @Override
            public void extend(long validUntilMillis) {
            }
        };

        /**
         * When the mirror last served this entry on a caller's thread (the node's clock, millis), or
         * {@link Long#MIN_VALUE} if never: the renewal loop keeps the leases of recently read entries only.
         */
        long lastReadMillis();

        /** The entry's leases were renewed for the same value: it may now be read until {@code validUntilMillis}. */
        void extend(long validUntilMillis);
    }

    NearCacheListener NONE = new NearCacheListener() {
        @Override
        public Handle installed(Key key, Tag tag, Bytes value, long validUntilMillis) {
            return Handle.NONE;
        }

        @Override
        public void removed(Key key) {
        }
    };

    /**
     * {@code key} may be read as {@code value} (null: absent) until the node's clock reaches validUntilMillis. Returns
     * the mirror's copy, through which later renewals of this entry reach the mirror (never null).
     */
    Handle installed(Key key, Tag tag, Bytes value, long validUntilMillis);

    /** {@code key} must no longer be read from the near cache. */
    void removed(Key key);
}
