package io.homeostat.sim;

import io.homeostat.runtime.Address;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The event trace of a simulation run: a 64-bit digest of every processed event, and optionally the full text.
 *
 * <p>The digest folds in each event's virtual time, node, kind, sender and payload hash code. Payloads are value
 * records, so their hash codes depend only on contents and the digest is identical for identical runs. The text form
 * (one line per event, built from {@code toString}) is what the determinism test compares byte for byte.
 */
public final class Trace {

    private final Appendable text;
    private long digest = 0x9E3779B97F4A7C15L;
    private long events;

    private Trace(Appendable text) {
        this.text = text;
    }

    /** Digest only: cheap enough for every run. */
    public static Trace digestOnly() {
        return new Trace(null);
    }

    /** Digest plus one text line per event written to {@code out}. */
    public static Trace withText(Appendable out) {
        return new Trace(Objects.requireNonNull(out));
    }

    void record(long timeMicros, Address node, String kind, Address from, Object payload) {
        events++;
        long h = digest;
        h = mix(h ^ timeMicros);
        h = mix(h ^ node.hashCode());
        h = mix(h ^ kind.hashCode());
        h = mix(h ^ (from == null ? 0 : from.hashCode()));
        h = mix(h ^ (payload == null ? 0 : payload.hashCode()));
        digest = h;
        if (text != null) {
            try {
                text.append(Long.toString(timeMicros)).append(' ').append(node.toString()).append(' ').append(kind)
                        .append(' ').append(String.valueOf(from)).append(' ').append(String.valueOf(payload))
                        .append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The digest as 16 hex digits. */
    public String digest() {
        return String.format("%016x", digest);
    }

    public long events() {
        return events;
    }

    /** The finalizer of SplitMix64: a cheap, well-mixing 64-bit permutation. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
