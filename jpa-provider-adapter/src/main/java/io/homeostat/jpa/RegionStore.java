package io.homeostat.jpa;

import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.OperationTimeoutException;
import io.homeostat.Transaction;
import io.homeostat.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.cache.spi.entry.CollectionCacheEntry;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/**
 * The cache protocol of one domain-data region on the linearizable store. Every conditional change is one store
 * transaction (serializable, retried on conflict), so two nodes never both win a race on a key. See the module README
 * for why each step is safe.
 *
 * <p>Keys: {@code hs/l2/<region>\0e<key bytes>} for entries, {@code hs/l2/<region>\0g} for the region generation
 * {@code (gen, evictTs)}: an eviction of the whole region bumps gen (entries of older generations read as misses) and
 * records the cluster time, and no load from a transaction that started before it may fill the region again.
 */
final class RegionStore {

    private static final Logger LOG = Logger.getLogger(RegionStore.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    final String name;
    private final Homeostat store;
    private final Codec codec;
    private final ClusterClock clock;
    private final byte[] entryPrefix;
    private final byte[] genKey;
    private final int maxEntryBytes;
    /**
     * Turns a stored entry into what a read needs (the engine keeps the result with its near-cache entry while that is
     * unchanged); a fresh decode on every read when reuse is turned off.
     */
    private final Function<byte[], Hit> hits;
    private final boolean reuseDecoded;
    private final Releaser releaser;
    /** The near read of {@link #genKey}, prepared: every read of an entry also reads the generation. */
    private final Supplier<Gen> genReader;

    /**
     * A stored entry as a read sees it: not a value ({@code gen} -1: absent, locked, or a tombstone), or a value of
     * generation {@code gen}, decoded into {@code shared} if one object may serve every session, else kept as
     * {@code raw} and decoded on every read; {@code rejected} if the serialization filter refused it.
     */
    private record Hit(long gen, Object shared, byte[] raw, String rejected) {
        static final Hit NOT_A_VALUE = new Hit(-1, null, null, null);
    }

    /** Reads and writes go through {@code store}, whose client options bound every call's time. */
    RegionStore(String name, Homeostat store, Codec codec, ClusterClock clock, int maxEntryBytes) {
        this(name, store, codec, clock, maxEntryBytes, false, null);
    }

    /**
     * As above; {@code reuseDecoded}: a hit on an unchanged near-cache entry returns the object decoded by the first
     * hit; the after-commit steps of READ_WRITE updates run by {@code releaser} (null: on the committing thread).
     */
    RegionStore(String name, Homeostat store, Codec codec, ClusterClock clock, int maxEntryBytes,
            boolean reuseDecoded, Releaser releaser) {
        this.name = name;
        this.store = store;
        this.codec = codec;
        this.clock = clock;
        byte[] base = ("hs/l2/" + name + "\0").getBytes(StandardCharsets.UTF_8);
        this.entryPrefix = Bytes.concat(base, new byte[] {'e'});
        this.genKey = Bytes.concat(base, new byte[] {'g'});
        this.maxEntryBytes = maxEntryBytes;
        this.reuseDecoded = reuseDecoded;
        this.hits = this::hitOf;
        this.releaser = releaser;
        this.genReader = store.nearReader(genKey, GEN);
    }

    /** A soft lock: 128 random bits. */
    record LockId(long hi, long lo, long gen) implements SoftLock {
        /** A fresh id for a lock recorded at region generation {@code gen}. */
        static LockId random(long gen) {
            return new LockId(RANDOM.nextLong(), RANDOM.nextLong(), gen);
        }
    }

    /** The region's generation and the cluster time of its last eviction. */
    private record Gen(long gen, long evictTs) {
        static final Gen NONE = new Gen(0, -1);

        static Gen parse(Optional<byte[]> raw) {
            return raw.map(Gen::parse).orElse(NONE);
        }

        static Gen parse(byte[] raw) {
            return raw == null ? NONE : new Gen(Bytes.getLong(raw, 0), Bytes.getLong(raw, 8));
        }

        byte[] toBytes() {
            byte[] b = new byte[16];
            Bytes.putLong(b, 0, gen);
            Bytes.putLong(b, 8, evictTs);
            return b;
        }
    }

    byte[] storeKey(byte[] key) {
        return Bytes.concat(entryPrefix, key);
    }

    /** The region's generation by a near read (local while this node holds a lease on the generation key). */
    private Gen nearGen() {
        return genReader.get();
    }

    private static final Function<byte[], Gen> GEN = Gen::parse;

    private Gen gen(Transaction tx) {
        return Gen.parse(tx.get(genKey));
    }

    // ------------------------------------------------------------------ reads

    /**
     * The cached value, or null on a miss (absent, locked, invalidated, evicted, unreadable or unavailable). A hit on
     * a near-cache entry that has not changed since an earlier hit returns the object that hit decoded (for entity and
     * collection entries; see {@link #shareable}): the engine drops it with the entry, before any write to the key
     * completes, so it is never older than what the store holds.
     */
    Object get(byte[] key) {
        return getStored(storeKey(key));
    }

    /** The bytes before an entry's key in its store key ({@link #storeKey}). */
    byte[] entryPrefix() {
        return entryPrefix;
    }

    /** {@link #get(byte[])} by the entry's store key ({@link #storeKey}). */
    Object getStored(byte[] k) {
        try {
            // near reads: local while this node holds read leases on both keys, and as linearizable as quorum reads
            // (every write to either key revokes the leases before it completes)
            Hit h = reuseDecoded ? store.getNear(k, hits) : hitOf(store.getNear(k).orElse(null));
            if (h.gen() < 0 || h.gen() != nearGen().gen) {
                return null;
            }
            if (h.rejected() != null) {
                LOG.warning(() -> "Homeostat L2 region " + name + ": ignoring a cache entry: " + h.rejected());
                return null;
            }
            return h.shared() != null ? h.shared() : decodeValue(h.raw());
        } catch (Codec.RejectedPayloadException ex) {
            LOG.warning(() -> "Homeostat L2 region " + name + ": ignoring a cache entry: " + ex.getMessage());
            return null;
        } catch (HomeostatException | CacheException ex) {
            LOG.log(Level.FINE, ex, () -> "Homeostat L2 region " + name + ": read failed, treated as a miss");
            return null;
        }
    }

    /** What a read makes of a stored entry (a pure function of its bytes, as the engine's reuse requires). */
    private Hit hitOf(byte[] raw) {
        if (raw == null || !Entry.isValue(raw)) {
            return Hit.NOT_A_VALUE;
        }
        long gen = Entry.valueGen(raw);
        try {
            Object value = decodeValue(raw);
            return shareable(value) ? new Hit(gen, value, null, null) : new Hit(gen, null, raw, null);
        } catch (Codec.RejectedPayloadException ex) {
            return new Hit(gen, null, null, ex.getMessage());
        }
    }

    private Object decodeValue(byte[] raw) {
        return codec.decode(raw, Entry.VALUE_PAYLOAD_OFFSET, raw.length - Entry.VALUE_PAYLOAD_OFFSET);
    }

    /**
     * Whether one decoded object may be handed to several sessions: Hibernate's entity and collection cache entries,
     * which it only reads (it assembles new entity state and new collection elements from them, deep-copying mutable
     * values), as Infinispan's local and replicated modes also hand out one object. Anything else (natural-id values,
     * composite ids, custom cache entries) is decoded on every read.
     */
    private static boolean shareable(Object value) {
        return value instanceof StandardCacheEntryImpl || value instanceof CollectionCacheEntry;
    }

    // ------------------------------------------------------------------ loads

    /**
     * Caches {@code value} loaded by a transaction that started at cluster time {@code txTs}, only if nothing newer
     * can be there: the key is absent, or invalidated/evicted before {@code txTs}. Never replaces a lock or a current
     * value. Returns whether it did.
     */
    boolean putFromLoad(byte[] key, Object value, long txTs) {
        byte[] payload = payloadOrNull(value);
        if (payload == null) {
            return false;
        }
        byte[] k = storeKey(key);
        try {
            // A look first, with near reads (local when leased, as a preceding miss usually left them): a load that
            // cannot be stored now (a lock or a current value there, or an eviction after the load started) is not
            // attempted. Skipping a load is always safe; the transaction below decides for the loads that may win.
            Gen seen = nearGen();
            if (txTs <= seen.evictTs || !loadMayReplace(Entry.parse(store.getNear(k).orElse(null)), seen, txTs)) {
                return false;
            }
            return store.transaction(tx -> {
                Gen g = gen(tx);
                if (txTs <= g.evictTs) {
                    return false;
                }
                byte[] raw = tx.get(k).orElse(null);
                if (!loadMayReplace(Entry.parse(raw), g, txTs)) {
                    return false;
                }
                // offered to the nodes that leased the miss (this one too): their next find stays local
                tx.putAndOffer(k, new Entry.Value(g.gen, payload).toBytes());
                return true;
            });
        } catch (HomeostatException | CacheException ex) {
            LOG.log(Level.FINE, ex, () -> "Homeostat L2 region " + name + ": put failed, not cached");
            return false;
        }
    }

    private static boolean loadMayReplace(Entry e, Gen g, long txTs) {
        if (e == null) {
            return true;
        }
        if (e instanceof Entry.Tombstone) {
            return txTs > ((Entry.Tombstone) e).ts;
        }
        long entryGen = e instanceof Entry.Value ? ((Entry.Value) e).gen : ((Entry.Lock) e).gen;
        return entryGen < g.gen; // an older generation: txTs > evictTs was checked by the caller
    }

    private byte[] payloadOrNull(Object value) {
        byte[] payload = codec.encode(value);
        if (payload.length + 9 > maxEntryBytes) {
            LOG.fine(() -> "Homeostat L2 region " + name + ": entry of " + payload.length + " bytes exceeds "
                    + HomeostatSettings.MAX_ENTRY_BYTES + "=" + maxEntryBytes + "; not cached");
            return null;
        }
        return payload;
    }

    // ------------------------------------------------------------------ READ_WRITE soft locks

    /**
     * Attempts of the lock before it gives up on a timeout: a lock right after a node crashed waits out the read
     * leases the dead node held (up to {@code homeostat.near-cache.lease-millis}, 4/5 of one operation timeout), and
     * failure detection and the takeover of its replicas can take some of the same time, so a second operation gets
     * the lock through where the first ran out. A lock that cannot be recorded fails the update, so this bounds how
     * long an update may wait: two operation timeouts.
     */
    private static final int LOCK_ATTEMPTS_ON_TIMEOUT = 2;

    /**
     * Locks the key before the database changes it: from now on reads miss and loads cannot fill it. Fails (and so
     * fails the flush) if the store cannot record the lock within {@link #LOCK_ATTEMPTS_ON_TIMEOUT} operations, since
     * the update would otherwise be unprotected.
     */
    LockId lock(byte[] key) {
        byte[] k = storeKey(key);
        LockId id = null;
        for (int attempt = 1;; attempt++) {
            try {
                if (id == null) {
                    // The generation is a near read taken before the transaction, not a read inside it, so that the
                    // lock is a transaction on the entry's key alone (one replica group, one round trip less). Safe: a
                    // region eviction that commits between this read and the lock leaves exactly the state of an
                    // eviction right after the lock (a lock of the older generation, which loads that started after
                    // the eviction may replace, and then the release finds its lock gone and leaves a tombstone); see
                    // the module README. A second attempt keeps the id, generation included.
                    id = LockId.random(nearGen().gen);
                }
                lockOnce(k, id);
                return id;
            } catch (OperationTimeoutException | UnavailableException e) {
                if (attempt < LOCK_ATTEMPTS_ON_TIMEOUT) {
                    LOG.log(Level.FINE, e, () -> "Homeostat L2 region " + name + ": a cache lock timed out; trying "
                            + "again");
                    continue;
                }
                throw new CacheException("Homeostat L2 region " + name + ": cannot lock a cache entry before an "
                        + "update within " + LOCK_ATTEMPTS_ON_TIMEOUT + " operations (" + e.getMessage() + "); the "
                        + "update is refused so that no node can keep reading the old state. If the cluster was "
                        + "recovering from a node failure, the update can be retried; if this happens otherwise, "
                        + "raise " + HomeostatSettings.OPERATION_TIMEOUT_MILLIS, e);
            } catch (HomeostatException e) {
                throw new CacheException("Homeostat L2 region " + name + ": cannot lock a cache entry before an "
                        + "update (" + e.getMessage() + "); the update is refused so that no node can keep reading the "
                        + "old state", e);
            }
        }
    }

    /**
     * One attempt at lock {@code id}. Idempotent: an attempt that timed out may still have committed, and then the
     * next one finds the lock in place and writes nothing.
     */
    private void lockOnce(byte[] k, LockId id) {
        store.transaction(tx -> {
            byte[] raw = tx.get(k).orElse(null);
            Entry e = Entry.parse(raw);
            if (e instanceof Entry.Lock && ((Entry.Lock) e).holds(id.hi(), id.lo())) {
                return null; // an earlier attempt of this lock committed after all
            }
            Entry.Lock next = e instanceof Entry.Lock ? ((Entry.Lock) e).with(id.gen(), id.hi(), id.lo())
                    : new Entry.Lock(id.gen(), false, new long[] {id.hi(), id.lo()}, raw);
            byte[] bytes = next.toBytes();
            if (bytes.length > maxEntryBytes) { // too big to keep the previous value for a rollback
                bytes = new Entry.Lock(id.gen(), next.concurrent, next.ids, null).toBytes();
            }
            tx.put(k, bytes);
            return null;
        });
    }

    /**
     * After a successful commit: publishes {@code value} if this transaction held the only lock and nobody locked the
     * key concurrently; otherwise releases its lock, and the last holder leaves a tombstone. Returns whether the value
     * was published; false when the step was handed to the {@link Releaser} (it is then not known yet).
     */
    boolean afterUpdate(byte[] key, Object value, LockId id) {
        byte[] payload = payloadOrNull(value);
        if (releaser != null && noEvictionSince(id)) {
            releaser.submit(() -> release(key, id, payload, false, true));
            return false;
        }
        return release(key, id, payload, false, false);
    }

    /**
     * Whether the after-commit step of lock {@code id} may run after the commit returns: only if no region eviction
     * committed since the generation the lock recorded. A lock stays a miss everywhere only while no load may replace
     * it, and a load may replace a lock of an older generation: a load that started after such an eviction, but read
     * the row before our database commit, could cache the old state over our lock, and only our step's tombstone ends
     * that, so it must complete before the commit returns. An eviction that commits after this check cannot lead there:
     * a load that passes it started after it, so after our database commit, and read the new row. Asked after the
     * database commit, with a near read (local while leased); if the store cannot tell, the step runs here.
     */
    private boolean noEvictionSince(LockId id) {
        try {
            return nearGen().gen == id.gen();
        } catch (HomeostatException | CacheException ex) {
            return false;
        }
    }

    /**
     * Releases a lock without a new value: after a commit (delete, or an update whose state is not cached) the key is
     * invalidated; after a rollback by the only holder, the entry the lock replaced is restored unchanged. A rollback
     * always releases on the calling thread, so that a later transaction of the same thread finds the entry restored
     * and not locked (which would make it a concurrent holder, and the entry a tombstone).
     */
    void unlock(byte[] key, LockId id, boolean rolledBack) {
        if (releaser != null && !rolledBack && noEvictionSince(id)) {
            releaser.submit(() -> release(key, id, null, rolledBack, true));
            return;
        }
        release(key, id, null, rolledBack, false);
    }

    /**
     * The after-commit step of lock {@code id}. {@code genSeenAfterCommit}: the region generation was seen unchanged
     * since the lock ({@link #noEvictionSince}) after the database commit, so a new value is published at the lock's
     * generation without reading the generation key in the transaction, which then involves the entry's replica group
     * alone. Safe: a value of a generation that an eviction has since left behind is a miss, and the only loads that
     * may replace it started after that eviction, hence after the database commit, and read the new row. Without that
     * observation the value is published at the generation the transaction reads: a load that started after an
     * eviction before our database commit may have read the old row, and must not replace it.
     */
    private boolean release(byte[] key, LockId id, byte[] payload, boolean rolledBack, boolean genSeenAfterCommit) {
        byte[] k = storeKey(key);
        try {
            return store.transaction(tx -> {
                Entry e = Entry.parse(tx.get(k).orElse(null));
                if (!(e instanceof Entry.Lock) || !((Entry.Lock) e).holds(id.hi(), id.lo())) {
                    // our lock was replaced (region evicted and refilled): whatever is there may predate our commit
                    tx.put(k, new Entry.Tombstone(ClusterClock.tick(tx)).toBytes());
                    return false;
                }
                Entry.Lock lock = (Entry.Lock) e;
                boolean sole = lock.holders() == 1 && !lock.concurrent;
                if (sole && rolledBack) {
                    if (lock.previous == null) {
                        tx.delete(k);
                    } else {
                        tx.putAndOffer(k, lock.previous); // the nodes the lock revoked read the entry again locally
                    }
                    return false;
                }
                if (sole && payload != null) {
                    // offered to the nodes whose copies the lock revoked: their next find stays local
                    tx.putAndOffer(k, new Entry.Value(genSeenAfterCommit ? id.gen() : gen(tx).gen, payload).toBytes());
                    return true;
                }
                Entry.Lock rest = lock.without(id.hi(), id.lo());
                if (rest.holders() > 0) {
                    tx.put(k, rest.toBytes());
                } else {
                    tx.put(k, new Entry.Tombstone(ClusterClock.tick(tx)).toBytes());
                }
                return false;
            });
        } catch (HomeostatException | CacheException ex) {
            // the lock stays: reads keep missing and loads keep failing, which is safe; an eviction clears it
            LOG.log(Level.WARNING, ex, () -> "Homeostat L2 region " + name + ": cannot release a cache lock; the "
                    + "entry stays locked (a miss) until the region is evicted");
            return false;
        }
    }

    // ------------------------------------------------------------------ invalidation

    /** Leaves a tombstone at the current cluster time; with {@code keepLocks}, a locked key is left as it is. */
    void invalidate(byte[] key, boolean keepLocks) {
        byte[] k = storeKey(key);
        try {
            store.transaction(tx -> {
                Entry e = Entry.parse(tx.get(k).orElse(null));
                if (keepLocks && e instanceof Entry.Lock) {
                    return null;
                }
                tx.put(k, new Entry.Tombstone(ClusterClock.tick(tx)).toBytes());
                return null;
            });
        } catch (HomeostatException e) {
            throw new CacheException("Homeostat L2 region " + name + ": cannot invalidate a cache entry: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Evicts the whole region on every node: a new generation, and loads from transactions that started before now
     * may not fill it.
     */
    void evictAll() {
        try {
            store.transaction(tx -> {
                Gen g = gen(tx);
                long now = ClusterClock.tick(tx);
                tx.put(genKey, new Gen(g.gen + 1, now).toBytes());
                return null;
            });
        } catch (HomeostatException e) {
            throw new CacheException("Homeostat L2 region " + name + ": cannot evict the region: " + e.getMessage(),
                    e);
        }
    }

    long now() {
        return clock.now();
    }
}
