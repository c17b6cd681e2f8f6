package io.homeostat.jpa;

import org.hibernate.cache.cfg.spi.CollectionDataCachingConfig;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.EntityDataCachingConfig;
import org.hibernate.cache.cfg.spi.NaturalIdDataCachingConfig;
import org.hibernate.cache.spi.access.CollectionDataAccess;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.access.NaturalIdDataAccess;
import org.hibernate.cache.spi.support.AbstractDomainDataRegion;

/** A region of entity, collection and natural-id data, stored in the cluster through one {@link RegionStore}. */
final class DomainRegion extends AbstractDomainDataRegion {

    private final RegionStore store;
    private final KeyCodec keys;

    DomainRegion(DomainDataRegionConfig config, HomeostatRegionFactory factory,
            DomainDataRegionBuildingContext context) {
        super(config, factory, null, context);
        this.store = factory.regionStore(config.getRegionName());
        this.keys = factory.keyCodec();
        completeInstantiation(config, context);
    }

    RegionStore store() {
        return store;
    }

    KeyCodec keys() {
        return keys;
    }

    @Override
    protected EntityDataAccess generateEntityAccess(EntityDataCachingConfig config) {
        return new EntityAccess(this, config.getAccessType(), getEffectiveKeysFactory());
    }

    @Override
    protected CollectionDataAccess generateCollectionAccess(CollectionDataCachingConfig config) {
        return new CollectionAccess(this, config.getAccessType(), getEffectiveKeysFactory());
    }

    @Override
    protected NaturalIdDataAccess generateNaturalIdAccess(NaturalIdDataCachingConfig config) {
        return new NaturalIdAccess(this, config.getAccessType(), getEffectiveKeysFactory());
    }

    /** One cluster-wide eviction for the whole region (its accesses share the store). */
    @Override
    public void clear() {
        store.evictAll();
    }
}
