package io.homeostat;

import java.util.Optional;

/**
 * The view a transaction body has of the store: reads see the committed state as of the transaction (plus its own
 * writes); writes are buffered and take effect atomically at commit, or not at all.
 */
public interface Transaction {

    Optional<byte[]> get(String key);

    void put(String key, byte[] value);

    void delete(String key);
}
