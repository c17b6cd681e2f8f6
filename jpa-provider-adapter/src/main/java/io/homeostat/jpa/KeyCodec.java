package io.homeostat.jpa;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.cache.internal.BasicCacheKeyImplementation;
import org.hibernate.cache.internal.CacheKeyImplementation;
import org.hibernate.cache.internal.NaturalIdCacheKey;

/**
 * Store key bytes of a Hibernate cache key. Hibernate's default keys (entity or collection role, tenant, id; natural
 * id values) become a compact form with the id in {@link Codec}'s scalar encoding; other key objects (a custom
 * {@code CacheKeysFactory}) are Java-serialized. Hibernate's default factory makes a {@code BasicCacheKeyImplementation}
 * (role and id, no tenant) for a basic id without a tenant and a {@code CacheKeyImplementation} otherwise; both name
 * (role, tenant, id) and get the same compact form, so the same row has one store key whichever class Hibernate used.
 * Every read computes its key, so the common case (a {@code Long} or {@code Integer} id) takes no serialization.
 *
 * <p>{@code Long} and {@code Integer} ids are written scrambled, by a bijection (the MurmurHash3 finalizer), after a tag
 * of their own: still one store key per id, but consecutive ids differ in every byte. Written plainly they differ only
 * in their last one or two bytes, and {@code Arrays.hashCode} of such keys (what the engine's key maps and this
 * adapter's decoded-entry table hash by) takes only a few hundred distinct values for thousands of ids. Keys longer than {@link #MAX_RAW_KEY_BYTES} are replaced by their
 * SHA-256 digest, so every store key stays within the engine's 4 KiB limit.
 */
final class KeyCodec {

    static final int MAX_RAW_KEY_BYTES = 2_048;

    /**
     * Entity and collection role names kept encoded, at most this many (a factory has one per mapped entity and
     * collection; past the bound a name is encoded on every use, as all were before).
     */
    static final int MAX_CACHED_NAMES = 4_096;

    private static final byte[] EMPTY = new byte[0];

    private final Codec codec;
    private final ConcurrentHashMap<String, byte[]> names = new ConcurrentHashMap<>();

    KeyCodec(Codec codec) {
        this.codec = codec;
    }

    /**
     * The key's bytes. Built in one array, with the role name's bytes reused: every read of the cache computes its key,
     * and this is most of what a hit costs besides the lookup itself.
     */
    byte[] bytes(Object key) {
        return bytes(EMPTY, key);
    }

    /**
     * {@code prefix} followed by {@link #bytes(Object)}: a read's store key, built in one array for Hibernate's default
     * keys instead of a key and then a copy of it behind the prefix.
     */
    byte[] bytes(byte[] prefix, Object key) {
        byte[] b;
        if (key instanceof CacheKeyImplementation) {
            CacheKeyImplementation k = (CacheKeyImplementation) key;
            b = tagged(prefix, 'E', name(k.getEntityOrRoleName()), utf8(k.getTenantId()), k.getId());
        } else if (key instanceof BasicCacheKeyImplementation) {
            BasicCacheKeyImplementation k = (BasicCacheKeyImplementation) key;
            b = tagged(prefix, 'E', name(k.getEntityOrRoleName()), EMPTY, k.getId());
        } else if (key instanceof NaturalIdCacheKey) {
            NaturalIdCacheKey k = (NaturalIdCacheKey) key;
            b = tagged(prefix, 'N', name(k.getEntityName()), utf8(k.getTenantId()), null,
                    codec.encode(k.getNaturalIdValues()));
        } else {
            b = Bytes.concat(prefix, Bytes.concat(new byte[] {'S'}, codec.encode(key)));
        }
        if (b.length - prefix.length <= MAX_RAW_KEY_BYTES) {
            return b;
        }
        return Bytes.concat(prefix,
                Bytes.concat(new byte[] {'H'}, sha256(Arrays.copyOfRange(b, prefix.length, b.length))));
    }

    private byte[] tagged(byte[] prefix, char tag, byte[] name, byte[] tenant, Object id) {
        return tagged(prefix, tag, name, tenant, id,
                id instanceof Long || id instanceof Integer ? null : codec.encode(id));
    }

    /**
     * {@code prefix}, {@code tag}, the name and the tenant each as a 2-byte length and UTF-8, then the id: scrambled if
     * {@code encoded} is null (a {@code Long} or {@code Integer}), else {@code encoded} as it is.
     */
    private static byte[] tagged(byte[] prefix, char tag, byte[] name, byte[] tenant, Object id, byte[] encoded) {
        int idBytes = encoded != null ? encoded.length : id instanceof Long ? 9 : 5;
        byte[] b = new byte[prefix.length + 1 + 2 + name.length + 2 + tenant.length + idBytes];
        System.arraycopy(prefix, 0, b, 0, prefix.length);
        b[prefix.length] = (byte) tag;
        int p = text(b, prefix.length + 1, name);
        p = text(b, p, tenant);
        if (encoded != null) {
            System.arraycopy(encoded, 0, b, p, encoded.length);
        } else if (id instanceof Long) {
            b[p] = SCRAMBLED_LONG;
            Bytes.putLong(b, p + 1, scramble((Long) id));
        } else {
            b[p] = SCRAMBLED_INT;
            int v = scramble((Integer) id);
            for (int i = 0; i < 4; i++) {
                b[p + 1 + i] = (byte) (v >>> (24 - 8 * i));
            }
        }
        return b;
    }

    private byte[] name(String name) {
        byte[] b = names.get(name);
        if (b == null) {
            b = utf8(name);
            if (names.size() < MAX_CACHED_NAMES) {
                names.putIfAbsent(name, b);
            }
        }
        return b;
    }

    private static byte[] utf8(String s) {
        return s == null ? EMPTY : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A 2-byte length (its low 16 bits, as the format always wrote it) and the bytes; returns the next position. */
    private static int text(byte[] b, int p, byte[] s) {
        b[p] = (byte) (s.length >>> 8);
        b[p + 1] = (byte) s.length;
        System.arraycopy(s, 0, b, p + 2, s.length);
        return p + 2 + s.length;
    }

    /** Tags of scrambled ids; distinct from every {@link Codec} tag, which starts the other ids' bytes. */
    static final byte SCRAMBLED_LONG = 'l';
    static final byte SCRAMBLED_INT = 'i';

    /** MurmurHash3's 64-bit finalizer: each step (xor-shift, multiply by an odd constant) is invertible. */
    static long scramble(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    /** MurmurHash3's 32-bit finalizer, invertible like {@link #scramble(long)}. */
    static int scramble(int x) {
        x ^= x >>> 16;
        x *= 0x85ebca6b;
        x ^= x >>> 13;
        x *= 0xc2b2ae35;
        x ^= x >>> 16;
        return x;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
