package io.homeostat.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a bank workload: accounts start with known balances and transactions only move money between two accounts,
 * so every committed read of all balances must add up to the initial total, and, when the workload forbids
 * overdrafts, show no negative balance. A read that sees one side of a transfer but not the other (a torn or
 * fractured read) shows up as a wrong total.
 *
 * <p>Checks each read-all on its own; it needs no timing and no transfer records. Results are deterministic and the
 * explained violations are bounded ({@code maxReported}); counts are exact.
 */
public final class BankChecker {

    /** One committed read of every account's balance. A null balance counts as a missing account. */
    public record Observation<A>(long txnId, Map<A, Long> balances) {
        public Observation {
            balances = Collections.unmodifiableMap(new LinkedHashMap<>(balances));
        }
    }

    public enum ViolationType {
        /** The balances do not add up to the initial total. */
        WRONG_TOTAL,
        /** A balance is negative although overdrafts are forbidden. */
        NEGATIVE_BALANCE,
        /** The read lacks an account (or has no balance for it). */
        MISSING_ACCOUNT,
        /** The read has an account that never existed. */
        UNKNOWN_ACCOUNT
    }

    public record Violation(ViolationType type, long txnId, String explanation) {
    }

    /**
     * @param counts violations per type (types that occurred only)
     * @param violations explained violations, at most {@code maxReported} in all, in read order
     */
    public record Result(SerializabilityVerdict verdict, long expectedTotal, int observations,
            Map<ViolationType, Integer> counts, List<Violation> violations) {
        public Result {
            counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
            violations = List.copyOf(violations);
        }

        public boolean ok() {
            return verdict == SerializabilityVerdict.OK;
        }

        public int count(ViolationType type) {
            return counts.getOrDefault(type, 0);
        }

        public String describe() {
            StringBuilder sb = new StringBuilder("bank: ").append(verdict).append(" (").append(observations)
                    .append(" reads, expected total ").append(expectedTotal).append(')');
            if (!counts.isEmpty()) {
                sb.append("\n  counts: ").append(counts);
            }
            for (Violation v : violations) {
                sb.append("\n  ").append(v.type()).append(": ").append(v.explanation());
            }
            return sb.toString();
        }
    }

    private static final int DEFAULT_MAX_REPORTED = 20;
    private static final int MAX_BALANCES_SHOWN = 12;

    private BankChecker() {
    }

    public static <A> Result check(Map<A, Long> initialBalances, List<Observation<A>> reads, boolean overdraftsAllowed) {
        return check(initialBalances, reads, overdraftsAllowed, DEFAULT_MAX_REPORTED);
    }

    /**
     * @param initialBalances every account and its balance before any transfer
     * @param reads the committed read-all transactions
     * @param overdraftsAllowed whether the workload lets balances go negative
     * @throws IllegalArgumentException if the initial balances are null, overflow, or overdraw when that is forbidden
     */
    public static <A> Result check(Map<A, Long> initialBalances, List<Observation<A>> reads, boolean overdraftsAllowed,
            int maxReported) {
        long total = 0;
        for (Map.Entry<A, Long> e : initialBalances.entrySet()) {
            Long b = Objects.requireNonNull(e.getValue(), () -> "initial balance of " + e.getKey());
            if (b < 0 && !overdraftsAllowed) {
                throw new IllegalArgumentException("account " + e.getKey() + " starts overdrawn at " + b);
            }
            total = Math.addExact(total, b);
        }
        long expected = total;
        EnumMap<ViolationType, Integer> counts = new EnumMap<>(ViolationType.class);
        List<Violation> out = new ArrayList<>();
        for (Observation<A> read : reads) {
            Map<A, Long> seen = read.balances();
            String who = "T" + read.txnId();
            List<A> missing = new ArrayList<>();
            for (A account : initialBalances.keySet()) {
                if (seen.get(account) == null) {
                    missing.add(account);
                }
            }
            List<A> unknown = new ArrayList<>();
            List<A> negative = new ArrayList<>();
            long sum = 0;
            boolean overflow = false;
            for (Map.Entry<A, Long> e : seen.entrySet()) {
                if (!initialBalances.containsKey(e.getKey())) {
                    unknown.add(e.getKey());
                }
                if (e.getValue() == null) {
                    continue;
                }
                if (e.getValue() < 0) {
                    negative.add(e.getKey());
                }
                try {
                    sum = Math.addExact(sum, e.getValue());
                } catch (ArithmeticException ex) {
                    overflow = true;
                }
            }
            if (!missing.isEmpty()) {
                add(out, counts, maxReported, new Violation(ViolationType.MISSING_ACCOUNT, read.txnId(), who
                        + " read no balance for " + shortList(missing) + ": " + shown(seen)));
            }
            if (!unknown.isEmpty()) {
                add(out, counts, maxReported, new Violation(ViolationType.UNKNOWN_ACCOUNT, read.txnId(), who
                        + " read account(s) " + shortList(unknown) + " that never existed: " + shown(seen)));
            }
            if (missing.isEmpty() && unknown.isEmpty() && (overflow || sum != expected)) {
                String got = overflow ? "a total that overflows a long" : "a total of " + sum + ", expected " + expected
                        + " (off by " + (sum - expected) + ")";
                add(out, counts, maxReported, new Violation(ViolationType.WRONG_TOTAL, read.txnId(), who + " read "
                        + got + ": money was created or destroyed, or the read saw part of a transfer: " + shown(seen)));
            }
            if (!negative.isEmpty() && !overdraftsAllowed) {
                add(out, counts, maxReported, new Violation(ViolationType.NEGATIVE_BALANCE, read.txnId(), who
                        + " read negative balance(s) for " + shortList(negative) + " although overdrafts are forbidden: "
                        + shown(seen)));
            }
        }
        return new Result(SerializabilityVerdict.of(!counts.isEmpty()), expected, reads.size(), counts, out);
    }

    private static void add(List<Violation> out, EnumMap<ViolationType, Integer> counts, int max, Violation v) {
        counts.merge(v.type(), 1, Integer::sum);
        if (out.size() < max) {
            out.add(v);
        }
    }

    private static <A> String shortList(List<A> items) {
        if (items.size() <= MAX_BALANCES_SHOWN) {
            return items.toString();
        }
        return items.subList(0, MAX_BALANCES_SHOWN) + " and " + (items.size() - MAX_BALANCES_SHOWN) + " more";
    }

    private static <A> String shown(Map<A, Long> balances) {
        if (balances.size() <= MAX_BALANCES_SHOWN) {
            return balances.toString();
        }
        StringBuilder sb = new StringBuilder("{");
        int i = 0;
        for (Map.Entry<A, Long> e : balances.entrySet()) {
            if (i++ == MAX_BALANCES_SHOWN) {
                break;
            }
            sb.append(e.getKey()).append('=').append(e.getValue()).append(", ");
        }
        return sb.append("... ").append(balances.size() - MAX_BALANCES_SHOWN).append(" more}").toString();
    }
}
