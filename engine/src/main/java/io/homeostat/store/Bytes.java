package io.homeostat.store;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable value: bytes compared by content, ordered unsigned. */
public final class Bytes implements Comparable<Bytes> {

    private final byte[] bytes;
    private final int hash;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    public static Bytes of(String utf8) {
        return new Bytes(utf8.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Takes ownership of {@code bytes}, which the caller must not change afterwards. */
    static Bytes wrap(byte[] bytes) {
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
        return o instanceof Bytes b && hash == b.hash && Arrays.equals(bytes, b.bytes);
    }

    /** {@link Arrays#hashCode(byte[])} of the bytes, so that a copy of them hashes alike without a wrapper. */
    @Override
    public int hashCode() {
        return hash;
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
