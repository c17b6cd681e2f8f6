package io.homeostat.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/** An immutable value: bytes compared by content, ordered unsigned. */
public final class Bytes implements Comparable<Bytes> {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final byte[] bytes;
    /** {@link #hash(byte[])} of the bytes once asked for; 0 before (values, unlike keys, are rarely hashed). */
    private int hash;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The hash of {@code b} that {@link #hashCode()} and {@link Key#hashCode()} return, so that a caller holding raw
     * key bytes can look them up in a map keyed by their hash without wrapping them.
     *
     * <p>Eight bytes per step: {@code Arrays.hashCode} takes a multiply-add per byte, each waiting for the one before,
     * and a near read hashes its key (about 110 bytes for a JPA entity entry) on every call (docs/BENCHMARKS.md,
     * session 18). Each word is multiplied before it meets the running state, so the chain from one step to the next is
     * an xor, a rotation and a multiply; MurmurHash3's 64-bit finalizer spreads the result. Not a keyed hash: it only
     * spreads keys over hash-table buckets, and a map's behaviour never depends on it for correctness.
     */
    public static int hash(byte[] b) {
        int n = b.length;
        long h = 0x9E3779B97F4A7C15L ^ n;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w = (long) LONGS.get(b, i) * 0x87C37B91114253D5L;
            h = Long.rotateLeft(h ^ w, 31) * 0x4CF5AD432745937FL;
        }
        long tail = 0;
        for (int shift = 0; i < n; i++, shift += 8) {
            tail |= (b[i] & 0xFFL) << shift;
        }
        h ^= tail * 0x87C37B91114253D5L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    public static Bytes of(String utf8) {
        return new Bytes(utf8.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Takes ownership of {@code bytes} instead of copying them, for a decoder that has just read them into an array of
     * their own (a copy there was a tenth of a node's allocation under load): the caller must neither change nor hand
     * out the array afterwards.
     */
    public static Bytes ofOwned(byte[] bytes) {
        return new Bytes(bytes);
    }

    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    /** The bytes as UTF-8 text when printable, else as hex. */
    String text() {
        String s = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        boolean printable = s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return printable ? s : "0x" + HexFormat.of().formatHex(bytes);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** Whether {@code other} holds exactly these bytes (no copy is made). */
    public boolean contentEquals(byte[] other) {
        return Arrays.equals(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
    }

    /** {@link #hash(byte[])} of the bytes, so that a copy of them hashes alike without a wrapper. */
    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = hash(bytes); // racy but benign, as in String: every thread computes the same value
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        if (bytes.length > 32) {
            return bytes.length + " bytes";
        }
        String t = text();
        return t.startsWith("0x") ? t : "\"" + t + "\"";
    }
}
