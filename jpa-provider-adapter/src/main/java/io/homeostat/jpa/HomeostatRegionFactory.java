package io.homeostat.jpa;

import io.homeostat.Homeostat;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hibernate.boot.spi.SessionFactoryOptions;
import org.hibernate.cache.cfg.spi.DomainDataRegionBuildingContext;
import org.hibernate.cache.cfg.spi.DomainDataRegionConfig;
import org.hibernate.cache.spi.AbstractRegionFactory;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.cache.spi.DomainDataRegion;
import org.hibernate.cache.spi.QueryResultsRegion;
import org.hibernate.cache.spi.TimestampsRegion;
import org.hibernate.cache.spi.access.AccessType;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Hibernate ORM second-level cache backed by a Homeostat cluster: every region lives in the replicated, linearizable
 * store, so all nodes see one cache. Select it with {@code hibernate.cache.region.factory_class=homeostat} (or this
 * class's name) and configure it with the {@link HomeostatSettings homeostat.*} properties.
 *
 * <p>Starting the factory starts (or shares) this JVM's node of the configured cluster; stopping it makes the node leave
 * the cluster gracefully once no other factory uses it. Supported access types: READ_ONLY, NONSTRICT_READ_WRITE and
 * READ_WRITE (the default; strongly consistent across nodes); not TRANSACTIONAL. Cluster time comes from a logical clock
 * in the store, never from wall clocks.
 */
public final class HomeostatRegionFactory extends AbstractRegionFactory {

    private static final long serialVersionUID = 1L;

    private transient Config config;
    private transient NodeRegistry.Handle node;
    private transient Codec codec;
    private transient KeyCodec keyCodec;
    private transient Releaser releaser;
    private transient ClusterClock clock;

    /**
     * Read-only diagnostics for consoles and health checks: a status snapshot (ring neighbours, replica groups with
     * their members, epochs and serving state, event-loop counters) of every Homeostat node running in this JVM,
     * keyed by {@code "<cluster name>/<node name>"}. Each snapshot is taken on the node's own thread; a node that does
     * not answer within {@code timeoutMillis} is left out. Changes nothing; the map is empty when no factory runs.
     */
    public static Map<String, EmbeddedNode.Status> nodeStatus(long timeoutMillis) {
        Map<String, EmbeddedNode.Status> out = new LinkedHashMap<>();
        NodeRegistry.runningNodes().forEach((name, node) -> {
            try {
                out.put(name, node.status(timeoutMillis));
            } catch (IllegalStateException e) {
                // no answer in time (busy or stopping): left out, as documented
            }
        });
        return out;
    }

    /** Used by Hibernate. */
    public HomeostatRegionFactory() {
    }

    @Override
    protected void prepareForUse(SessionFactoryOptions settings, Map<String, Object> configValues) {
        config = Config.from(configValues);
        codec = new Codec(config.serializationAllow(), config.maxEntryBytes());
        keyCodec = new KeyCodec(codec);
        node = NodeRegistry.acquire(config);
        clock = new ClusterClock(node.client());
        releaser = config.asyncReleaseMaxInFlight() == 0 ? null
                : new Releaser(config.nodeName(), config.asyncReleaseMaxInFlight(), config.operationTimeoutMillis());
    }

    @Override
    protected void releaseFromUse() {
        Releaser r = releaser;
        releaser = null;
        if (r != null) {
            r.close(); // before the node leaves, so that queued lock releases still reach the cluster
        }
        NodeRegistry.Handle n = node;
        node = null;
        if (n != null) {
            n.close();
        }
    }

    @Override
    public boolean isMinimalPutsEnabledByDefault() {
        return true; // a load never replaces a cached value anyway; this saves Hibernate the put attempt
    }

    @Override
    public AccessType getDefaultAccessType() {
        return AccessType.READ_WRITE;
    }

    /** The cluster clock: linearizable, so a time read after another completed is never smaller. */
    @Override
    public long nextTimestamp() {
        return clock.now();
    }

    /**
     * Zero: the pre-invalidation of the update timestamps needs no grace period, because a put never lowers a space's
     * time and the clock is the store's (see the README).
     */
    @Override
    public long getTimeout() {
        return 0;
    }

    @Override
    public CacheTransactionSynchronization createTransactionContext(SharedSessionContractImplementor session) {
        return new TxContext(clock);
    }

    @Override
    public DomainDataRegion buildDomainDataRegion(DomainDataRegionConfig regionConfig,
            DomainDataRegionBuildingContext buildingContext) {
        verifyStarted();
        return new DomainRegion(regionConfig, this, buildingContext);
    }

    @Override
    public QueryResultsRegion buildQueryResultsRegion(String regionName, SessionFactoryImplementor sessionFactory) {
        verifyStarted();
        return new QueryRegion(qualify(regionName), this, node.client(), codec, config.maxEntryBytes(),
                config.operationTimeoutMillis());
    }

    @Override
    public TimestampsRegion buildTimestampsRegion(String regionName, SessionFactoryImplementor sessionFactory) {
        verifyStarted();
        return new TimestampsRegionImpl(qualify(regionName), this, node.client(), config.operationTimeoutMillis());
    }

    RegionStore regionStore(String regionName) {
        return new RegionStore(regionName, node.client(), codec, clock, config.maxEntryBytes(), config.reuseDecoded(),
                releaser);
    }

    /**
     * Waits until no READ_WRITE after-commit step of this factory is queued or running (tests: to look at the cache
     * right after a commit). Returns whether none is.
     */
    boolean awaitReleases(long timeoutMillis) throws InterruptedException {
        Releaser r = releaser;
        return r == null || r.awaitIdle(timeoutMillis);
    }

    /** Tests: after-commit steps queued from now on wait until the handle is closed (nothing to hold when 0). */
    AutoCloseable holdReleases() {
        Releaser r = releaser;
        return r == null ? () -> { } : r.holdSteps();
    }

    KeyCodec keyCodec() {
        return keyCodec;
    }

    /** This factory's node (tests). */
    NodeRegistry.Handle node() {
        return node;
    }

    Homeostat store() {
        return node.client();
    }

    Codec codec() {
        return codec;
    }
}
