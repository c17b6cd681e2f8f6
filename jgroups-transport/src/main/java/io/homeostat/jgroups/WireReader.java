package io.homeostat.jgroups;

import io.homeostat.jgroups.FrameDecodeException.Cause;

/** Reads a byte range; every read is bounds-checked and fails with {@link FrameDecodeException}. Not thread-safe. */
final class WireReader {

    private final byte[] buf;
    private int pos;
    private final int end;

    WireReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    int remaining() {
        return end - pos;
    }

    private static FrameDecodeException truncated() {
        return new FrameDecodeException(Cause.MALFORMED, "frame is truncated");
    }

    /** A reader of the next {@code n} bytes, which this one skips. */
    WireReader slice(int n) throws FrameDecodeException {
        if (n < 0 || n > remaining()) {
            throw truncated();
        }
        WireReader r = new WireReader(buf, pos, n);
        pos += n;
        return r;
    }

    int readByte() throws FrameDecodeException {
        if (pos >= end) {
            throw truncated();
        }
        return buf[pos++] & 0xFF;
    }

    byte[] readBytes(int n) throws FrameDecodeException {
        if (n < 0 || n > remaining()) {
            throw truncated();
        }
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    /**
     * The next {@code n} bytes as a string if all are below 0x80 (then they are valid UTF-8 and decode to the same
     * string as Latin-1); otherwise null, and nothing is consumed.
     */
    String readAsciiString(int n) throws FrameDecodeException {
        if (n < 0 || n > remaining()) {
            throw truncated();
        }
        for (int i = pos; i < pos + n; i++) {
            if (buf[i] < 0) {
                return null;
            }
        }
        String s = new String(buf, pos, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    long readVarLong() throws FrameDecodeException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            if (shift == 63 && (b & 0xFE) != 0) {
                throw new FrameDecodeException(Cause.MALFORMED, "varint overflows 64 bits");
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new FrameDecodeException(Cause.MALFORMED, "varint longer than 10 bytes");
    }

    int readVarInt() throws FrameDecodeException {
        long v = readVarLong();
        if ((v >>> 32) != 0) {
            throw new FrameDecodeException(Cause.MALFORMED, "varint overflows 32 bits");
        }
        return (int) v;
    }

    /** A length or count in {@code 0..max}. */
    int readLength(int max, String what) throws FrameDecodeException {
        int n = readVarInt();
        if (n < 0 || n > max) {
            throw new FrameDecodeException(Cause.MALFORMED, what + " of " + Integer.toUnsignedString(n)
                    + " exceeds the limit of " + max);
        }
        return n;
    }

    long readFixedLong() throws FrameDecodeException {
        if (remaining() < 8) {
            throw truncated();
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }
}
