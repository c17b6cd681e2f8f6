package io.homeostat.check;

import io.homeostat.check.LinearizabilityResult.KeyResult;
import io.homeostat.check.LinearizabilityResult.Verdict;
import io.homeostat.check.Operation.Kind;
import io.homeostat.check.Operation.Outcome;
import io.homeostat.check.Operation.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether a history of operations on a key-value register is linearizable: whether every completed operation
 * can be given an instant inside its own interval such that, applied one at a time in the order of those instants, a
 * plain sequential register (every key initially absent) returns exactly what was observed.
 *
 * <h2>Algorithm</h2>
 * The Wing &amp; Gong / Lowe search with the optimisations of Porcupine:
 * <ul>
 *   <li><b>P-compositionality.</b> Linearizability is local: a history is linearizable iff each key's sub-history
 *       is, so each key is checked on its own (and gets its own verdict and budget).</li>
 *   <li><b>Lowe's list.</b> A key's invocations and responses form one time-ordered doubly linked list (at equal
 *       times invocations sort first, so touching intervals count as concurrent). The operations whose invocation
 *       comes before the first pending response are the ones that may take effect next; linearizing one unlinks its
 *       two entries, backtracking relinks them.</li>
 *   <li><b>Memoisation.</b> A configuration is the set of linearized operations (bitsets), the register value and
 *       (see below) the value at the start of the current run of uncertain operations; one already explored, or
 *       dominated by one already explored, is never explored again.</li>
 *   <li><b>Iteration, not recursion.</b> The depth-first search keeps an explicit stack of frames, so histories of
 *       tens of thousands of operations on one key do not overflow the thread's stack.</li>
 * </ul>
 * Before searching, a key is rejected outright if a completed read (or swapping CAS) saw a value that no operation
 * invoked before its response could have written.
 *
 * <h2>Uncertain operations</h2>
 * {@link Outcome#FAIL} operations and reads of {@link Outcome#UNKNOWN} outcome are dropped: they cannot have
 * changed anything and their results say nothing. A write or CAS of unknown outcome is <em>optional</em>: its response
 * is taken to be at infinity, so it constrains nothing, and it may be linearized at any point after its invocation or
 * not at all; the search succeeds once every completed operation is linearized. Optional operations are kept out of
 * the list (they would otherwise stay pending, and be rescanned, until the end of the history) and indexed by the
 * value they write. The memo holds the set of optional operations used so far, and a configuration is skipped when
 * one with the same completed operations, value and run start but a subset of those optional operations was already
 * explored: having an optional operation still available never hurts.
 *
 * <p>So that many pending optional operations cannot make the search exponential, it only builds linearizations of a
 * canonical shape; every linearizable history has one. Optional operations come in <em>runs</em>, each directly
 * followed by a completed operation {@code r}, where: every operation of the run changes the value; only its first
 * may be a write (earlier ones would be overwritten; later ones only CASes); {@code r} is not a write (it would
 * overwrite the run); and {@code r} could not have gone directly at the start of the run (otherwise the run can be
 * moved after {@code r}, or dropped). Hence a run is only started or extended with an operation whose value leads,
 * through pending optional CASes, to a value that some operation which may go next needs and does not have.
 *
 * <h2>Budget</h2>
 * Each key's search stops after {@code budgetPerKey} steps (one step = one candidate tried or one backtrack). A key
 * whose budget runs out gets {@link Verdict#UNKNOWN}; {@link Verdict#VIOLATION} is only reported after an exhaustive
 * search. Memory grows with the number of explored configurations, so with the budget. Like every exact checker this
 * one is exponential in the worst case (linearizability checking is NP-complete), typically in the number of
 * mutually concurrent operations on one key.
 *
 * <p>Purely functional and deterministic: same history, same result.
 */
public final class LinearizabilityChecker {

    private LinearizabilityChecker() {
    }

    /**
     * Checks every key's sub-history.
     *
     * @param history      the operations, in any order; keys may be interleaved
     * @param budgetPerKey the most search steps to spend on one key (at least 1); when a key needs more, its verdict is
     *                     {@link Verdict#UNKNOWN} (never a false {@link Verdict#VIOLATION})
     * @return the overall verdict, the counts, and each key's verdict, with an explanation for violating keys
     */
    public static LinearizabilityResult check(List<Operation> history, long budgetPerKey) {
        Objects.requireNonNull(history, "history");
        if (budgetPerKey < 1) {
            throw new IllegalArgumentException("budgetPerKey must be positive: " + budgetPerKey);
        }
        Map<String, List<Integer>> searched = new TreeMap<>();
        Map<String, List<Integer>> ignored = new HashMap<>();
        int nSearched = 0;
        int nIgnored = 0;
        for (int i = 0; i < history.size(); i++) {
            Operation op = Objects.requireNonNull(history.get(i), "null operation in history");
            List<Integer> keyOps = searched.computeIfAbsent(op.key(), k -> new ArrayList<>());
            if (isIgnored(op)) {
                ignored.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(i);
                nIgnored++;
            } else {
                keyOps.add(i);
                nSearched++;
            }
        }
        List<KeyResult> results = new ArrayList<>(searched.size());
        boolean violation = false;
        boolean unknown = false;
        for (Map.Entry<String, List<Integer>> e : searched.entrySet()) {
            KeyResult r = new KeySearch(e.getKey(), history, e.getValue(), ignored.getOrDefault(e.getKey(), List.of()))
                    .run(budgetPerKey);
            violation |= r.verdict() == Verdict.VIOLATION;
            unknown |= r.verdict() == Verdict.UNKNOWN;
            results.add(r);
        }
        Verdict verdict = violation ? Verdict.VIOLATION : unknown ? Verdict.UNKNOWN : Verdict.OK;
        return new LinearizabilityResult(verdict, searched.size(), nSearched, nIgnored, results);
    }

    /** Operations that cannot constrain anything: certain failures, and reads whose result nobody saw. */
    private static boolean isIgnored(Operation op) {
        return op.outcome() == Outcome.FAIL || (op.outcome() == Outcome.UNKNOWN && op.kind() == Kind.READ);
    }

    /**
     * The search over one key's sub-history. Operations are numbered 0..n-1; values are interned to small ints
     * ({@link #ABSENT} = 0). Completed ("required") operation i has list entries 2i (invocation) and 2i+1 (response).
     */
    private static final class KeySearch {

        private static final int READ = 0;
        private static final int WRITE = 1;
        private static final int CAS_SWAPPED = 2;
        private static final int CAS_NOT_SWAPPED = 3;
        private static final int CAS_MAYBE = 4;
        private static final int NIL = -1;
        private static final int ABSENT = 0;
        /** Run start of a configuration that is not inside a run of optional operations. */
        private static final int NO_RUN = -1;

        private static final int MAX_PREFIX_SHOWN = 6;
        private static final int MAX_CANDIDATES_SHOWN = 8;
        private static final int MAX_WRITERS_SHOWN = 3;

        private final String key;
        private final List<Operation> history;
        private final List<Integer> ignoredIndices;
        private final int n;
        private final Operation[] ops;
        private final int[] index;
        private final int[] kind;
        private final boolean[] required;
        private final int[] val;
        private final int[] exp;
        private final List<Value> values = new ArrayList<>();
        private final int requiredTotal;

        /** Entries of required operations in time order; the linked list threads through them from {@link #head}. */
        private final int[] order;
        private final int head;
        private final int[] next;
        private final int[] prev;

        /** Optional operations in invocation order, and per value the optional operations that write it. */
        private final int[] optionalByInvocation;
        private final int[][] optionalByValue;

        /** Scratch space for building candidate lists. */
        private final int[] buffer;
        private final int[] targetQueue;
        private final int[] targetMark;
        private int epoch;
        /** Rank of each operation among the required, or among the optional, operations. */
        private final int[] rank;
        /** Placed (linearized) operations: required ones by rank, optional ones by rank. */
        private final long[] requiredBits;
        private final long[] optionalBits;

        KeySearch(String key, List<Operation> history, List<Integer> indices, List<Integer> ignoredIndices) {
            this.key = key;
            this.history = history;
            this.ignoredIndices = ignoredIndices;
            this.n = indices.size();
            ops = new Operation[n];
            index = new int[n];
            kind = new int[n];
            required = new boolean[n];
            val = new int[n];
            exp = new int[n];
            Map<Value, Integer> ids = new HashMap<>();
            ids.put(Value.ABSENT, ABSENT);
            values.add(Value.ABSENT);
            int req = 0;
            for (int i = 0; i < n; i++) {
                Operation op = history.get(indices.get(i));
                ops[i] = op;
                index[i] = indices.get(i);
                required[i] = op.outcome() == Outcome.OK;
                req += required[i] ? 1 : 0;
                val[i] = intern(ids, op.value());
                exp[i] = op.kind() == Kind.CAS ? intern(ids, op.expected()) : ABSENT;
                kind[i] = switch (op.kind()) {
                    case READ -> READ;
                    case WRITE -> WRITE;
                    case CAS -> !required[i] ? CAS_MAYBE : op.casSucceeded() ? CAS_SWAPPED : CAS_NOT_SWAPPED;
                };
            }
            requiredTotal = req;

            List<Integer> entries = new ArrayList<>(2 * req);
            List<Integer> optional = new ArrayList<>(n - req);
            for (int i = 0; i < n; i++) {
                if (required[i]) {
                    entries.add(2 * i);
                    entries.add(2 * i + 1);
                } else {
                    optional.add(i);
                }
            }
            entries.sort(Comparator.comparingLong((Integer e) -> (e & 1) == 0 ? ops[e >> 1].invokedAt()
                    : ops[e >> 1].respondedAt()).thenComparingInt(e -> e & 1).thenComparingInt(e -> e));
            order = entries.stream().mapToInt(Integer::intValue).toArray();
            head = 2 * n;
            next = new int[2 * n + 1];
            prev = new int[2 * n + 1];
            int last = head;
            for (int e : order) {
                next[last] = e;
                prev[e] = last;
                last = e;
            }
            next[last] = NIL;

            optional.sort(Comparator.comparingLong((Integer o) -> ops[o].invokedAt()).thenComparingInt(o -> o));
            optionalByInvocation = optional.stream().mapToInt(Integer::intValue).toArray();
            int[] perValue = new int[values.size()];
            for (int o : optionalByInvocation) {
                perValue[val[o]]++;
            }
            optionalByValue = new int[values.size()][];
            for (int v = 0; v < values.size(); v++) {
                optionalByValue[v] = new int[perValue[v]];
                perValue[v] = 0;
            }
            for (int o : optionalByInvocation) {
                optionalByValue[val[o]][perValue[val[o]]++] = o;
            }

            buffer = new int[n];
            targetQueue = new int[values.size()];
            targetMark = new int[values.size()];
            rank = new int[n];
            int requiredRank = 0;
            int optionalRank = 0;
            for (int i = 0; i < n; i++) {
                rank[i] = required[i] ? requiredRank++ : optionalRank++;
            }
            requiredBits = new long[(requiredRank + 63) >>> 6];
            optionalBits = new long[(optionalRank + 63) >>> 6];
        }

        private int intern(Map<Value, Integer> ids, Value v) {
            Integer id = ids.get(v);
            if (id == null) {
                id = values.size();
                ids.put(v, id);
                values.add(v);
            }
            return id;
        }

        /** Whether required operation {@code r} is consistent with the register holding {@code state}. */
        private boolean valid(int r, int state) {
            return switch (kind[r]) {
                case READ -> state == val[r];
                case WRITE -> true;
                case CAS_SWAPPED -> state == exp[r];
                case CAS_NOT_SWAPPED -> state != exp[r];
                default -> throw new AssertionError(kind[r]);
            };
        }

        /** The plain register's value after operation {@code op} from {@code state} (assumed consistent). */
        private int apply(int op, int state) {
            return switch (kind[op]) {
                case READ, CAS_NOT_SWAPPED -> state;
                case WRITE, CAS_SWAPPED -> val[op];
                case CAS_MAYBE -> state == exp[op] ? val[op] : state;
                default -> throw new AssertionError(kind[op]);
            };
        }

        private boolean placed(int op) {
            long[] b = required[op] ? requiredBits : optionalBits;
            return (b[rank[op] >>> 6] & (1L << rank[op])) != 0;
        }

        private void setPlaced(int op, boolean placed) {
            long[] b = required[op] ? requiredBits : optionalBits;
            if (placed) {
                b[rank[op] >>> 6] |= 1L << rank[op];
            } else {
                b[rank[op] >>> 6] &= ~(1L << rank[op]);
            }
        }

        private void addTarget(int value) {
            if (targetMark[value] != epoch) {
                targetMark[value] = epoch;
                targetQueue[targetCount++] = value;
            }
        }

        private int targetCount;

        /**
         * The moves of the canonical search from a configuration (its list, {@code state}, {@code runStart}):
         * required operations first, in list order, then optional ones (see the class comment). A completed read or
         * failed CAS that may go now and fits is the only move: it leaves the value alone, so placing it at once
         * loses no linearization.
         */
        private int[] candidates(int state, int runStart) {
            int count = 0;
            int start = runStart == NO_RUN ? state : runStart;
            boolean anyChange = false;
            epoch++;
            targetCount = 0;
            int e = next[head];
            for (; e != NIL && (e & 1) == 0; e = next[e]) {
                int r = e >> 1;
                if (valid(r, state) && (runStart == NO_RUN || (kind[r] != WRITE && !valid(r, start)))) {
                    if (kind[r] == READ || kind[r] == CAS_NOT_SWAPPED) {
                        return new int[] {r};
                    }
                    buffer[count++] = r;
                }
                if (!valid(r, start)) {
                    switch (kind[r]) {
                        case READ -> addTarget(val[r]);
                        case CAS_SWAPPED -> addTarget(exp[r]);
                        case CAS_NOT_SWAPPED -> anyChange = true;
                        default -> throw new AssertionError(kind[r]);
                    }
                }
            }
            if (optionalByInvocation.length == 0 || (targetCount == 0 && !anyChange)) {
                return Arrays.copyOf(buffer, count);
            }
            long horizon = e == NIL ? Long.MAX_VALUE : ops[e >> 1].respondedAt();
            if (anyChange) {
                // Some failed CAS needs the value to be anything but what it is: any optional operation may help.
                for (int o : optionalByInvocation) {
                    if (ops[o].invokedAt() > horizon) {
                        break;
                    }
                    if (optionalAllowed(o, state, runStart)) {
                        buffer[count++] = o;
                    }
                }
                return Arrays.copyOf(buffer, count);
            }
            // Values from which a needed value is reachable through pending optional CASes.
            for (int q = 0; q < targetCount; q++) {
                for (int o : optionalByValue[targetQueue[q]]) {
                    if (ops[o].invokedAt() > horizon) {
                        break;
                    }
                    if (kind[o] == CAS_MAYBE && !placed(o)) {
                        addTarget(exp[o]);
                    }
                }
            }
            for (int q = 0; q < targetCount; q++) {
                for (int o : optionalByValue[targetQueue[q]]) {
                    if (ops[o].invokedAt() > horizon) {
                        break;
                    }
                    if (optionalAllowed(o, state, runStart)) {
                        buffer[count++] = o;
                    }
                }
            }
            return Arrays.copyOf(buffer, count);
        }

        private boolean optionalAllowed(int o, int state, int runStart) {
            if (placed(o) || val[o] == state) {
                return false;
            }
            return kind[o] == WRITE ? runStart == NO_RUN : exp[o] == state;
        }

        private void lift(int op) {
            unlink(2 * op);
            unlink(2 * op + 1);
        }

        private void unlift(int op) {
            relink(2 * op + 1);
            relink(2 * op);
        }

        private void unlink(int e) {
            next[prev[e]] = next[e];
            if (next[e] != NIL) {
                prev[next[e]] = prev[e];
            }
        }

        private void relink(int e) {
            next[prev[e]] = e;
            if (next[e] != NIL) {
                prev[next[e]] = e;
            }
        }

        KeyResult run(long budget) {
            KeyResult impossible = unexplainedValue();
            if (impossible != null) {
                return impossible;
            }
            // Frame d: the candidates at depth d and how far through them we are; the move taken to reach depth d+1
            // and the configuration to restore when undoing it.
            int[][] frameCandidates = new int[n + 1][];
            int[] frameCursor = new int[n + 1];
            int[] moveOp = new int[n];
            int[] savedState = new int[n];
            int[] savedRunStart = new int[n];
            int depth = 0;
            int[] best = new int[n];
            int bestDepth = 0;
            int lowWater = 0;
            int state = ABSENT;
            int runStart = NO_RUN;
            int requiredDone = 0;
            Map<Config, List<long[]>> seen = new HashMap<>();
            long steps = 0;
            frameCandidates[0] = candidates(state, runStart);
            while (true) {
                if (requiredDone == requiredTotal) {
                    return new KeyResult(key, Verdict.OK, n, steps, "", List.of());
                }
                if (steps >= budget) {
                    return new KeyResult(key, Verdict.UNKNOWN, n, steps, "", List.of());
                }
                steps++;
                int[] cands = frameCandidates[depth];
                if (frameCursor[depth] < cands.length) {
                    int op = cands[frameCursor[depth]++];
                    int nextState = required[op] ? apply(op, state) : val[op];
                    int nextRunStart = required[op] ? NO_RUN : runStart == NO_RUN ? state : runStart;
                    setPlaced(op, true);
                    if (!firstVisit(seen, nextState, nextRunStart)) {
                        setPlaced(op, false);
                        continue;
                    }
                    moveOp[depth] = op;
                    savedState[depth] = state;
                    savedRunStart[depth] = runStart;
                    if (required[op]) {
                        lift(op);
                        requiredDone++;
                    }
                    depth++;
                    state = nextState;
                    runStart = nextRunStart;
                    if (depth > bestDepth) {
                        System.arraycopy(moveOp, lowWater, best, lowWater, depth - lowWater);
                        bestDepth = depth;
                        lowWater = depth;
                    }
                    frameCandidates[depth] = candidates(state, runStart);
                    frameCursor[depth] = 0;
                } else {
                    if (depth == 0) {
                        return violation(steps, best, bestDepth);
                    }
                    frameCandidates[depth] = null;
                    depth--;
                    lowWater = Math.min(lowWater, depth);
                    int op = moveOp[depth];
                    if (required[op]) {
                        unlift(op);
                        requiredDone--;
                    }
                    setPlaced(op, false);
                    state = savedState[depth];
                    runStart = savedRunStart[depth];
                }
            }
        }

        /**
         * Memoisation by dominance. Configurations with the same placed required operations, value and run start
         * differ only in which optional operations they have used up; one that used a subset can do everything the
         * other can (an optional operation never has to take effect). So the current configuration is new unless one
         * with a subset of its optional operations was seen. Records it if new, forgetting the ones it dominates.
         */
        private boolean firstVisit(Map<Config, List<long[]>> seen, int state, int runStart) {
            Config config = Config.of(requiredBits, state, runStart);
            List<long[]> used = seen.get(config);
            if (used == null) {
                used = new ArrayList<>(1);
                seen.put(config, used);
            } else {
                for (long[] other : used) {
                    if (subset(other, optionalBits)) {
                        return false;
                    }
                }
                used.removeIf(other -> subset(optionalBits, other));
            }
            used.add(optionalBits.clone());
            return true;
        }

        private static boolean subset(long[] a, long[] b) {
            for (int i = 0; i < a.length; i++) {
                if ((a[i] & ~b[i]) != 0) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The cheap check before the search: a completed read (or swapping CAS) that saw a value which no operation
         * invoked before it responded could have written. Such a history is not linearizable whatever the order.
         */
        private KeyResult unexplainedValue() {
            long[] firstWrite = new long[values.size()];
            Arrays.fill(firstWrite, Long.MAX_VALUE);
            boolean[] written = new boolean[values.size()];
            for (int i = 0; i < n; i++) {
                if (kind[i] == WRITE || kind[i] == CAS_SWAPPED || kind[i] == CAS_MAYBE) {
                    written[val[i]] = true;
                    firstWrite[val[i]] = Math.min(firstWrite[val[i]], ops[i].invokedAt());
                }
            }
            for (int i = 0; i < n; i++) {
                int seenValue = kind[i] == READ ? val[i] : kind[i] == CAS_SWAPPED ? exp[i] : ABSENT;
                if (seenValue == ABSENT || (written[seenValue] && firstWrite[seenValue] <= ops[i].respondedAt())) {
                    continue;
                }
                StringBuilder sb = new StringBuilder("key ");
                Operation.appendKey(sb, key);
                sb.append(": not linearizable (").append(n).append(" operations searched, 0 steps).\n")
                        .append(describe(i)).append(kind[i] == READ ? " returned " : " found ")
                        .append(values.get(seenValue)).append(", but no operation invoked by t=")
                        .append(ops[i].respondedAt()).append(" writes that value").append(writers(seenValue))
                        .append('.');
                return new KeyResult(key, Verdict.VIOLATION, n, 0, sb.toString(), List.of(ops[i]));
            }
            return null;
        }

        private KeyResult violation(long steps, int[] best, int bestDepth) {
            Arrays.fill(requiredBits, 0L);
            Arrays.fill(optionalBits, 0L);
            int state = ABSENT;
            for (int i = 0; i < bestDepth; i++) {
                state = apply(best[i], state);
                setPlaced(best[i], true);
            }
            List<Integer> candidates = new ArrayList<>();
            int blocking = -1;
            for (int e : order) {
                int op = e >> 1;
                if (placed(op)) {
                    continue;
                }
                if ((e & 1) == 0) {
                    candidates.add(op);
                } else {
                    blocking = op;
                    break;
                }
            }
            int optionalPending = 0;
            for (int o : optionalByInvocation) {
                if (!placed(o) && (blocking < 0 || ops[o].invokedAt() <= ops[blocking].respondedAt())) {
                    optionalPending++;
                }
            }
            Set<Integer> window = new LinkedHashSet<>();
            StringBuilder sb = new StringBuilder("key ");
            Operation.appendKey(sb, key);
            sb.append(": not linearizable (").append(n).append(" operations searched, ").append(steps)
                    .append(" steps).\n");
            if (bestDepth == 0) {
                sb.append("No operation can be linearized first; the value starts absent.\n");
            } else {
                int from = Math.max(0, bestDepth - MAX_PREFIX_SHOWN);
                sb.append("The longest linearizable prefix found has ").append(bestDepth).append(" operations; ")
                        .append(from == 0 ? "all" : "the last " + (bestDepth - from)).append(" of them, in order:\n");
                for (int i = from; i < bestDepth; i++) {
                    window.add(best[i]);
                    sb.append("  ").append(describe(best[i])).append('\n');
                }
                sb.append("After it the value is ").append(values.get(state)).append(".\n");
            }
            if (blocking >= 0) {
                window.add(blocking);
                sb.append(describe(blocking)).append(" must take effect by t=").append(ops[blocking].respondedAt())
                        .append(", but none of the ").append(candidates.size())
                        .append(" completed operations that may take effect next fits:\n");
            }
            for (int i = 0; i < Math.min(candidates.size(), MAX_CANDIDATES_SHOWN); i++) {
                int op = candidates.get(i);
                window.add(op);
                sb.append("  ").append(describe(op)).append(": ").append(reason(op, state)).append('\n');
            }
            if (candidates.size() > MAX_CANDIDATES_SHOWN) {
                sb.append("  ... and ").append(candidates.size() - MAX_CANDIDATES_SHOWN).append(" more\n");
            }
            if (optionalPending > 0) {
                sb.append("(").append(optionalPending)
                        .append(" operations of unknown outcome could also take effect there; none helps.)\n");
            }
            List<Operation> windowOps = window.stream().sorted(Comparator.comparingLong((Integer op) ->
                    ops[op].invokedAt()).thenComparingInt(op -> index[op])).map(op -> ops[op]).toList();
            return new KeyResult(key, Verdict.VIOLATION, n, steps, sb.toString().stripTrailing(), windowOps);
        }

        private String describe(int op) {
            return "#" + index[op] + " " + ops[op];
        }

        private String reason(int op, int state) {
            Value now = values.get(state);
            if (valid(op, state)) {
                return "fits here, but every continuation after it fails";
            }
            return switch (kind[op]) {
                case READ -> "returned " + values.get(val[op]) + " but the value is " + now + writers(val[op]);
                case CAS_SWAPPED -> "swapped although the value is " + now + ", not " + values.get(exp[op])
                        + writers(exp[op]);
                case CAS_NOT_SWAPPED -> "did not swap although the value is its expected " + now;
                default -> throw new AssertionError(kind[op]);
            };
        }

        /** A bounded hint: which operations could have produced {@code value}. */
        private String writers(int value) {
            if (value == ABSENT) {
                return " (absent is the initial value; deletes also write it)";
            }
            List<String> found = new ArrayList<>();
            int count = 0;
            for (int i = 0; i < n; i++) {
                if ((kind[i] == WRITE || kind[i] == CAS_SWAPPED || kind[i] == CAS_MAYBE) && val[i] == value) {
                    if (count++ < MAX_WRITERS_SHOWN) {
                        found.add("#" + index[i] + " [" + ops[i].invokedAt() + ", "
                                + (required[i] ? String.valueOf(ops[i].respondedAt()) : "unknown") + "]");
                    }
                }
            }
            List<String> failed = new ArrayList<>();
            for (int i : ignoredIndices) {
                Operation op = history.get(i);
                if (op.kind() != Kind.READ && values.get(value).equals(op.value()) && failed.size() < MAX_WRITERS_SHOWN) {
                    failed.add("#" + i);
                }
            }
            StringBuilder sb = new StringBuilder(" (");
            if (count == 0) {
                sb.append("no operation writes ").append(values.get(value));
            } else {
                sb.append("written by ").append(String.join(", ", found));
                if (count > MAX_WRITERS_SHOWN) {
                    sb.append(" and ").append(count - MAX_WRITERS_SHOWN).append(" more");
                }
            }
            if (!failed.isEmpty()) {
                sb.append("; failed operations ").append(String.join(", ", failed)).append(" had no effect");
            }
            return sb.append(')').toString();
        }
    }

    /**
     * The memo key: the placed required operations, the value, and the run start. The bitset is stored trimmed:
     * leading all-ones words are counted, not copied, and trailing zero words dropped.
     */
    private static final class Config {
        private final int fullWords;
        private final long[] rest;
        private final int state;
        private final int runStart;
        private final int hash;

        private Config(int fullWords, long[] rest, int state, int runStart) {
            this.fullWords = fullWords;
            this.rest = rest;
            this.state = state;
            this.runStart = runStart;
            this.hash = ((Arrays.hashCode(rest) * 31 + fullWords) * 31 + state) * 31 + runStart;
        }

        static Config of(long[] bits, int state, int runStart) {
            int lo = 0;
            while (lo < bits.length && bits[lo] == -1L) {
                lo++;
            }
            int hi = bits.length;
            while (hi > lo && bits[hi - 1] == 0L) {
                hi--;
            }
            return new Config(lo, Arrays.copyOfRange(bits, lo, hi), state, runStart);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.hash == hash && c.fullWords == fullWords && c.state == state
                    && c.runStart == runStart && Arrays.equals(c.rest, rest);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
