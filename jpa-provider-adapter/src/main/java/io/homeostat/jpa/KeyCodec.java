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
 * Every read computes its key, so the common case (a {@code Long} or {@code Integer} id) takes no serialization. Keys longer than {@link #MAX_RAW_KEY_BYTES} are replaced by their
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
            out.writeBytes(codec.encode(k.getId()));
        } else if (key instanceof BasicCacheKeyImplementation) {
            BasicCacheKeyImplementation k = (BasicCacheKeyImplementation) key;
            out.write('E');
            text(out, k.getEntityOrRoleName());
            text(out, null);
            out.writeBytes(codec.encode(k.getId()));
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
