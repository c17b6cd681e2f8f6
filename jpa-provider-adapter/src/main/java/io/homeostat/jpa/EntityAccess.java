package io.homeostat.jpa;

import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.SoftLock;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;

/** Entity data access; see {@link DataAccess}. */
final class EntityAccess extends DataAccess implements EntityDataAccess {

    private final CacheKeysFactory keysFactory;

    EntityAccess(DomainRegion region, AccessType type, CacheKeysFactory keysFactory) {
        super(region, type);
        this.keysFactory = keysFactory;
    }

    @Override
    public Object generateCacheKey(Object id, EntityPersister rootEntityDescriptor, SessionFactoryImplementor factory,
            String tenantIdentifier) {
        return keysFactory.createEntityKey(id, rootEntityDescriptor, factory, tenantIdentifier);
    }

    @Override
    public Object getCacheKeyId(Object cacheKey) {
        return keysFactory.getEntityId(cacheKey);
    }

    @Override
    public boolean insert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        return doInsert();
    }

    @Override
    public boolean afterInsert(SharedSessionContractImplementor session, Object key, Object value, Object version) {
        return doAfterInsert(session, key, value);
    }

    @Override
    public boolean update(SharedSessionContractImplementor session, Object key, Object value, Object currentVersion,
            Object previousVersion) {
        return doUpdate(key);
    }

    @Override
    public boolean afterUpdate(SharedSessionContractImplementor session, Object key, Object value,
            Object currentVersion, Object previousVersion, SoftLock lock) {
        return doAfterUpdate(key, value, lock);
    }
}
