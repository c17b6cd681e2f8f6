package io.homeostat.jpa;

import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.cache.CacheException;
import org.hibernate.cache.spi.QueryResultsRegion;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Query results, stored in the cluster under the SHA-256 of the serialized query key (the full key is kept in the
 * entry and compared on read). Staleness is decided by Hibernate against the update timestamps region; {@link #clear()}
 * starts a new generation so older results read as misses on every node.
 */
final class QueryRegion implements QueryResultsRegion {

    private static final Logger LOG = Logger.getLogger(QueryRegion.class.getName());

    private final String name;
    private final HomeostatRegionFactory factory;
    private final Homeostat store;
    private final Codec codec;
    private final byte[] prefix;
    private final byte[] genKey;
    private final int maxEntryBytes;
    private final long operationTimeoutMillis;

    QueryRegion(String name, HomeostatRegionFactory factory, Homeostat store, Codec codec, int maxEntryBytes,
            long operationTimeoutMillis) {
        this.name = name;
        this.factory = factory;
        this.store = store;
        this.codec = codec;
        byte[] base = ("hs/l2q/" + name + "\0").getBytes(StandardCharsets.UTF_8);
        this.prefix = Bytes.concat(base, new byte[] {'e'});
        this.genKey = Bytes.concat(base, new byte[] {'g'});
        this.maxEntryBytes = maxEntryBytes;
        this.operationTimeoutMillis = operationTimeoutMillis;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public RegionFactory getRegionFactory() {
        return factory;
    }

    private long gen(Optional<byte[]> raw) {
        return raw.map(b -> Bytes.getLong(b, 0)).orElse(0L);
    }

    @Override
    public Object getFromCache(Object key, SharedSessionContractImplementor session) {
        try {
            byte[] keyBytes = codec.encode(key);
            var entry = store.getAsync(Bytes.concat(prefix, KeyCodec.sha256(keyBytes)));
            var gen = store.getAsync(genKey);
            byte[] raw = entry.get(operationTimeoutMillis, TimeUnit.MILLISECONDS).orElse(null);
            if (raw == null || Bytes.getLong(raw, 0) != gen(gen.get(operationTimeoutMillis, TimeUnit.MILLISECONDS))) {
                return null;
            }
            int keyLength = Bytes.getInt(raw, 8);
            if (!Arrays.equals(raw, 12, 12 + keyLength, keyBytes, 0, keyBytes.length)) {
                return null;
            }
            return codec.decode(raw, 12 + keyLength, raw.length - 12 - keyLength);
        } catch (Codec.RejectedPayloadException e) {
            LOG.warning(() -> "Homeostat query cache " + name + ": ignoring an entry: " + e.getMessage());
            return null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.FINE, e, () -> "Homeostat query cache " + name + ": read failed, treated as a miss");
            return null;
        }
    }

    @Override
    public void putIntoCache(Object key, Object value, SharedSessionContractImplementor session) {
        try {
            byte[] keyBytes = codec.encode(key);
            byte[] payload = codec.encode(value);
            if (12L + keyBytes.length + payload.length > maxEntryBytes) {
                return;
            }
            byte[] raw = new byte[12 + keyBytes.length + payload.length];
            Bytes.putLong(raw, 0, gen(store.get(genKey)));
            Bytes.putInt(raw, 8, keyBytes.length);
            System.arraycopy(keyBytes, 0, raw, 12, keyBytes.length);
            System.arraycopy(payload, 0, raw, 12 + keyBytes.length, payload.length);
            store.put(Bytes.concat(prefix, KeyCodec.sha256(keyBytes)), raw);
        } catch (HomeostatException | CacheException e) {
            LOG.log(Level.FINE, e, () -> "Homeostat query cache " + name + ": put failed, not cached");
        }
    }

    @Override
    public void clear() {
        try {
            store.transaction(tx -> {
                byte[] next = new byte[8];
                Bytes.putLong(next, 0, gen(tx.get(genKey)) + 1);
                tx.put(genKey, next);
                return null;
            });
        } catch (HomeostatException e) {
            throw new CacheException("Homeostat query cache " + name + ": cannot evict: " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
    }
}
