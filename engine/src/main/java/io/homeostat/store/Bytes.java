package io.homeostat.store;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable value: bytes compared by content. */
public final class Bytes {

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

    public byte[] toBytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && hash == b.hash && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        if (bytes.length <= 32) {
            String s = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            if (s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                return "\"" + s + "\"";
            }
            return "0x" + HexFormat.of().formatHex(bytes);
        }
        return bytes.length + " bytes";
    }
}
