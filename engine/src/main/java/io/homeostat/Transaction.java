package io.homeostat;

import java.util.Optional;

/**
 * The view a transaction body has of the store: reads see the committed state as of the transaction (plus its own
 * writes); writes are buffered and take effect atomically at commit, or not at all.
 */
public interface Transaction {

    Optional<byte[]> get(byte[] key);

    void put(byte[] key, byte[] value);

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
