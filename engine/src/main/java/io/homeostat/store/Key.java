package io.homeostat.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/** A key: immutable bytes compared by content. Strings are keys by their UTF-8 bytes. */
public final class Key implements Comparable<Key> {

    /** Keys longer than this are rejected: they travel in every message about the item. */
    public static final int MAX_KEY_BYTES = 4_096;

    private final byte[] bytes;
    private final int hash;

    private Key(byte[] bytes) {
        if (bytes.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + bytes.length + " bytes exceeds the limit of "
                    + MAX_KEY_BYTES + " bytes; hash long identifiers into a shorter key");
        }
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static Key of(byte[] bytes) {
        return new Key(bytes.clone());
    }

    public static Key of(String key) {
        return new Key(key.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && hash == k.hash && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Key o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    /** The key as UTF-8 text when it is printable, else as hex. */
    @Override
    public String toString() {
        String s = new String(bytes, StandardCharsets.UTF_8);
        boolean printable = s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
        return printable ? s : "0x" + HexFormat.of().formatHex(bytes);
    }
}
