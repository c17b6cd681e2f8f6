package io.homeostat;

import java.util.Optional;

/**
 * The view a transaction body has of the store: reads see committed values (plus the body's own writes); writes are
 * buffered and take effect atomically at commit, or not at all. The commit validates every read, and an attempt that
 * read a value changed since runs the body again, so only an attempt whose reads were all current commits. Within one
 * attempt reads need not form a snapshot (a read may be answered by this client's own recent write, up to a second
 * old): act on what the body read only after the transaction returns. See docs/CONSISTENCY.md.
 */
public interface Transaction {

    Optional<byte[]> get(byte[] key);

    void put(byte[] key, byte[] value);

    /**
     * Like {@link #put}, and on commit each replica of the key also offers the new value, under a fresh read lease, to
     * the nodes whose near caches held the key until a recent write to it revoked their copy (within half a lease):
     * their next near read ({@link Homeostat#getNear}) stays local instead of asking the replicas again. Meant for
     * values read on several nodes between writes, such as a cache entry published after a database commit; a plain
     * {@code put} suits keys that are written more often than they are read elsewhere, since every leased copy makes
     * the next write revoke it first. Offers never weaken a near read: see docs/CONSISTENCY.md.
     */
    default void putAndOffer(byte[] key, byte[] value) {
        put(key, value);
    }

    void delete(byte[] key);

    /** The same, with the key's UTF-8 bytes. */
    default Optional<byte[]> get(String key) {
        return get(Homeostat.utf8(key));
    }

    default void put(String key, byte[] value) {
        put(Homeostat.utf8(key), value);
    }

    default void delete(String key) {
        delete(Homeostat.utf8(key));
    }
}
