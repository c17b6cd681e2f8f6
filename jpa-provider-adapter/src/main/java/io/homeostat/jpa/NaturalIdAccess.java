package io.homeostat.jpa;

import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Natural-id resolution access (natural id values to entity id); see {@link DataAccess}. */
final class NaturalIdAccess extends DataAccess implements NaturalIdDataAccess {

    private final CacheKeysFactory keysFactory;

    NaturalIdAccess(DomainRegion region, AccessType type, CacheKeysFactory keysFactory) {
        super(region, type);
        this.keysFactory = keysFactory;
    }

    @Override
    public Object generateCacheKey(Object naturalIdValues, EntityPersister rootEntityDescriptor,
            SharedSessionContractImplementor session) {
        return keysFactory.createNaturalIdKey(naturalIdValues, rootEntityDescriptor, session);
    }

    @Override
    public Object getNaturalIdValues(Object cacheKey) {
        return keysFactory.getNaturalIdValues(cacheKey);
    }

    @Override
    public boolean insert(SharedSessionContractImplementor session, Object key, Object value) {
        return doInsert();
    }

    @Override
    public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value) {
        return doAfterInsert(session, key, value);
    }

    @Override
    public boolean update(SharedSessionContractImplementor session, Object key, Object value) {
        return doUpdate(key);
    }

    @Override
    public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value, SoftLock lock) {
        return doAfterUpdate(key, value, lock);
    }
}
