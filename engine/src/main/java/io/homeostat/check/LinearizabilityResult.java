package io.homeostat.check;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LinearizabilityChecker#check} found: an overall verdict and one {@link KeyResult} per key.
 *
 * @param verdict             {@link Verdict#VIOLATION} if any key is not linearizable; otherwise {@link Verdict#UNKNOWN}
 *                            if the search budget ran out on some key; otherwise {@link Verdict#OK}
 * @param keysChecked         how many distinct keys the history mentions
 * @param operationsChecked   how many operations took part in the search (completed ones, plus writes and CASes of
 *                            unknown outcome)
 * @param operationsIgnored   how many were left out because they cannot constrain anything (failed operations and
 *                            reads of unknown outcome)
 * @param keys                the per-key results, in key order
 */
public record LinearizabilityResult(Verdict verdict, int keysChecked, int operationsChecked, int operationsIgnored,
        List<KeyResult> keys) {

    /** A verdict on a whole history or on one key's sub-history. */
    public enum Verdict {
        /** Linearizable: a witness order was found. */
        OK,
        /** Not linearizable: the search was exhaustive and found no order. */
        VIOLATION,
        /** The search budget ran out first; nothing is claimed. */
        UNKNOWN
    }

    /**
     * The verdict on one key's sub-history.
     *
     * @param key         the key
     * @param verdict     the verdict on this key
     * @param operations  how many of the key's operations took part in the search
     * @param steps       how many search steps were spent on this key
     * @param explanation {@code ""} when the key is linearizable; otherwise a bounded, human-readable account: the
     *                    longest linearizable prefix the search found (its tail), the register value after it, the
     *                    operation that could not be linearized in time and why each candidate fails
     * @param window      the operations the explanation mentions, in invocation order (bounded; empty when OK)
     */
    public record KeyResult(String key, Verdict verdict, int operations, long steps, String explanation,
            List<Operation> window) {

        /** Copies the window. */
        public KeyResult {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(verdict, "verdict");
            Objects.requireNonNull(explanation, "explanation");
            window = List.copyOf(window);
        }
    }

    /** Copies the key list. */
    public LinearizabilityResult {
        Objects.requireNonNull(verdict, "verdict");
        keys = List.copyOf(keys);
    }

    /** Whether the whole history was shown linearizable. */
    public boolean isOk() {
        return verdict == Verdict.OK;
    }

    /** The keys whose sub-history is not linearizable. */
    public List<KeyResult> violations() {
        return keys.stream().filter(k -> k.verdict() == Verdict.VIOLATION).toList();
    }

    /** The keys on which the search budget ran out. */
    public List<KeyResult> budgetExceeded() {
        return keys.stream().filter(k -> k.verdict() == Verdict.UNKNOWN).toList();
    }

    /** The result for {@code key}, or {@code null} if the history never mentions it. */
    public KeyResult forKey(String key) {
        for (KeyResult k : keys) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        return null;
    }

    /** The most steps spent on any one key. */
    public long maxStepsPerKey() {
        return keys.stream().mapToLong(KeyResult::steps).max().orElse(0);
    }

    /**
     * A bounded report: the verdict and counts, then the explanations of the first few violating keys and the names
     * of the first few keys whose budget ran out.
     */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(verdict).append(": ").append(keysChecked).append(" keys, ").append(operationsChecked)
                .append(" operations checked, ").append(operationsIgnored).append(" ignored");
        List<KeyResult> bad = violations();
        for (int i = 0; i < Math.min(bad.size(), MAX_KEYS_IN_SUMMARY); i++) {
            sb.append('\n').append(bad.get(i).explanation());
        }
        if (bad.size() > MAX_KEYS_IN_SUMMARY) {
            sb.append("\n... and ").append(bad.size() - MAX_KEYS_IN_SUMMARY).append(" more violating keys");
        }
        List<KeyResult> unknown = budgetExceeded();
        if (!unknown.isEmpty()) {
            sb.append("\nsearch budget exceeded on ").append(unknown.size()).append(" keys:");
            for (int i = 0; i < Math.min(unknown.size(), MAX_KEYS_IN_SUMMARY); i++) {
                sb.append(' ');
                Operation.appendKey(sb, unknown.get(i).key());
            }
            if (unknown.size() > MAX_KEYS_IN_SUMMARY) {
                sb.append(" ...");
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }

    private static final int MAX_KEYS_IN_SUMMARY = 3;
}
