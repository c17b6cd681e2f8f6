package io.homeostat.store;

import java.nio.charset.StandardCharsets;

/** A key: immutable bytes compared by content, ordered unsigned. Strings are keys by their UTF-8 bytes. */
public final class Key implements Comparable<Key> {

    /** Keys longer than this are rejected: they travel in every message about the item. */
    public static final int MAX_KEY_BYTES = 4_096;

    private final Bytes bytes;

    private Key(Bytes bytes) {
        if (bytes.length() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + bytes.length() + " bytes exceeds the limit of "
                    + MAX_KEY_BYTES + " bytes; hash long identifiers into a shorter key");
        }
        this.bytes = bytes;
    }

    public static Key of(byte[] bytes) {
        return new Key(Bytes.of(bytes));
    }

    /** A key of {@code bytes} without a copy; the caller gives them up (see {@link Bytes#ofOwned}). */
    public static Key ofOwned(byte[] bytes) {
        return new Key(Bytes.ofOwned(bytes));
    }

    public static Key of(String key) {
        return ofOwned(key.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toBytes() {
        return bytes.toBytes();
    }

    public int length() {
        return bytes.length();
    }

    /** Whether {@code other} holds exactly this key's bytes (no copy is made, unlike {@link #toBytes()}). */
    public boolean contentEquals(byte[] other) {
        return bytes.contentEquals(other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && bytes.equals(k.bytes);
    }

    /** {@link Bytes#hash(byte[])} of the key's bytes. */
    @Override
    public int hashCode() {
        return bytes.hashCode();
    }

    @Override
    public int compareTo(Key o) {
        return bytes.compareTo(o.bytes);
    }

    /** The key as UTF-8 text when it is printable, else as hex. */
    @Override
    public String toString() {
        return bytes.text();
    }
}
