package io.homeostat.bench.cluster;

import java.util.Locale;

/**
 * Latency histogram: exact below 32 units, then 32 linear buckets per power of two (about 3 % wide). The unit is the
 * caller's: {@code bench cluster} records microseconds, {@code bench l2} nanoseconds (its L2 hits take a few µs).
 * Not thread-safe: one per thread, merged afterwards. Serialises as {@code index:count,...}.
 */
public final class Histogram {

    private static final int SIZE = 64 * 32;
    private final long[] counts = new long[SIZE];
    private long total;

    static int index(long micros) {
        long v = Math.max(0, micros);
        if (v < 32) {
            return (int) v;
        }
        int e = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) ((v >>> (e - 5)) & 31);
        return (e - 4) * 32 + sub;
    }

    /** The smallest value of bucket {@code idx}. */
    static long lower(int idx) {
        if (idx < 32) {
            return idx;
        }
        int e = idx / 32 + 4;
        int sub = idx % 32;
        return (32L + sub) << (e - 5);
    }

    /** A representative value of bucket {@code idx}: its middle. */
    static double middle(int idx) {
        return idx < 32 ? idx : (lower(idx) + lower(idx + 1)) / 2.0;
    }

    public void record(long value) {
        counts[index(value)]++;
        total++;
    }

    public void add(Histogram o) {
        for (int i = 0; i < SIZE; i++) {
            counts[i] += o.counts[i];
        }
        total += o.total;
    }

    public long total() {
        return total;
    }

    /** The q-quantile (0..1) in the recorded unit, or NaN when empty. */
    public double quantile(double q) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < SIZE; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return middle(i);
            }
        }
        return middle(SIZE - 1);
    }

    public String encode() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < SIZE; i++) {
            if (counts[i] != 0) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(i).append(':').append(counts[i]);
            }
        }
        return sb.toString();
    }

    public static Histogram decode(String s) {
        Histogram h = new Histogram();
        if (s == null || s.isEmpty()) {
            return h;
        }
        for (String part : s.split(",")) {
            int colon = part.indexOf(':');
            int idx = Integer.parseInt(part.substring(0, colon));
            long c = Long.parseLong(part.substring(colon + 1));
            h.counts[idx] += c;
            h.total += c;
        }
        return h;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "n=%d p50=%.0fus p99=%.0fus", total, quantile(0.5), quantile(0.99));
    }
}
