package io.homeostat.jpa;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.hibernate.cache.CacheException;

/**
 * Serialization of cache keys and values. Common scalar values get a one-byte tag and their bytes, and most entity cache
 * entries a compact form of their own ({@link EntityEntries}); everything else is Java-serialized (deflated when that is
 * smaller) and read back only through an {@link ObjectInputFilter} allow-list: JDK value types, Hibernate's cache entry
 * and key classes, enums, and the patterns configured under {@link HomeostatSettings#SERIALIZATION_ALLOW}. Anything
 * else, or a stream past the depth, reference, array or byte limits, is rejected before the class is instantiated.
 * Thread-safe.
 */
final class Codec {

    static final byte NULL = 0;
    static final byte LONG = 1;
    static final byte INT = 2;
    static final byte STRING = 3;
    static final byte SERIAL = 4;
    static final byte SERIAL_DEFLATED = 5;
    /** Hibernate's entity cache entry in the compact form of {@link EntityEntries}. */
    static final byte ENTITY = 6;

    /** Serialized forms at least this long are tried deflated. */
    private static final int DEFLATE_MIN_BYTES = 256;
    static final int MAX_DEPTH = 64;
    static final long MAX_REFERENCES = 100_000;
    static final long MAX_ARRAY_LENGTH = 1_000_000;

    /** Exact class names always allowed. */
    private static final Set<String> ALLOWED_CLASSES = Set.of(
            "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long",
            "java.lang.Float", "java.lang.Double", "java.lang.Character", "java.lang.String", "java.lang.Number",
            "java.lang.Enum", "java.lang.Object", "java.io.Serializable",
            "java.math.BigInteger", "java.math.BigDecimal",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap", "java.util.LinkedHashMap",
            "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet",
            "java.util.Arrays$ArrayList", "java.util.CollSer", "java.util.ImmutableCollections$ListN",
            "java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$SetN",
            "java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$MapN",
            "java.util.ImmutableCollections$Map1", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableCollection",
            "java.util.Collections$UnmodifiableSet", "java.util.Collections$UnmodifiableMap",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
            "java.util.Collections$SingletonMap", "java.util.Date", "java.util.UUID", "java.util.Locale",
            "java.util.Currency", "java.sql.Timestamp", "java.sql.Date", "java.sql.Time",
            "java.time.Ser", "java.time.Duration", "java.time.Instant", "java.time.LocalDate", "java.time.LocalTime",
            "java.time.LocalDateTime", "java.time.OffsetDateTime", "java.time.OffsetTime", "java.time.ZonedDateTime",
            "java.time.ZoneOffset", "java.time.ZoneRegion", "java.time.Year", "java.time.YearMonth",
            "java.time.MonthDay", "java.time.Period",
            "org.hibernate.cache.spi.QueryKey", "org.hibernate.cache.spi.QueryKey$ParameterBindingsMemento");

    /** Packages (their classes, nested ones included, not subpackages) always allowed. */
    private static final Set<String> ALLOWED_PACKAGES = Set.of("org.hibernate.cache.spi.entry",
            "org.hibernate.cache.internal", "org.hibernate.bytecode.enhance.spi");

    private final List<String> userPatterns;
    private final int maxEntryBytes;

    Codec(List<String> userPatterns, int maxEntryBytes) {
        this.userPatterns = List.copyOf(userPatterns);
        this.maxEntryBytes = maxEntryBytes;
    }

    // ------------------------------------------------------------------ encoding

    byte[] encode(Object value) {
        if (value == null) {
            return new byte[] {NULL};
        }
        if (value instanceof Long) {
            byte[] b = new byte[9];
            b[0] = LONG;
            Bytes.putLong(b, 1, (Long) value);
            return b;
        }
        if (value instanceof Integer) {
            byte[] b = new byte[5];
            b[0] = INT;
            Bytes.putInt(b, 1, (Integer) value);
            return b;
        }
        if (value instanceof String) {
            byte[] s = ((String) value).getBytes(StandardCharsets.UTF_8);
            byte[] b = new byte[s.length + 1];
            b[0] = STRING;
            System.arraycopy(s, 0, b, 1, s.length);
            return b;
        }
        byte[] entity = EntityEntries.encode(value);
        if (entity != null) {
            return entity;
        }
        return javaSerialized(value);
    }

    /**
     * {@code value} Java-serialized, deflated when that is smaller, tag included: the form of every value without a
     * compact one (and of every entity entry before {@link EntityEntries}).
     */
    byte[] javaSerialized(Object value) {
        byte[] serial = serialize(value);
        if (serial.length >= DEFLATE_MIN_BYTES) {
            byte[] deflated = deflate(serial);
            if (deflated.length < serial.length) {
                return prefixed(SERIAL_DEFLATED, deflated);
            }
        }
        return prefixed(SERIAL, serial);
    }

    /** The value {@link #encode} wrote; throws {@link RejectedPayloadException} for anything the filter refuses. */
    Object decode(byte[] b, int offset, int length) {
        if (length < 1) {
            throw new RejectedPayloadException("empty cache payload");
        }
        byte tag = b[offset];
        switch (tag) {
            case NULL:
                return null;
            case LONG:
                requireLength(length, 9);
                return Bytes.getLong(b, offset + 1);
            case INT:
                requireLength(length, 5);
                return Bytes.getInt(b, offset + 1);
            case STRING:
                return new String(b, offset + 1, length - 1, StandardCharsets.UTF_8);
            case SERIAL:
                return deserialize(b, offset + 1, length - 1);
            case SERIAL_DEFLATED:
                byte[] inflated = inflate(b, offset + 1, length - 1);
                return deserialize(inflated, 0, inflated.length);
            case ENTITY:
                return EntityEntries.decode(b, offset, length);
            default:
                throw new RejectedPayloadException("unknown cache payload tag " + tag);
        }
    }

    Object decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    private static void requireLength(int length, int expected) {
        if (length != expected) {
            throw new RejectedPayloadException("malformed cache payload of " + length + " bytes");
        }
    }

    private static byte[] prefixed(byte tag, byte[] body) {
        byte[] b = new byte[body.length + 1];
        b[0] = tag;
        System.arraycopy(body, 0, b, 1, body.length);
        return b;
    }

    private static byte[] serialize(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new CacheException("cannot serialize a " + value.getClass().getName() + " for the cache", e);
        }
        return bytes.toByteArray();
    }

    private Object deserialize(byte[] b, int offset, int length) {
        String[] rejected = new String[1];
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b, offset, length))) {
            in.setObjectInputFilter(info -> {
                ObjectInputFilter.Status s = check(info);
                if (s == ObjectInputFilter.Status.REJECTED && rejected[0] == null) {
                    rejected[0] = info.serialClass() == null ? "a stream past the depth, reference, array or byte "
                            + "limits" : "class " + info.serialClass().getName();
                }
                return s;
            });
            return in.readObject();
        } catch (InvalidClassException e) {
            throw new RejectedPayloadException("cache payload rejected by the deserialization filter: "
                    + (rejected[0] != null ? rejected[0] : e.getMessage()) + " is not allowed (allow application "
                    + "classes with " + HomeostatSettings.SERIALIZATION_ALLOW + ")", e);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new RejectedPayloadException("unreadable cache payload: " + e, e);
        }
    }

    private static byte[] deflate(byte[] in) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(in);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 2 + 16);
            byte[] buf = new byte[4096];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Inflates at most {@code maxEntryBytes * 16} bytes: a compressed bomb is rejected, not expanded. */
    private byte[] inflate(byte[] b, int offset, int length) {
        long maxInflatedBytes = (long) maxEntryBytes * 16;
        Inflater inf = new Inflater();
        try {
            inf.setInput(b, offset, length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(length * 3);
            byte[] buf = new byte[4096];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new RejectedPayloadException("truncated compressed cache payload");
                }
                out.write(buf, 0, n);
                if (out.size() > maxInflatedBytes) {
                    throw new RejectedPayloadException("compressed cache payload inflates past " + maxInflatedBytes
                            + " bytes");
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new RejectedPayloadException("corrupt compressed cache payload", e);
        } finally {
            inf.end();
        }
    }

    // ------------------------------------------------------------------ the filter

    private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
        if (info.depth() > MAX_DEPTH || info.references() > MAX_REFERENCES || info.arrayLength() > MAX_ARRAY_LENGTH
                || info.streamBytes() > (long) maxEntryBytes * 16) {
            return ObjectInputFilter.Status.REJECTED;
        }
        Class<?> c = info.serialClass();
        if (c == null) {
            return ObjectInputFilter.Status.ALLOWED; // a limits-only check, passed above
        }
        while (c.isArray()) {
            c = c.getComponentType();
        }
        return allowed(c) ? ObjectInputFilter.Status.ALLOWED : ObjectInputFilter.Status.REJECTED;
    }

    boolean allowed(Class<?> c) {
        if (c.isPrimitive() || c.isEnum() || (c.getSuperclass() != null && c.getSuperclass().isEnum())) {
            return true;
        }
        String name = c.getName();
        if (ALLOWED_CLASSES.contains(name)) {
            return true;
        }
        String pkg = c.getPackageName();
        if (ALLOWED_PACKAGES.contains(pkg)) {
            return true;
        }
        for (String p : userPatterns) {
            if (p.endsWith(".**") ? name.startsWith(p.substring(0, p.length() - 2))
                    : p.endsWith(".*") ? pkg.equals(p.substring(0, p.length() - 2)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** A payload the filter or the format refused: read as a cache miss, never instantiated. */
    static final class RejectedPayloadException extends CacheException {
        private static final long serialVersionUID = 1L;

        RejectedPayloadException(String message) {
            super(message);
        }

        RejectedPayloadException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
