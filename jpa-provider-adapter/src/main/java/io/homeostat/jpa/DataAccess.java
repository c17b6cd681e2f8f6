package io.homeostat.jpa;

import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CachedDomainDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * The access strategies of all domain data (entities, collections, natural ids) for the three supported access types,
 * over one {@link RegionStore}. The cluster-wide semantics of each type are in the module README.
 */
abstract class DataAccess implements CachedDomainDataAccess {

    /** Returned by {@link #lockRegion()}; the region is evicted when it is taken and when it is released. */
    private static final SoftLock REGION_LOCK = new SoftLock() {
    };

    private final DomainRegion region;
    private final AccessType type;
    final RegionStore store;
    private final KeyCodec keys;

    DataAccess(DomainRegion region, AccessType type) {
        if (type != AccessType.READ_ONLY && type != AccessType.NONSTRICT_READ_WRITE
                && type != AccessType.READ_WRITE) {
            throw new UnsupportedOperationException("Homeostat's second-level cache supports READ_ONLY, "
                    + "NONSTRICT_READ_WRITE and READ_WRITE, not " + type + " (region " + region.getName() + ")");
        }
        this.region = region;
        this.type = type;
        this.store = region.store();
        this.keys = region.keys();
    }

    @Override
    public DomainDataRegion getRegion() {
        return region;
    }

    @Override
    public AccessType getAccessType() {
        return type;
    }

    @Override
    public Object get(SharedSessionContractImplementor session, Object key) {
        return store.getStored(storeKey(key));
    }

    @Override
    public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        return store.putFromLoad(keys.bytes(key), value, TxContext.startTimestamp(session));
    }

    @Override
    public boolean putFromLoad(SharedSessionContractImplementor session, Object key, Object value, Object version,
            boolean minimalPutOverride) {
        // a load never replaces a current value, so every put is minimal
        return putFromLoad(session, key, value, version);
    }

    @Override
    public SoftLock lockItem(SharedSessionContractImplementor session, Object key, Object version) {
        if (type != AccessType.READ_WRITE) {
            return null;
        }
        TxContext.watchOutcomeOf(session);
        return store.lock(keys.bytes(key));
    }

    @Override
    public void unlockItem(SharedSessionContractImplementor session, Object key, SoftLock lock) {
        if (type == AccessType.READ_WRITE && lock instanceof RegionStore.LockId) {
            store.unlock(keys.bytes(key), (RegionStore.LockId) lock, TxContext.rolledBack(session));
        } else {
            store.invalidate(keys.bytes(key), type == AccessType.READ_WRITE);
        }
    }

    @Override
    public void remove(SharedSessionContractImplementor session, Object key) {
        store.invalidate(keys.bytes(key), type == AccessType.READ_WRITE);
    }

    @Override
    public void removeAll(SharedSessionContractImplementor session) {
        store.evictAll();
    }

    @Override
    public boolean contains(Object key) {
        return store.getStored(storeKey(key)) != null;
    }

    /** The key's store key, built in one array (a read computes it every time). */
    private byte[] storeKey(Object key) {
        return keys.bytes(store.entryPrefix(), key);
    }

    @Override
    public SoftLock lockRegion() {
        store.evictAll();
        return REGION_LOCK;
    }

    @Override
    public void unlockRegion(SoftLock lock) {
        store.evictAll();
    }

    @Override
    public void evict(Object key) {
        store.invalidate(keys.bytes(key), true);
    }

    @Override
    public void evictAll() {
        store.evictAll();
    }

    // ------------------------------------------------------------------ entity and natural-id writes

    /** Before the insert commits: nothing is cached yet (the insert may roll back). */
    boolean doInsert() {
        return false;
    }

    /** After the insert committed: cached like a load of this transaction. */
    boolean doAfterInsert(SharedSessionContractImplementor session, Object key, Object value) {
        return store.putFromLoad(keys.bytes(key), value, TxContext.startTimestamp(session));
    }

    /** Before the update commits. */
    boolean doUpdate(Object key) {
        if (type == AccessType.READ_ONLY) {
            throw new UnsupportedOperationException("Cannot update an entry of READ_ONLY cache region "
                    + region.getName() + "; map the entity as mutable with another access type");
        }
        if (type == AccessType.NONSTRICT_READ_WRITE) {
            store.invalidate(keys.bytes(key), false);
        }
        return false;
    }

    /** After the update committed. */
    boolean doAfterUpdate(Object key, Object value, SoftLock lock) {
        if (type == AccessType.READ_ONLY) {
            throw new UnsupportedOperationException("Cannot update an entry of READ_ONLY cache region "
                    + region.getName());
        }
        if (type == AccessType.READ_WRITE && lock instanceof RegionStore.LockId) {
            return store.afterUpdate(keys.bytes(key), value, (RegionStore.LockId) lock);
        }
        store.invalidate(keys.bytes(key), false);
        return false;
    }
}
