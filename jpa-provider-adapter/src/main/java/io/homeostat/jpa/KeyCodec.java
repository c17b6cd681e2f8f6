package io.homeostat.jpa;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

    private final Codec codec;

    KeyCodec(Codec codec) {
        this.codec = codec;
    }

    byte[] bytes(Object key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        if (key instanceof CacheKeyImplementation) {
            CacheKeyImplementation k = (CacheKeyImplementation) key;
            out.write('E');
            text(out, k.getEntityOrRoleName());
            text(out, k.getTenantId());
            id(out, k.getId());
        } else if (key instanceof BasicCacheKeyImplementation) {
            BasicCacheKeyImplementation k = (BasicCacheKeyImplementation) key;
            out.write('E');
            text(out, k.getEntityOrRoleName());
            text(out, null);
            id(out, k.getId());
        } else if (key instanceof NaturalIdCacheKey) {
            NaturalIdCacheKey k = (NaturalIdCacheKey) key;
            out.write('N');
            text(out, k.getEntityName());
            text(out, k.getTenantId());
            out.writeBytes(codec.encode(k.getNaturalIdValues()));
        } else {
            out.write('S');
            out.writeBytes(codec.encode(key));
        }
        byte[] b = out.toByteArray();
        return b.length <= MAX_RAW_KEY_BYTES ? b : Bytes.concat(new byte[] {'H'}, sha256(b));
    }

    /** Tags of scrambled ids; distinct from every {@link Codec} tag, which starts the other ids' bytes. */
    static final byte SCRAMBLED_LONG = 'l';
    static final byte SCRAMBLED_INT = 'i';

    private void id(ByteArrayOutputStream out, Object id) {
        if (id instanceof Long) {
            out.write(SCRAMBLED_LONG);
            long v = scramble((Long) id);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (v >>> shift));
            }
        } else if (id instanceof Integer) {
            out.write(SCRAMBLED_INT);
            int v = scramble((Integer) id);
            for (int shift = 24; shift >= 0; shift -= 8) {
                out.write(v >>> shift);
            }
        } else {
            out.writeBytes(codec.encode(id));
        }
    }

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

    private static void text(ByteArrayOutputStream out, String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
