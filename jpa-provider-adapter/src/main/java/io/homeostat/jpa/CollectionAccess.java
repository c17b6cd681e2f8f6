package io.homeostat.jpa;

import org.hibernate.cache.spi.CacheKeysFactory;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.persister.collection.CollectionPersister;

/** Collection data access: collections are only loaded, locked and invalidated, never written by updates. */
final class CollectionAccess extends DataAccess implements CollectionDataAccess {

    private final CacheKeysFactory keysFactory;

    CollectionAccess(DomainRegion region, AccessType type, CacheKeysFactory keysFactory) {
        super(region, type);
        this.keysFactory = keysFactory;
    }

    @Override
    public Object generateCacheKey(Object id, CollectionPersister collectionDescriptor,
            SessionFactoryImplementor factory, String tenantIdentifier) {
        return keysFactory.createCollectionKey(id, collectionDescriptor, factory, tenantIdentifier);
    }

    @Override
    public Object getCacheKeyId(Object cacheKey) {
        return keysFactory.getCollectionId(cacheKey);
    }
}
