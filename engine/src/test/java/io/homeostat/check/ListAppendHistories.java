package io.homeostat.check;

import io.homeostat.check.ListAppendChecker.Append;
import io.homeostat.check.ListAppendChecker.Op;
import io.homeostat.check.ListAppendChecker.Outcome;
import io.homeostat.check.ListAppendChecker.Read;
import io.homeostat.check.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates list-append histories that are serializable by construction: random transactions run one after another
 * against an in-memory map of lists, and each gets an invocation and completion time around its serial position
 * (so intervals overlap, but whenever one completes before another is invoked it also came first: the histories are
 * strictly serializable). Also plants anomalies into such histories.
 */
final class ListAppendHistories {

    /** A generated history, with the model's final state and the next unused element. */
    record Generated(List<Txn> history, Map<String, List<Long>> finalState, long nextElement, long endTime) {
    }

    private ListAppendHistories() {
    }

    /**
     * @param txns transactions before the optional final read
     * @param keys distinct keys, "k0".."k(keys-1)"
     * @param maxOps each transaction has 1..maxOps micro-operations
     * @param finalRead end with a committed transaction reading every key
     */
    static Generated serializable(long seed, int txns, int keys, int maxOps, boolean finalRead) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, List<Long>> state = new LinkedHashMap<>();
        for (int k = 0; k < keys; k++) {
            state.put("k" + k, new ArrayList<>());
        }
        List<Txn> history = new ArrayList<>();
        long element = 1;
        for (int i = 0; i < txns; i++) {
            double roll = rnd.nextDouble();
            Outcome outcome = roll < 0.05 ? Outcome.ABORTED : roll < 0.10 ? Outcome.UNKNOWN : Outcome.COMMITTED;
            boolean applied = outcome == Outcome.COMMITTED || (outcome == Outcome.UNKNOWN && rnd.nextBoolean());
            Map<String, List<Long>> local = new HashMap<>();
            List<Op> ops = new ArrayList<>();
            int n = 1 + rnd.nextInt(maxOps);
            for (int j = 0; j < n; j++) {
                String key = "k" + rnd.nextInt(keys);
                List<Long> value = local.computeIfAbsent(key, k -> new ArrayList<>(state.get(k)));
                if (rnd.nextBoolean()) {
                    ops.add(new Read(key, outcome == Outcome.COMMITTED ? List.copyOf(value) : null));
                } else {
                    long e = element++;
                    value.add(e);
                    ops.add(new Append(key, e));
                }
            }
            if (applied) {
                state.putAll(local);
            }
            long serialPoint = 100L * (i + 1);
            long invoke = serialPoint - rnd.nextLong(350);
            long complete = outcome == Outcome.UNKNOWN && rnd.nextBoolean() ? Long.MAX_VALUE
                    : serialPoint + rnd.nextLong(350);
            history.add(new Txn(i + 1, rnd.nextInt(16), invoke, complete, outcome, ops));
        }
        long end = 100L * (txns + 10);
        if (finalRead) {
            List<Op> ops = new ArrayList<>();
            state.forEach((k, v) -> ops.add(new Read(k, List.copyOf(v))));
            history.add(new Txn(txns + 1, 0, end, end + 10, Outcome.COMMITTED, ops));
            end += 100;
        }
        Map<String, List<Long>> snapshot = new LinkedHashMap<>();
        state.forEach((k, v) -> snapshot.put(k, List.copyOf(v)));
        return new Generated(List.copyOf(history), snapshot, element, end);
    }

    /**
     * Adds two concurrent transactions that both read {@code key}'s final state S and both append, and a reader
     * afterwards that sees S+[a, b] ({@code bothObserved}) or only S+[a].
     */
    static List<Txn> lostUpdateAtEnd(Generated g, String key, boolean bothObserved) {
        List<Long> s = g.finalState().get(key);
        long a = g.nextElement();
        long b = a + 1;
        long t = g.endTime();
        long id = maxId(g.history()) + 1;
        List<Txn> h = new ArrayList<>(g.history());
        h.add(Txn.committed(id, 1, t + 10, t + 100, Op.read(key, s), Op.append(key, a)));
        h.add(Txn.committed(id + 1, 2, t + 20, t + 90, Op.read(key, s), Op.append(key, b)));
        List<Long> after = new ArrayList<>(s);
        after.add(a);
        if (bothObserved) {
            after.add(b);
        }
        h.add(Txn.committed(id + 2, 3, t + 200, t + 300, Op.read(key, after)));
        return h;
    }

    /**
     * Plants a lost update inside the history: finds a committed T2 that read a key exactly once (before appending to
     * it) and saw, last, an append of a committed T1 that had itself read the key before appending; rewrites T2's read
     * to what T1 read. Now both read the same list and both appended. Returns null if no such pair exists.
     */
    static List<Txn> lostUpdateInside(Generated g, long seed) {
        List<Txn> h = g.history();
        Map<Long, Integer> writerOf = new HashMap<>(); // element -> index (elements are globally unique here)
        for (int i = 0; i < h.size(); i++) {
            for (Op op : h.get(i).ops()) {
                if (op instanceof Append a) {
                    writerOf.put(a.element(), i);
                }
            }
        }
        List<int[]> candidates = new ArrayList<>(); // {t2, readOp, t1, t1ReadOp}
        for (int j = 0; j < h.size(); j++) {
            Txn t2 = h.get(j);
            if (t2.outcome() != Outcome.COMMITTED) {
                continue;
            }
            List<Op> ops = t2.ops();
            for (int p = 0; p < ops.size(); p++) {
                if (!(ops.get(p) instanceof Read r) || r.result().isEmpty() || !readOnceBeforeAppending(ops, p)) {
                    continue;
                }
                Integer i = writerOf.get(r.result().get(r.result().size() - 1));
                if (i == null || i == j || h.get(i).outcome() != Outcome.COMMITTED) {
                    continue;
                }
                List<Op> ops1 = h.get(i).ops();
                for (int q = 0; q < ops1.size(); q++) {
                    if (ops1.get(q) instanceof Read r1 && r1.key().equals(r.key())
                            && readOnceBeforeAppending(ops1, q)) {
                        candidates.add(new int[] {j, p, i, q});
                        break;
                    }
                }
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        int[] c = candidates.get(new SplittableRandom(seed).nextInt(candidates.size()));
        Txn t2 = h.get(c[0]);
        Read t1Read = (Read) h.get(c[2]).ops().get(c[3]);
        List<Op> ops = new ArrayList<>(t2.ops());
        ops.set(c[1], new Read(t1Read.key(), t1Read.result()));
        List<Txn> out = new ArrayList<>(h);
        out.set(c[0], new Txn(t2.id(), t2.process(), t2.invokeTime(), t2.completeTime(), t2.outcome(), ops));
        return out;
    }

    /** The op at p is the only read of its key in ops, no append to the key precedes it, and one follows it. */
    private static boolean readOnceBeforeAppending(List<Op> ops, int p) {
        String key = ops.get(p).key();
        boolean appendAfter = false;
        for (int q = 0; q < ops.size(); q++) {
            Op op = ops.get(q);
            if (q == p || !op.key().equals(key)) {
                continue;
            }
            if (op instanceof Read || q < p) {
                return false;
            }
            appendAfter = true;
        }
        return appendAfter;
    }

    /**
     * Makes a strict-serializability violation that stays serializable: finds a committed reader that saw (last) the
     * append of an earlier committed writer, and moves the reader's whole interval before the writer's invocation.
     */
    static List<Txn> readerMovedBeforeWriter(Generated g) {
        List<Txn> h = g.history();
        Map<Long, Integer> writerOf = new HashMap<>();
        for (int i = 0; i < h.size(); i++) {
            for (Op op : h.get(i).ops()) {
                if (op instanceof Append a) {
                    writerOf.put(a.element(), i);
                }
            }
        }
        for (int j = h.size() - 1; j >= 0; j--) {
            Txn reader = h.get(j);
            if (reader.outcome() != Outcome.COMMITTED) {
                continue;
            }
            for (Op op : reader.ops()) {
                if (op instanceof Read r && !r.result().isEmpty()) {
                    Integer i = writerOf.get(r.result().get(r.result().size() - 1));
                    if (i != null && i != j && h.get(i).outcome() == Outcome.COMMITTED) {
                        Txn w = h.get(i);
                        List<Txn> out = new ArrayList<>(h);
                        out.set(j, new Txn(reader.id(), reader.process(), w.invokeTime() - 20, w.invokeTime() - 10,
                                reader.outcome(), reader.ops()));
                        return out;
                    }
                }
            }
        }
        return null;
    }

    static long maxId(List<Txn> history) {
        long max = 0;
        for (Txn t : history) {
            max = Math.max(max, t.id());
        }
        return max;
    }
}
