package io.homeostat.ring;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.random.RandomGenerator;

/**
 * A position on the 128-bit identifier circle, as an unsigned 128-bit integer {@code hi:lo}. Arithmetic is modulo
 * 2^128. Keys are placed on the circle by the MD5 of their bytes (uniform, stable across JVMs and versions; not used for
 * security).
 */
public record RingId(long hi, long lo) implements Comparable<RingId> {

    public static final RingId ZERO = new RingId(0, 0);

    /** Hashes key bytes onto the circle. */
    public static RingId ofKey(byte[] key) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(key);
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (d[i] & 0xFF);
                lo = (lo << 8) | (d[i + 8] & 0xFF);
            }
            return new RingId(hi, lo);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    public static RingId ofKey(String key) {
        return ofKey(key.getBytes(StandardCharsets.UTF_8));
    }

    /** A uniformly random position, drawn from the given (seeded) source. */
    public static RingId random(RandomGenerator random) {
        return new RingId(random.nextLong(), random.nextLong());
    }

    /** Parses the 32-digit hex form produced by {@link #toString()}. */
    public static RingId parse(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("a ring id has 32 hex digits, got '" + hex + "'");
        }
        return new RingId(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                Long.parseUnsignedLong(hex.substring(16), 16));
    }

    /** {@code this + other} modulo 2^128. */
    public RingId plus(RingId other) {
        long nlo = lo + other.lo;
        long carry = Long.compareUnsigned(nlo, lo) < 0 ? 1 : 0;
        return new RingId(hi + other.hi + carry, nlo);
    }

    /** {@code this + 2^exponent} modulo 2^128, for {@code 0 <= exponent < 128}. */
    public RingId plusPowerOfTwo(int exponent) {
        if (exponent < 0 || exponent > 127) {
            throw new IllegalArgumentException("exponent out of range: " + exponent);
        }
        return exponent < 64 ? plus(new RingId(0, 1L << exponent)) : plus(new RingId(1L << (exponent - 64), 0));
    }

    /** {@code this + 1} modulo 2^128. */
    public RingId next() {
        return plus(new RingId(0, 1));
    }

    /** {@code (this - other)} modulo 2^128: the clockwise distance from {@code other} to this. */
    public RingId minus(RingId other) {
        long nlo = lo - other.lo;
        long borrow = Long.compareUnsigned(lo, other.lo) < 0 ? 1 : 0;
        return new RingId(hi - other.hi - borrow, nlo);
    }

    /** True if this lies in the open interval (a, b) going clockwise; (a, a) is the whole circle except a. */
    public boolean inOpen(RingId a, RingId b) {
        if (a.equals(b)) {
            return !equals(a);
        }
        RingId d = minus(a);
        return !d.equals(ZERO) && d.compareTo(b.minus(a)) < 0;
    }

    /** True if this lies in the half-open interval (a, b] going clockwise; (a, a] is the whole circle. */
    public boolean inHalfOpen(RingId a, RingId b) {
        if (a.equals(b)) {
            return true;
        }
        RingId d = minus(a);
        return !d.equals(ZERO) && d.compareTo(b.minus(a)) <= 0;
    }

    /** Unsigned comparison of the 128-bit values. */
    @Override
    public int compareTo(RingId o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    /** This id as a fraction of the circle, in [0, 1); for display. */
    public double fraction() {
        return (hi >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return String.format("%016x%016x", hi, lo);
    }

    /** The first 8 hex digits; enough to tell nodes apart in logs. */
    public String shortString() {
        return String.format("%08x", hi >>> 32);
    }
}
