package io.homeostat.jpa;

import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.cache.spi.TimestampsRegion;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Last-update times of query spaces (tables), in {@link ClusterClock} time. A put never lowers a space's time (it
 * keeps the maximum, in one store transaction) and moves the clock past it, so a query cached by a transaction that
 * started before an update reads stale on every node, and one that started after it reads fresh. {@link #clear()}
 * raises a floor for every space instead of forgetting times, which would make stale results look fresh.
 */
final class TimestampsRegionImpl implements TimestampsRegion {

    private static final Logger LOG = Logger.getLogger(TimestampsRegionImpl.class.getName());

    private final String name;
    private final HomeostatRegionFactory factory;
    private final Homeostat store;
    private final byte[] prefix;
    private final byte[] floorKey;
    private final long operationTimeoutMillis;

    TimestampsRegionImpl(String name, HomeostatRegionFactory factory, Homeostat store, long operationTimeoutMillis) {
        this.name = name;
        this.factory = factory;
        this.store = store;
        this.operationTimeoutMillis = operationTimeoutMillis;
        byte[] base = ("hs/l2t/" + name + "\0").getBytes(StandardCharsets.UTF_8);
        this.prefix = Bytes.concat(base, new byte[] {'e'});
        this.floorKey = Bytes.concat(base, new byte[] {'f'});
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public RegionFactory getRegionFactory() {
        return factory;
    }

    private byte[] key(Object space) {
        return Bytes.concat(prefix, String.valueOf(space).getBytes(StandardCharsets.UTF_8));
    }

    private static Long time(Optional<byte[]> raw) {
        return raw.map(b -> Bytes.getLong(b, 0)).orElse(null);
    }

    private static byte[] bytes(long t) {
        byte[] b = new byte[8];
        Bytes.putLong(b, 0, t);
        return b;
    }

    /** The space's last update time, or null if it never changed; on a store failure "now" (reads as stale). */
    @Override
    public Object getFromCache(Object space, SharedSessionContractImplementor session) {
        try {
            CompletableFuture<Optional<byte[]>> t = store.getAsync(key(space));
            CompletableFuture<Optional<byte[]>> floor = store.getAsync(floorKey);
            Long last = time(t.get(operationTimeoutMillis, TimeUnit.MILLISECONDS));
            Long min = time(floor.get(operationTimeoutMillis, TimeUnit.MILLISECONDS));
            if (last == null) {
                return min;
            }
            return min == null ? last : Long.valueOf(Math.max(last, min));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.FINE, e, () -> "Homeostat timestamps " + name + ": read failed; query results are stale");
            return Long.MAX_VALUE;
        }
    }

    @Override
    public void putIntoCache(Object space, Object value, SharedSessionContractImplementor session) {
        long t = (Long) value;
        byte[] k = key(space);
        try {
            store.transaction(tx -> {
                Long current = time(tx.get(k));
                if (current == null || current < t) {
                    tx.put(k, bytes(t));
                }
                ClusterClock.advanceBeyond(tx, Math.max(t, current == null ? t : current));
                return null;
            });
        } catch (HomeostatException e) {
            throw new CacheException("Homeostat timestamps " + name + ": cannot record an update of " + space + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void clear() {
        try {
            store.transaction(tx -> {
                tx.put(floorKey, bytes(ClusterClock.tick(tx)));
                return null;
            });
        } catch (HomeostatException e) {
            throw new CacheException("Homeostat timestamps " + name + ": cannot clear: " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
    }
}
