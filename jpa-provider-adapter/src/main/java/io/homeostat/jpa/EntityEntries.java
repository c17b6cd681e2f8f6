package io.homeostat.jpa;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;

/**
 * The compact form of Hibernate's entity cache entries ({@link StandardCacheEntryImpl}: the entity name, the version
 * and the disassembled property values), for entries whose version and values are all {@code null}, a boxed primitive
 * or a {@code String}: what most entities disassemble to. Written field by field with a one-byte tag per value, it
 * takes a fraction of the bytes and of the time of Java serialization, which also had to be deflated to stay small
 * (measured: {@code CodecBenchmark}, docs/BENCHMARKS.md). Any other entry goes the Java-serialized way, unchanged.
 *
 * <p>Reading builds the entry through Hibernate's own (package-private) constructor, the one its structured entries use;
 * no class named by the payload is loaded and nothing is deserialized. If that constructor cannot be reached (a
 * Hibernate version without it, or a runtime that forbids the access), every entry is Java-serialized as before.
 *
 * <p>Layout after the {@link Codec#ENTITY} tag: the entity name (varint length, UTF-8), the version (a value), the
 * number of values (varint), the values. A value is a tag and its bytes: {@link #V_NULL}; {@link #V_LONG} and
 * {@link #V_DOUBLE} 8 bytes; {@link #V_INT} and {@link #V_FLOAT} 4; {@link #V_SHORT} and {@link #V_CHAR} 2;
 * {@link #V_BYTE} 1; {@link #V_TRUE}, {@link #V_FALSE} none; {@link #V_STRING} a varint length and UTF-8. Integers
 * are big-endian.
 */
final class EntityEntries {

    private static final Logger LOG = Logger.getLogger(EntityEntries.class.getName());

    static final byte V_NULL = 0;
    static final byte V_LONG = 1;
    static final byte V_INT = 2;
    static final byte V_STRING = 3;
    static final byte V_TRUE = 4;
    static final byte V_FALSE = 5;
    static final byte V_DOUBLE = 6;
    static final byte V_FLOAT = 7;
    static final byte V_SHORT = 8;
    static final byte V_BYTE = 9;
    static final byte V_CHAR = 10;

    /** {@code new StandardCacheEntryImpl(Serializable[] state, String subclass, Object version)}, or null. */
    private static final MethodHandle CONSTRUCTOR = constructor();

    private EntityEntries() {
    }

    private static MethodHandle constructor() {
        try {
            Constructor<StandardCacheEntryImpl> c = StandardCacheEntryImpl.class.getDeclaredConstructor(
                    Serializable[].class, String.class, Object.class);
            c.setAccessible(true);
            return MethodHandles.lookup().unreflectConstructor(c);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, e, () -> "Homeostat L2: Hibernate's entity cache entries are Java-serialized (its "
                    + "entry constructor is not reachable here)");
            return null;
        }
    }

    /** Whether entries can be read back in the compact form in this runtime (else none is written in it). */
    static boolean available() {
        return CONSTRUCTOR != null;
    }

    /**
     * The compact form of {@code value}, tag included, or null if it has none: not an entity entry, or a version or
     * value of another type, or this runtime cannot read the form back.
     */
    static byte[] encode(Object value) {
        if (CONSTRUCTOR == null || value == null || value.getClass() != StandardCacheEntryImpl.class) {
            return null;
        }
        StandardCacheEntryImpl e = (StandardCacheEntryImpl) value;
        Serializable[] state = e.getDisassembledState();
        String subclass = e.getSubclass();
        if (state == null || subclass == null) {
            return null;
        }
        Out out = new Out(32 + subclass.length() + 12 * state.length);
        out.put(Codec.ENTITY);
        out.text(subclass);
        if (!out.value(e.getVersion())) {
            return null;
        }
        out.varint(state.length);
        for (Serializable v : state) {
            if (!out.value(v)) {
                return null;
            }
        }
        return out.bytes();
    }

    /**
     * The entry {@link #encode} wrote at {@code b[offset..offset+length)}, tag included; throws
     * {@link Codec.RejectedPayloadException} for a malformed one.
     */
    static StandardCacheEntryImpl decode(byte[] b, int offset, int length) {
        if (CONSTRUCTOR == null) {
            throw new Codec.RejectedPayloadException("compact entity cache entry, but Hibernate's entry constructor "
                    + "is not reachable in this runtime");
        }
        In in = new In(b, offset + 1, offset + length);
        String subclass = in.text();
        Object version = in.value();
        int n = in.varint();
        if (n > in.remaining()) { // every value takes at least its tag byte
            throw malformed();
        }
        Serializable[] state = new Serializable[n];
        for (int i = 0; i < n; i++) {
            state[i] = (Serializable) in.value();
        }
        if (in.remaining() != 0) {
            throw malformed();
        }
        try {
            return (StandardCacheEntryImpl) CONSTRUCTOR.invokeExact(state, subclass, version);
        } catch (Throwable t) {
            throw new Codec.RejectedPayloadException("cannot build an entity cache entry: " + t, t);
        }
    }

    private static Codec.RejectedPayloadException malformed() {
        return new Codec.RejectedPayloadException("malformed compact entity cache entry");
    }

    /** A growing byte buffer. */
    private static final class Out {
        private byte[] b;
        private int n;

        Out(int capacity) {
            b = new byte[capacity];
        }

        private void room(int k) {
            if (n + k > b.length) {
                b = java.util.Arrays.copyOf(b, Math.max(b.length * 2, n + k));
            }
        }

        void put(byte v) {
            room(1);
            b[n++] = v;
        }

        void varint(int v) {
            room(5);
            while ((v & ~0x7F) != 0) {
                b[n++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            b[n++] = (byte) v;
        }

        void text(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            varint(u.length);
            room(u.length);
            System.arraycopy(u, 0, b, n, u.length);
            n += u.length;
        }

        void fixed(long v, int bytes) {
            room(bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                b[n + i] = (byte) v;
                v >>>= 8;
            }
            n += bytes;
        }

        /** Writes {@code v} if it is null, a boxed primitive or a {@code String}; returns false, writing nothing, if not. */
        boolean value(Object v) {
            if (v == null) {
                put(V_NULL);
            } else if (v instanceof Long) {
                put(V_LONG);
                fixed((Long) v, 8);
            } else if (v instanceof Integer) {
                put(V_INT);
                fixed((Integer) v, 4);
            } else if (v instanceof String) {
                put(V_STRING);
                text((String) v);
            } else if (v instanceof Boolean) {
                put((Boolean) v ? V_TRUE : V_FALSE);
            } else if (v instanceof Double) {
                put(V_DOUBLE);
                fixed(Double.doubleToRawLongBits((Double) v), 8);
            } else if (v instanceof Float) {
                put(V_FLOAT);
                fixed(Float.floatToRawIntBits((Float) v), 4);
            } else if (v instanceof Short) {
                put(V_SHORT);
                fixed((Short) v, 2);
            } else if (v instanceof Byte) {
                put(V_BYTE);
                fixed((Byte) v, 1);
            } else if (v instanceof Character) {
                put(V_CHAR);
                fixed((Character) v, 2);
            } else {
                return false;
            }
            return true;
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(b, n);
        }
    }

    /** A bounds-checked reader of {@code b[at..end)}. */
    private static final class In {
        private final byte[] b;
        private int at;
        private final int end;

        In(byte[] b, int at, int end) {
            this.b = b;
            this.at = at;
            this.end = end;
        }

        int remaining() {
            return end - at;
        }

        private void need(int k) {
            if (k > end - at) {
                throw malformed();
            }
        }

        int varint() {
            int v = 0;
            for (int shift = 0; shift < 32; shift += 7) {
                need(1);
                int x = b[at++];
                v |= (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    if (v < 0) {
                        throw malformed();
                    }
                    return v;
                }
            }
            throw malformed();
        }

        long fixed(int bytes) {
            need(bytes);
            long v = 0;
            for (int i = 0; i < bytes; i++) {
                v = (v << 8) | (b[at++] & 0xFF);
            }
            return v;
        }

        String text() {
            int len = varint();
            need(len);
            String s = new String(b, at, len, StandardCharsets.UTF_8);
            at += len;
            return s;
        }

        Object value() {
            need(1);
            byte tag = b[at++];
            switch (tag) {
                case V_NULL:
                    return null;
                case V_LONG:
                    return fixed(8);
                case V_INT:
                    return (int) fixed(4);
                case V_STRING:
                    return text();
                case V_TRUE:
                    return Boolean.TRUE;
                case V_FALSE:
                    return Boolean.FALSE;
                case V_DOUBLE:
                    return Double.longBitsToDouble(fixed(8));
                case V_FLOAT:
                    return Float.intBitsToFloat((int) fixed(4));
                case V_SHORT:
                    return (short) fixed(2);
                case V_BYTE:
                    return (byte) fixed(1);
                case V_CHAR:
                    return (char) fixed(2);
                default:
                    throw new Codec.RejectedPayloadException("unknown value tag " + tag
                            + " in a compact entity cache entry");
            }
        }
    }
}
