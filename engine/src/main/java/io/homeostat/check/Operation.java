package io.homeostat.check;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One client operation on a key-value register, as observed from the outside: what was asked, what came back, and
 * when. The input to {@link LinearizabilityChecker}.
 *
 * <p>The meaning of {@link #value()}, {@link #expected()} and {@link #casSucceeded()} depends on the {@link Kind}:
 * <ul>
 *   <li>{@link Kind#READ}: {@code value} is the value the read returned ({@link Value#ABSENT} when the key was
 *       absent); {@code expected} is {@code null}; {@code casSucceeded} is {@code false}.</li>
 *   <li>{@link Kind#WRITE}: {@code value} is the value written; a delete is a write of {@link Value#ABSENT};
 *       {@code expected} is {@code null}; {@code casSucceeded} is {@code false}.</li>
 *   <li>{@link Kind#CAS}: "if the current value equals {@code expected}, set it to {@code value}"; {@code expected} may
 *       be {@link Value#ABSENT}; {@code casSucceeded} is what the operation returned (whether it swapped).</li>
 * </ul>
 *
 * <p>Times are in any unit (virtual microseconds, say) as long as every operation of a history uses the same clock.
 * The operation is taken to have happened atomically at some instant in {@code [invokedAt, respondedAt]}; an operation
 * whose invocation time equals another's response time counts as concurrent with it. For an {@link Outcome#UNKNOWN}
 * operation the response time is informational only: the checker treats it as {@link #NEVER}, since a request whose
 * client timed out or crashed may still take effect later.
 *
 * <p>Build operations with the factories ({@link #read}, {@link #write}, {@link #delete}, {@link #cas}) and mark
 * uncertain ones with {@link #unknown()} or {@link #failed()}. {@code null} values passed to the constructor or the
 * factories mean {@link Value#ABSENT} (except {@code expected} of a non-CAS operation, which must be {@code null}).
 *
 * @param clientId     the client (process) that issued the operation; informational, used in explanations
 * @param key          the register's key
 * @param kind         read, write or compare-and-set
 * @param value        read: the value returned; write: the value written; CAS: the new value
 * @param expected     CAS only: the value compared against; {@code null} for reads and writes
 * @param casSucceeded CAS only: whether the CAS reported that it swapped; {@code false} for reads and writes
 * @param outcome      whether the result is known ({@link Outcome#OK}), the operation certainly had no effect
 *                     ({@link Outcome#FAIL}) or nobody knows ({@link Outcome#UNKNOWN})
 * @param invokedAt    when the client sent the request
 * @param respondedAt  when the client received the response; at least {@code invokedAt}; {@link #NEVER} if it did not
 */
public record Operation(long clientId, String key, Kind kind, Value value, Value expected, boolean casSucceeded,
        Outcome outcome, long invokedAt, long respondedAt) {

    /** The response time of an operation that never got a response. */
    public static final long NEVER = Long.MAX_VALUE;

    /** What an operation does. */
    public enum Kind {
        /** Returns the current value. */
        READ,
        /** Replaces the current value (a delete writes {@link Value#ABSENT}). */
        WRITE,
        /** Replaces the current value with {@code value} if and only if it equals {@code expected}. */
        CAS
    }

    /** What is known about an operation's effect. */
    public enum Outcome {
        /** Completed; the recorded result is what it returned. It took effect once, within its interval. */
        OK,
        /**
         * Certainly had no effect (a clean conflict or "unavailable" error that guarantees nothing was applied). The
         * checker ignores such operations.
         */
        FAIL,
        /**
         * May or may not have taken effect, at any instant after its invocation (a timeout, a crashed client). The
         * recorded result is ignored: an unknown read constrains nothing and is ignored; an unknown write or CAS is
         * linearized at any point after its invocation, or not at all.
         */
        UNKNOWN
    }

    /**
     * An immutable register value compared by content: a copy of some bytes, or {@link #ABSENT} (the key holds no
     * value; every key starts absent). The component is {@code null} exactly for {@link #ABSENT}.
     *
     * @param bytes the value's bytes, or {@code null} for absent; copied on the way in and out
     */
    public record Value(byte[] bytes) {

        /** No value: the initial state of every key, and what a delete writes. */
        public static final Value ABSENT = new Value(null);

        /** Copies {@code bytes}. */
        public Value {
            bytes = bytes == null ? null : bytes.clone();
        }

        /** A value holding a copy of {@code bytes}; {@code null} gives {@link #ABSENT}. */
        public static Value of(byte[] bytes) {
            return bytes == null ? ABSENT : new Value(bytes);
        }

        /** A value holding the UTF-8 bytes of {@code text}; {@code null} gives {@link #ABSENT}. */
        public static Value of(String text) {
            return text == null ? ABSENT : new Value(text.getBytes(StandardCharsets.UTF_8));
        }

        /** Whether this is {@link #ABSENT}. */
        public boolean isAbsent() {
            return bytes == null;
        }

        /** A copy of the bytes, or {@code null} when absent. */
        @Override
        public byte[] bytes() {
            return bytes == null ? null : bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Value v && Arrays.equals(bytes, v.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        /**
         * Printable, bounded form: {@code absent}, {@code "text"} for printable ASCII, else {@code 0x...} hex; at
         * most {@value #MAX_SHOWN} bytes are shown.
         */
        @Override
        public String toString() {
            if (bytes == null) {
                return "absent";
            }
            int shown = Math.min(bytes.length, MAX_SHOWN);
            boolean printable = true;
            for (int i = 0; i < shown; i++) {
                if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
                    printable = false;
                    break;
                }
            }
            StringBuilder sb = new StringBuilder();
            if (printable) {
                sb.append('"');
                for (int i = 0; i < shown; i++) {
                    char c = (char) bytes[i];
                    if (c == '"' || c == '\\') {
                        sb.append('\\');
                    }
                    sb.append(c);
                }
                sb.append('"');
            } else {
                sb.append("0x");
                for (int i = 0; i < shown; i++) {
                    sb.append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(Character.forDigit(bytes[i] & 0xf, 16));
                }
            }
            if (bytes.length > shown) {
                sb.append("...(").append(bytes.length).append(" bytes)");
            }
            return sb.toString();
        }

        private static final int MAX_SHOWN = 32;
    }

    /** Validates and normalises: {@code null} values become {@link Value#ABSENT}. */
    public Operation {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (value == null) {
            value = Value.ABSENT;
        }
        if (kind == Kind.CAS) {
            if (expected == null) {
                expected = Value.ABSENT;
            }
        } else {
            if (expected != null) {
                throw new IllegalArgumentException("only a CAS has an expected value: " + kind);
            }
            if (casSucceeded) {
                throw new IllegalArgumentException("only a CAS can succeed: " + kind);
            }
        }
        if (respondedAt < invokedAt) {
            throw new IllegalArgumentException("response at " + respondedAt + " before invocation at " + invokedAt);
        }
    }

    /** A completed read that returned {@code returned} ({@code null} or {@link Value#ABSENT}: the key was absent). */
    public static Operation read(long clientId, String key, Value returned, long invokedAt, long respondedAt) {
        return new Operation(clientId, key, Kind.READ, returned, null, false, Outcome.OK, invokedAt, respondedAt);
    }

    /** A completed write of {@code written} ({@code null} or {@link Value#ABSENT}: a delete). */
    public static Operation write(long clientId, String key, Value written, long invokedAt, long respondedAt) {
        return new Operation(clientId, key, Kind.WRITE, written, null, false, Outcome.OK, invokedAt, respondedAt);
    }

    /** A completed delete: a write of {@link Value#ABSENT}. */
    public static Operation delete(long clientId, String key, long invokedAt, long respondedAt) {
        return write(clientId, key, Value.ABSENT, invokedAt, respondedAt);
    }

    /**
     * A completed compare-and-set: "if the value is {@code expected}, make it {@code newValue}", which returned
     * {@code succeeded}. {@code null} stands for {@link Value#ABSENT} in either value.
     */
    public static Operation cas(long clientId, String key, Value expected, Value newValue, boolean succeeded,
            long invokedAt, long respondedAt) {
        return new Operation(clientId, key, Kind.CAS, newValue, expected, succeeded, Outcome.OK, invokedAt,
                respondedAt);
    }

    /** This operation with another outcome. */
    public Operation withOutcome(Outcome newOutcome) {
        return new Operation(clientId, key, kind, value, expected, casSucceeded, newOutcome, invokedAt, respondedAt);
    }

    /**
     * This operation with an {@link Outcome#UNKNOWN} outcome (its recorded result and response time are then
     * ignored by the checker).
     */
    public Operation unknown() {
        return withOutcome(Outcome.UNKNOWN);
    }

    /** This operation with a {@link Outcome#FAIL} outcome: it certainly had no effect. */
    public Operation failed() {
        return withOutcome(Outcome.FAIL);
    }

    /** Compact form for explanations, e.g. {@code client 3 CAS "k" "a"->"b" = true [10, 20] OK}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("client ").append(clientId).append(' ').append(kind).append(' ');
        appendKey(sb, key);
        switch (kind) {
            case READ -> sb.append(" -> ").append(value);
            case WRITE -> sb.append(" := ").append(value);
            case CAS -> sb.append(' ').append(expected).append("->").append(value).append(" = ").append(casSucceeded);
            default -> throw new AssertionError(kind);
        }
        sb.append(" [").append(invokedAt).append(", ").append(respondedAt == NEVER ? "never" : respondedAt)
                .append("] ").append(outcome);
        return sb.toString();
    }

    static void appendKey(StringBuilder sb, String key) {
        int max = 64;
        sb.append('"').append(key.length() <= max ? key : key.substring(0, max) + "...").append('"');
    }
}
