package io.homeostat.jgroups;

import java.util.Arrays;

/** A growable output buffer that refuses to grow beyond {@code maxBytes}. Not thread-safe. */
final class WireWriter {

    private final int maxBytes;
    private byte[] buf;
    private int size;

    WireWriter(int initialBytes, int maxBytes) {
        this.maxBytes = maxBytes;
        this.buf = new byte[Math.min(initialBytes, maxBytes)];
    }

    private void ensure(int more) {
        long needed = (long) size + more;
        if (needed > maxBytes) {
            throw new IllegalArgumentException("encoded frame exceeds maxFrameBytes=" + maxBytes);
        }
        if (needed > buf.length) {
            long grown = Math.max(needed, (long) buf.length * 2);
            buf = Arrays.copyOf(buf, (int) Math.min(grown, maxBytes));
        }
    }

    /** Empties the buffer for reuse; one that grew beyond {@code keepBytes} is replaced by a small one. */
    void reset(int keepBytes) {
        size = 0;
        if (buf.length > keepBytes) {
            buf = new byte[Math.min(keepBytes, maxBytes)];
        }
    }

    void writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    void writeBytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    /**
     * Writes {@code s} as its length (varint) and its bytes if every character is below 0x80 (its UTF-8 form is then
     * one byte per character) and returns true; otherwise writes nothing and returns false.
     */
    boolean writeAsciiString(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        writeVarInt(n);
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[size++] = (byte) s.charAt(i);
        }
        return true;
    }

    /** Unsigned LEB128. */
    void writeVarLong(long v) {
        while ((v & ~0x7FL) != 0) {
            writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        writeByte((int) v);
    }

    /** Unsigned LEB128 of the 32-bit pattern of {@code v}. */
    void writeVarInt(int v) {
        writeVarLong(v & 0xFFFFFFFFL);
    }

    void writeFixedLong(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[size++] = (byte) (v >>> (i * 8));
        }
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
