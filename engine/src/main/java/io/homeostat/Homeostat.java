package io.homeostat;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Homeostat data API: a replicated, transactional key-value store. Single-key operations are linearizable;
 * transactions are serializable and commit atomically by Paxos Commit (see docs/CONSISTENCY.md).
 *
 * <p>Keys are byte arrays, or strings taken as their UTF-8 bytes, of at most 4 KiB; values are byte arrays of at most
 * {@link ClientOptions#maxValueBytes()}. Every call may fail with {@link UnavailableException} (no majority of a key's
 * replicas reachable), {@link OperationTimeoutException} (outcome unknown), and transactions with
 * {@link ConflictException} once their retries are used up. Thread-safe.
 */
public interface Homeostat {

    /** The value of {@code key}, or empty if it has none. */
    Optional<byte[]> get(byte[] key);

    /**
     * The value of {@code key}, like {@link #get(byte[])} and as linearizable, but possibly answered from this node's
     * near cache without a network round trip, when the cluster runs with read leases
     * ({@code EmbeddedNode.Settings.withLeaseMillis}; the JPA adapter turns them on). The first read of a key asks its
     * replicas for the value and for read leases; while the leases last, later reads on this node are local, and every
     * write to the key, from any node, revokes them before it completes. Assumes the nodes' clocks run at about the
     * same rate (within 10%); they need not agree on the time. Without leases it is {@link #get(byte[])}.
     */
    default Optional<byte[]> getNear(byte[] key) {
        return get(key);
    }

    /**
     * A near read ({@link #getNear(byte[])}) whose value (null: absent) is handed to {@code decode}, and its result
     * returned. While this node's near-cache entry for the key stays the same (no write to the key, no lapse), later
     * calls with the same {@code decode} instance return the object it produced the first time, without copying or
     * decoding the bytes again. So {@code decode} must be a pure function of the bytes (equal bytes, equal results),
     * and its results must be safe to share between threads; each entry remembers one decoder's result (the last).
     */
    default <T> T getNear(byte[] key, Function<byte[], T> decode) {
        return decode.apply(getNear(key).orElse(null));
    }

    /**
     * {@link #getNear(byte[], Function)} of one key and decoder, prepared for a key read on every operation (a
     * region's generation, a cluster clock): each {@code get()} of the result returns what that call would, with the
     * same guarantees, but skips finding the key's entry again while it stays the same. {@code key} is copied.
     */
    default <T> Supplier<T> nearReader(byte[] key, Function<byte[], T> decode) {
        byte[] k = key.clone();
        return () -> getNear(k, decode);
    }

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /**
     * Sets {@code key} to {@code newValue} (null deletes) if its current value equals {@code expected} (null: absent).
     * Returns whether it did.
     */
    boolean compareAndSet(byte[] key, byte[] expected, byte[] newValue);

    /**
     * Runs {@code body} in a transaction and commits it, retrying the whole body on conflict (so it must have no side
     * effects other than through the transaction). Returns the body's result from the attempt that committed.
     */
    <T> T transaction(Function<Transaction, T> body);

    CompletableFuture<Optional<byte[]>> getAsync(byte[] key);

    CompletableFuture<Void> putAsync(byte[] key, byte[] value);

    CompletableFuture<Boolean> compareAndSetAsync(byte[] key, byte[] expected, byte[] newValue);

    <T> CompletableFuture<T> transactionAsync(Function<Transaction, T> body);

    // String keys: their UTF-8 bytes

    default Optional<byte[]> get(String key) {
        return get(utf8(key));
    }

    default Optional<byte[]> getNear(String key) {
        return getNear(utf8(key));
    }

    default void put(String key, byte[] value) {
        put(utf8(key), value);
    }

    default void delete(String key) {
        delete(utf8(key));
    }

    default boolean compareAndSet(String key, byte[] expected, byte[] newValue) {
        return compareAndSet(utf8(key), expected, newValue);
    }

    default CompletableFuture<Optional<byte[]>> getAsync(String key) {
        return getAsync(utf8(key));
    }

    default CompletableFuture<Void> putAsync(String key, byte[] value) {
        return putAsync(utf8(key), value);
    }

    default CompletableFuture<Boolean> compareAndSetAsync(String key, byte[] expected, byte[] newValue) {
        return compareAndSetAsync(utf8(key), expected, newValue);
    }

    /** The UTF-8 bytes of a string key. */
    static byte[] utf8(String key) {
        return key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
