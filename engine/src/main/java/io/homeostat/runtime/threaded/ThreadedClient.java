package io.homeostat.runtime.threaded;

import io.homeostat.ClientOptions;
import io.homeostat.ConflictException;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.OperationTimeoutException;
import io.homeostat.Transaction;
import io.homeostat.UnavailableException;
import io.homeostat.ValueTooLargeException;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.NearCacheListener;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.store.Bytes;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link Homeostat} for a node run by the threaded driver: every call is handed to the node's event loop and the
 * caller waits on a future. Single-key writes and compare-and-set are one-item transactions; a transaction body runs
 * on the caller's thread, its reads go to the cluster and its writes are buffered until commit.
 */
public final class ThreadedClient implements Homeostat {

    private final ThreadedNode node;
    private final HomeostatNode protocol;
    private final ClientOptions options;

    /**
     * A value the node's near cache holds, mirrored for reads on the caller's thread. A hit records when it happened
     * ({@code lastHitMillis}, to the nearest {@link #HIT_RESOLUTION_MILLIS}): the node's renewal loop keeps renewing
     * the leases of entries that are read, and lets the others lapse. {@code memo} is the last decoder's result for
     * this value ({@link #getNear(byte[], Function)}); a renewal (same tag, same value) keeps it.
     */
    private static final class NearValue implements NearCacheListener.Handle {
        final Tag tag;
        final Bytes value;
        /** Extended in place when the leases are renewed for this same value (never shortened). */
        volatile long validUntilMillis;
        volatile long lastHitMillis;
        volatile Memo memo;
        /**
         * True while the mirror holds this value for its key: the event loop clears it when it replaces or removes
         * the value, before it answers the revocation that lets a write proceed. A {@link #nearReader} keeps the value
         * it found and uses it while this is true.
         */
        volatile boolean current = true;

        NearValue(Tag tag, Bytes value, long validUntilMillis, NearValue previous) {
            this.tag = tag;
            this.value = value;
            this.validUntilMillis = validUntilMillis;
            boolean same = previous != null && previous.tag.equals(tag);
            this.lastHitMillis = same ? previous.lastHitMillis : Long.MIN_VALUE;
            this.memo = same ? previous.memo : null;
        }

        @Override
        public long lastReadMillis() {
            return lastHitMillis;
        }

        @Override
        public void extend(long validUntilMillis) {
            this.validUntilMillis = validUntilMillis;
        }

        /** Records a hit at {@code nowMillis}; returns whether the entry was still valid then. */
        boolean hit(long nowMillis) {
            if (nowMillis >= validUntilMillis) {
                return false;
            }
            long last = lastHitMillis;
            if (last == Long.MIN_VALUE || nowMillis - last >= HIT_RESOLUTION_MILLIS) {
                lastHitMillis = nowMillis;
            }
            return true;
        }
    }

    /** What {@code decode} made of a near-cache value. */
    private record Memo(Function<byte[], ?> decode, Object result) {
    }

    /**
     * A hit writes its time only if the last one recorded is older than this, so hits stay plain reads (no write to a
     * line other cores read); far below the idle bound the time serves.
     */
    private static final long HIT_RESOLUTION_MILLIS = 1_000;

    /**
     * A key of the mirror: the key's bytes and their hash, held directly (one pointer less to chase than {@link Key}
     * per lookup). Stored keys own a copy; a lookup wraps the caller's array without copying it, as a map lookup keeps
     * nothing. The event loop looks up by its {@link Key} without copying it either (its hash is the same function of
     * the same bytes): the renewal sweep asks about every near-cache entry five times a second, and a copy per entry
     * was about a sixth of all allocation in the L2 benchmark's 90/10 mix (docs/BENCHMARKS.md, session 15).
     */
    private static final class MirrorKey {
        final byte[] bytes; // null in a lookup by Key
        final Key key; // set in a lookup by Key only
        final int hash;

        MirrorKey(byte[] bytes) {
            this.bytes = bytes;
            this.key = null;
            this.hash = Bytes.hash(bytes);
        }

        /** A lookup only: never stored (its bytes are the key's own). */
        MirrorKey(Key key) {
            this.bytes = null;
            this.key = key;
            this.hash = key.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof MirrorKey k) || hash != k.hash) {
                return false;
            }
            if (bytes != null) {
                return k.bytes != null ? Arrays.equals(bytes, k.bytes) : k.key.contentEquals(bytes);
            }
            return k.bytes != null ? key.contentEquals(k.bytes) : key.equals(k.key);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * The node's near cache as the event loop last reported it: it removes an entry here before it answers the
     * revocation that lets a write proceed, so a caller that finds a valid entry here reads a current value.
     */
    private final ConcurrentHashMap<MirrorKey, NearValue> near = new ConcurrentHashMap<>();
    /**
     * What this client's transactions wrote lately, with the tags the writes got: a transaction that reads a key it
     * wrote a moment ago (the JPA adapter's release after its lock, a read-modify-write loop) starts from that instead
     * of a quorum read. Only a hint, never a read's answer outside a transaction: if the key changed since, the commit
     * fails validation and the retry reads the current value. At most {@link #MAX_OWN_WRITES} keys, each used for at
     * most a second.
     */
    private final ConcurrentHashMap<Key, OwnWrite> ownWrites = new ConcurrentHashMap<>();
    private static final int MAX_OWN_WRITES = 4_096;
    private static final long OWN_WRITE_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Keys whose hint was read by an attempt that then aborted, and until when (nanos) no hint is read for them:
     * other clients write them too, so a hint there is likely stale and costs an abort (a bank transfer's accounts).
     * At most {@link #MAX_OWN_WRITES} keys.
     */
    private final ConcurrentHashMap<Key, Long> contended = new ConcurrentHashMap<>();
    private static final long CONTENDED_NANOS = TimeUnit.SECONDS.toNanos(10);

    private record OwnWrite(Read read, long atNanos) {
    }

    /** A client of {@code protocol}, which must be the protocol {@code node} runs. */
    public ThreadedClient(ThreadedNode node, HomeostatNode protocol, ClientOptions options) {
        this.node = node;
        this.protocol = protocol;
        this.options = options;
        node.execute(env -> protocol.replicas().setNearCacheListener(new NearCacheListener() {
            @Override
            public NearCacheListener.Handle installed(Key key, Tag tag, Bytes value, long validUntilMillis) {
                // an entry installed again with the same tag keeps the hits recorded so far and the decoded value
                return near.compute(new MirrorKey(key.toBytes()), (k, old) -> {
                    if (old != null) {
                        old.current = false;
                    }
                    return new NearValue(tag, value, validUntilMillis, old);
                });
            }

            @Override
            public void removed(Key key) {
                NearValue old = near.remove(new MirrorKey(key));
                if (old != null) {
                    old.current = false;
                }
            }
        }));
    }

    // ------------------------------------------------------------------ synchronous API

    @Override
    public Optional<byte[]> get(byte[] key) {
        Read r = await(read(Key.of(key)), deadline());
        return Optional.ofNullable(r.value).map(Bytes::toBytes);
    }

    @Override
    public Optional<byte[]> getNear(byte[] key) {
        NearValue v = near.get(new MirrorKey(key));
        if (v != null && v.hit(node.nowMillis())) {
            return Optional.ofNullable(v.value).map(Bytes::toBytes);
        }
        Read r = await(read(Key.of(key), true), deadline());
        return Optional.ofNullable(r.value).map(Bytes::toBytes);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNear(byte[] key, Function<byte[], T> decode) {
        MirrorKey mk = new MirrorKey(key);
        NearValue v = near.get(mk);
        if (v != null && v.hit(node.nowMillis())) {
            Memo m = v.memo;
            if (m != null && m.decode() == decode) {
                return (T) m.result();
            }
            return decodeInto(v, decode);
        }
        Read r = await(read(Key.of(key), true), deadline());
        NearValue installed = near.get(mk); // the read leased the key: the entry is in place before it completes
        if (installed != null && installed.tag.equals(r.tag()) && installed.hit(node.nowMillis())) {
            return decodeInto(installed, decode);
        }
        return decode.apply(r.value == null ? null : r.value.toBytes());
    }

    /**
     * Keeps the mirror's value it last found (and the key's hash): a read while that value is still {@code current}
     * skips hashing the key and the map lookup. Safe for the same reason a lookup is: the loop clears {@code current}
     * before it lets a write to the key proceed, so a value seen current was current when the read happened.
     */
    @Override
    public <T> Supplier<T> nearReader(byte[] key, Function<byte[], T> decode) {
        MirrorKey mk = new MirrorKey(key.clone());
        return new Supplier<>() {
            private volatile NearValue last;

            @Override
            @SuppressWarnings("unchecked")
            public T get() {
                NearValue v = last;
                if (v == null || !v.current) {
                    v = near.get(mk);
                    if (v == null) {
                        return getNear(mk.bytes, decode);
                    }
                    last = v;
                }
                if (!v.hit(node.nowMillis())) {
                    return getNear(mk.bytes, decode);
                }
                Memo m = v.memo;
                if (m != null && m.decode() == decode) {
                    return (T) m.result();
                }
                return decodeInto(v, decode);
            }
        };
    }

    private static <T> T decodeInto(NearValue v, Function<byte[], T> decode) {
        T result = decode.apply(v.value == null ? null : v.value.toBytes());
        v.memo = new Memo(decode, result);
        return result;
    }

    @Override
    public void put(byte[] key, byte[] value) {
        checkSize(Key.of(key), value);
        transaction(tx -> {
            tx.put(key, value);
            return null;
        });
    }

    @Override
    public void delete(byte[] key) {
        transaction(tx -> {
            tx.delete(key);
            return null;
        });
    }

    @Override
    public boolean compareAndSet(byte[] key, byte[] expected, byte[] newValue) {
        if (newValue != null) {
            checkSize(Key.of(key), newValue);
        }
        return transaction(tx -> {
            byte[] current = tx.get(key).orElse(null);
            if (!Arrays.equals(current, expected)) {
                return false;
            }
            if (newValue == null) {
                tx.delete(key);
            } else {
                tx.put(key, newValue);
            }
            return true;
        });
    }

    @Override
    public <T> T transaction(Function<Transaction, T> body) {
        long deadline = deadline();
        long backoff = Math.max(1, options.retryBackoffMillis());
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            Context tx = new Context(deadline);
            T result = body.apply(tx);
            List<TxItem> items = tx.items();
            if (items.isEmpty()) {
                return result;
            }
            if (await(commit(items), deadline)) {
                return result;
            }
            for (TxItem i : items) {
                ownWrites.remove(i.key()); // the next attempt reads what is there now
            }
            if (!tx.hinted.isEmpty()) {
                // perhaps only a hint was stale: other writers use these keys, so no hints for them for a while, and
                // try again at once, reading afresh
                if (contended.size() + tx.hinted.size() > MAX_OWN_WRITES) {
                    contended.clear();
                }
                long until = WallClock.nanos() + CONTENDED_NANOS;
                tx.hinted.forEach(k -> contended.put(k, until));
                continue;
            }
            pause(ThreadLocalRandom.current().nextLong(backoff + 1), deadline);
            backoff = Math.min(backoff * 2, 1_000);
        }
        throw new ConflictException("transaction aborted " + options.maxAttempts() + " times by concurrent "
                + "transactions on the same keys (ClientOptions.maxAttempts); nothing was written");
    }

    // ------------------------------------------------------------------ asynchronous API

    @Override
    public CompletableFuture<Optional<byte[]>> getAsync(byte[] key) {
        return read(Key.of(key)).thenApply(r -> Optional.ofNullable(r.value).map(Bytes::toBytes));
    }

    @Override
    public CompletableFuture<Void> putAsync(byte[] key, byte[] value) {
        return CompletableFuture.runAsync(() -> put(key, value));
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(byte[] key, byte[] expected, byte[] newValue) {
        return CompletableFuture.supplyAsync(() -> compareAndSet(key, expected, newValue));
    }

    @Override
    public <T> CompletableFuture<T> transactionAsync(Function<Transaction, T> body) {
        return CompletableFuture.supplyAsync(() -> transaction(body));
    }

    // ------------------------------------------------------------------ the node side

    private record Read(Tag tag, Bytes value) {
    }

    private CompletableFuture<Read> read(Key k) {
        return read(k, false);
    }

    private CompletableFuture<Read> read(Key k, boolean near) {
        CompletableFuture<Read> f = new CompletableFuture<>();
        ReplicaManager.OpCallback callback = new ReplicaManager.OpCallback() {
            @Override
            public void done(Bytes value) {
                f.completeExceptionally(new IllegalStateException("a read must report its tag"));
            }

            @Override
            public void doneTagged(Tag tag, Bytes value) {
                f.complete(new Read(tag, value));
            }

            @Override
            public void failed(ReplicaManager.Failure failure, String reason) {
                f.completeExceptionally(failure == ReplicaManager.Failure.UNAVAILABLE
                        ? new UnavailableException(reason) : new OperationTimeoutException(reason));
            }
        };
        node.execute(env -> {
            if (near) {
                protocol.replicas().readNear(env, k, callback);
            } else {
                protocol.replicas().read(env, k, callback);
            }
        });
        return f;
    }

    /** True if committed, false if aborted by a conflict. */
    private CompletableFuture<Boolean> commit(List<TxItem> items) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        node.execute(env -> protocol.transactions().commit(env, items, new TransactionManager.CommitCallback() {
            @Override
            public void committed() {
                f.complete(true);
            }

            @Override
            public void committed(List<Item> written) {
                long now = WallClock.nanos();
                if (ownWrites.size() + written.size() > MAX_OWN_WRITES) {
                    ownWrites.clear(); // a hint only: bounded by starting afresh
                }
                for (Item i : written) {
                    ownWrites.put(i.key(), new OwnWrite(new Read(i.tag(), i.value()), now));
                }
                f.complete(true);
            }

            @Override
            public void aborted(String reason) {
                f.complete(false);
            }

            @Override
            public void unknown(String reason) {
                f.completeExceptionally(new UnavailableException(reason));
            }
        }));
        return f;
    }

    // ------------------------------------------------------------------ helpers

    /** One attempt of a transaction body. */
    private final class Context implements Transaction {
        private final long deadline;
        private final Map<Key, Read> reads = new LinkedHashMap<>();
        /** Buffered writes; a null value deletes. */
        private final Map<Key, Bytes> writes = new LinkedHashMap<>();
        /** The buffered writes made with {@link #putAndOffer}. */
        private final java.util.Set<Key> offered = new java.util.HashSet<>();
        /** The keys this attempt read from {@link #ownWrites}. */
        final List<Key> hinted = new ArrayList<>(0);

        Context(long deadline) {
            this.deadline = deadline;
        }

        @Override
        public Optional<byte[]> get(byte[] key) {
            Key k = Key.of(key);
            if (writes.containsKey(k)) {
                return Optional.ofNullable(writes.get(k)).map(Bytes::toBytes);
            }
            Read r = reads.get(k);
            if (r == null) {
                r = readForCommit(k, deadline, this);
                reads.put(k, r);
            }
            return Optional.ofNullable(r.value).map(Bytes::toBytes);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            Key k = Key.of(key);
            checkSize(k, value);
            writes.put(k, Bytes.of(value));
            offered.remove(k);
        }

        @Override
        public void putAndOffer(byte[] key, byte[] value) {
            put(key, value);
            offered.add(Key.of(key));
        }

        @Override
        public void delete(byte[] key) {
            writes.put(Key.of(key), null);
            offered.remove(Key.of(key));
        }

        /** Reads validate their tag; writes of keys never read first learn the current tag. */
        List<TxItem> items() {
            List<TxItem> out = new ArrayList<>();
            for (Map.Entry<Key, Read> e : reads.entrySet()) {
                boolean write = writes.containsKey(e.getKey());
                out.add(new TxItem(e.getKey(), e.getValue().tag, write, write ? writes.get(e.getKey()) : null,
                        write && offered.contains(e.getKey())));
            }
            for (Map.Entry<Key, Bytes> e : writes.entrySet()) {
                if (!reads.containsKey(e.getKey())) {
                    Read current = readForCommit(e.getKey(), deadline, this);
                    out.add(new TxItem(e.getKey(), current.tag, true, e.getValue(), offered.contains(e.getKey())));
                }
            }
            return out;
        }
    }

    /**
     * A transaction's read: from the near cache when this node holds a valid lease on the key (no round trip, no
     * event-loop hop), else what a transaction of this client wrote there within the last second (see
     * {@link #ownWrites}), else from a majority. Either way the commit validates the tag read at every replica, so a
     * value that changed meanwhile aborts the attempt (and the transaction retries, reading afresh, at once if a hint
     * was read, and reads no hint for those keys for ten seconds); these sources only save the read, they decide
     * nothing.
     */
    private Read readForCommit(Key k, long deadlineNanos, Context tx) {
        NearValue v = near.get(new MirrorKey(k));
        if (v != null && v.hit(node.nowMillis())) {
            return new Read(v.tag, v.value);
        }
        OwnWrite own = ownWrites.get(k);
        long now = WallClock.nanos();
        if (own != null && now - own.atNanos < OWN_WRITE_MAX_AGE_NANOS) {
            Long busyUntil = contended.get(k);
            if (busyUntil == null || now - busyUntil >= 0) {
                tx.hinted.add(k);
                return own.read;
            }
        }
        return await(read(k), deadlineNanos);
    }

    private void checkSize(Key key, byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value must not be null; use delete(key) to remove " + key);
        }
        if (value.length > options.maxValueBytes()) {
            throw new ValueTooLargeException("value of " + value.length + " bytes for key " + key
                    + " exceeds the limit of " + options.maxValueBytes() + " bytes (ClientOptions.maxValueBytes); "
                    + "split it, or store it elsewhere and keep a reference here");
        }
    }

    private long deadline() {
        return WallClock.nanos() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
    }

    private static <T> T await(CompletableFuture<T> f, long deadlineNanos) {
        long left = deadlineNanos - WallClock.nanos();
        try {
            return f.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new OperationTimeoutException("no answer within the time limit (ClientOptions.timeoutMillis); "
                    + "the outcome is unknown");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HomeostatException h) {
                throw h;
            }
            throw new HomeostatException("operation failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HomeostatException("interrupted while waiting for the cluster", e);
        }
    }

    private static void pause(long millis, long deadlineNanos) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - WallClock.nanos());
        try {
            Thread.sleep(Math.max(0, Math.min(millis, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HomeostatException("interrupted while backing off", e);
        }
    }
}
