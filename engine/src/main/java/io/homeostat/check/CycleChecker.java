package io.homeostat.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks FoundationDB's Cycle workload: N keys each hold a pointer to another key, initially {@code i -> i+1 mod N},
 * one cycle through every key. Each transaction picks a key a, reads a-&gt;b, b-&gt;c, c-&gt;d and writes a-&gt;c,
 * c-&gt;b, b-&gt;d, which swaps b and c and keeps one cycle. Any committed read of all N pointers must therefore still
 * be a single cycle of length N; a lost, torn or reordered transaction breaks it (two pointers at one key, a key no one
 * points to, or several shorter cycles).
 */
public final class CycleChecker {

    /**
     * @param cycleLengthFromZero steps to return to key 0 by following pointers, or -1 if it never returns
     * @param problems what is wrong, bounded; empty when OK
     */
    public record Result(SerializabilityVerdict verdict, int nodes, int cycleLengthFromZero, List<String> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return verdict == SerializabilityVerdict.OK;
        }

        public String explanation() {
            if (ok()) {
                return "cycle: OK, one cycle through all " + nodes + " keys";
            }
            return "cycle: VIOLATION: " + String.join("; ", problems);
        }
    }

    private static final int MAX_PROBLEMS = 10;
    private static final int MAX_SHOWN = 12;

    private CycleChecker() {
    }

    /** The initial pointers, {@code i -> i+1 mod n}. */
    public static int[] initialPointers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one key");
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = (i + 1) % n;
        }
        return p;
    }

    /** The workload's transaction, applied in place: from a -&gt; b -&gt; c -&gt; d to a -&gt; c -&gt; b -&gt; d. */
    public static void swapAfter(int[] pointers, int a) {
        if (pointers.length < 3) {
            throw new IllegalArgumentException("the swap needs at least three keys");
        }
        int b = pointers[a];
        int c = pointers[b];
        int d = pointers[c];
        pointers[a] = c;
        pointers[c] = b;
        pointers[b] = d;
    }

    /** Checks a complete array of pointers (index = key). */
    public static Result check(int[] pointers) {
        Map<Integer, Integer> read = new TreeMap<>();
        for (int i = 0; i < pointers.length; i++) {
            read.put(i, pointers[i]);
        }
        return check(pointers.length, read);
    }

    /**
     * Checks one read of the pointers: key -&gt; value as read. Keys missing from the read, or mapped to null, are
     * violations, as are keys and values outside [0, n).
     */
    public static Result check(int n, Map<Integer, Integer> read) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one key");
        }
        List<String> problems = new ArrayList<>();
        int[] next = new int[n];
        boolean complete = true;
        List<Integer> missing = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Integer v = read.get(k);
            if (v == null) {
                missing.add(k);
                complete = false;
            } else if (v < 0 || v >= n) {
                add(problems, "key " + k + " points to " + v + ", outside [0, " + n + ")");
                complete = false;
            } else {
                next[k] = v;
            }
        }
        if (!missing.isEmpty()) {
            add(problems, "no value read for key(s) " + shortList(missing));
        }
        for (Integer k : read.keySet()) {
            if (k == null || k < 0 || k >= n) {
                add(problems, "the read holds key " + k + ", outside [0, " + n + ")");
            }
        }
        if (!complete) {
            return new Result(SerializabilityVerdict.VIOLATION, n, -1, problems);
        }
        // every key must be pointed to exactly once
        List<List<Integer>> pointedFrom = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            pointedFrom.add(new ArrayList<>());
        }
        for (int k = 0; k < n; k++) {
            pointedFrom.get(next[k]).add(k);
        }
        List<Integer> orphans = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<Integer> from = pointedFrom.get(k);
            if (from.size() > 1) {
                add(problems, "keys " + shortList(from) + " all point to " + k);
            } else if (from.isEmpty()) {
                orphans.add(k);
            }
        }
        if (!orphans.isEmpty()) {
            add(problems, "no key points to " + shortList(orphans));
        }
        // follow the pointers from 0
        int[] step = new int[n];
        java.util.Arrays.fill(step, -1);
        List<Integer> walk = new ArrayList<>();
        int at = 0;
        int steps = 0;
        while (step[at] < 0) {
            step[at] = steps++;
            walk.add(at);
            at = next[at];
        }
        int lengthFromZero = at == 0 ? steps : -1;
        if (at != 0) {
            add(problems, "following pointers from 0 enters a loop of length " + (steps - step[at]) + " at key " + at
                    + " after " + step[at] + " step(s), never returning to 0: " + path(walk, at));
        } else if (steps != n) {
            List<Integer> sizes = new ArrayList<>();
            if (orphans.isEmpty()) {
                boolean[] done = new boolean[n];
                for (int k = 0; k < n; k++) {
                    int len = 0;
                    for (int x = k; !done[x]; x = next[x]) {
                        done[x] = true;
                        len++;
                    }
                    if (len > 0) {
                        sizes.add(len);
                    }
                }
            }
            add(problems, "the cycle through 0 has length " + steps + ", not " + n + ": " + path(walk, 0)
                    + (sizes.isEmpty() ? "" : "; the pointers form " + sizes.size() + " cycles, of lengths "
                            + shortList(sizes)));
        }
        return new Result(SerializabilityVerdict.of(!problems.isEmpty()), n, lengthFromZero, problems);
    }

    private static String path(List<Integer> walk, int end) {
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(walk.size(), MAX_SHOWN);
        for (int i = 0; i < shown; i++) {
            sb.append(walk.get(i)).append(" -> ");
        }
        if (shown < walk.size()) {
            sb.append("... (").append(walk.size() - shown).append(" more) -> ");
        }
        return sb.append(end).toString();
    }

    private static void add(List<String> problems, String problem) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(problem);
        }
    }

    private static <T> String shortList(List<T> items) {
        if (items.size() <= MAX_SHOWN) {
            return items.toString();
        }
        return items.subList(0, MAX_SHOWN) + " and " + (items.size() - MAX_SHOWN) + " more";
    }
}
