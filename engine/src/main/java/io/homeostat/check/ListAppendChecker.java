package io.homeostat.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Checks a list-append history for serializability (or strict serializability), in the manner of Elle (Kingsbury and
 * Alvaro, "Elle: Inferring Isolation Anomalies from Experimental Observations") using Adya's anomaly classes.
 *
 * <p>A transaction is a list of micro-operations: {@link Append append(key, element)} and {@link Read read(key)}, which
 * returns the whole list. Elements are unique per key across the history, so every element read names the transaction
 * that appended it, and the longest read of a key reveals that key's version order (every other read must be a prefix
 * of it). From these the checker infers a dependency graph among the transactions that committed (plus the
 * {@link Outcome#UNKNOWN unknown} ones whose appends were observed, which therefore committed):
 *
 * <ul>
 *   <li><b>ww</b> T1 -&gt; T2: T2 appended the element after T1's in a key's version order;</li>
 *   <li><b>wr</b> T1 -&gt; T2: T2 read a list whose last element (other than its own) T1 appended;</li>
 *   <li><b>rw</b> T1 -&gt; T2: T1 read a version of a key and T2 appended the next element (an anti-dependency);</li>
 *   <li><b>rt</b> T1 -&gt; T2 (only with {@link Options#realtime()}): T1's completion time is strictly less than
 *       T2's invocation time (equal times impose no order).</li>
 * </ul>
 *
 * Any cycle means no serial order explains the observations. Strongly connected components (Tarjan) are searched for
 * one concrete short cycle each (breadth-first), classified as G0 (ww only), G1c (ww and wr), G-single (exactly one
 * rw), G2 (two or more rw), and the {@code *_REALTIME} variants for cycles that need real-time edges. Besides cycles
 * the checker reports aborted reads (G1a), intermediate reads (G1b), reads of elements nobody appended, duplicated
 * elements, reads whose orders disagree, reads inconsistent with the transaction's own earlier operations, and lost
 * updates whose losing append was never observed (which no graph edge can show).
 *
 * <p>Real-time edges are not materialised pairwise: completion times become a chain of auxiliary nodes (a transaction
 * points at its completion time, each time at the next, and a time at every transaction invoked strictly after it),
 * so the graph stays linear in the history. Cycles through those nodes are reported as plain "T1 -rt-&gt; T2" steps.
 *
 * <p>Everything is deterministic: the same history gives the same result, and reported anomalies are bounded by
 * {@link Options#maxReportedPerType()} per type (counts are exact) and cycles by {@link Options#maxCycleSteps()}.
 */
public final class ListAppendChecker {

    /** What became of a transaction, as far as the client knows. */
    public enum Outcome {
        /** Committed; its reads are observations. */
        COMMITTED,
        /** Definitely had no effect; its reads are ignored. */
        ABORTED,
        /** May or may not have committed (a timeout, say); its reads are ignored, its appends may be observed. */
        UNKNOWN
    }

    /** One micro-operation of a transaction. */
    public sealed interface Op permits Append, Read {
        String key();

        static Append append(String key, long element) {
            return new Append(key, element);
        }

        static Read read(String key, List<Long> result) {
            return new Read(key, result);
        }

        /** A read whose result was not observed (in an aborted or unknown transaction). */
        static Read read(String key) {
            return new Read(key, null);
        }
    }

    /** Appends {@code element} to the list at {@code key}. */
    public record Append(String key, long element) implements Op {
        public Append {
            Objects.requireNonNull(key, "key");
        }
    }

    /** Reads the whole list at {@code key}; {@code result} is null when unobserved, which only non-committed may be. */
    public record Read(String key, List<Long> result) implements Op {
        public Read {
            Objects.requireNonNull(key, "key");
            result = result == null ? null : List.copyOf(result);
        }
    }

    /**
     * One transaction. {@code completeTime} of an {@link Outcome#UNKNOWN unknown} transaction may be
     * {@link Long#MAX_VALUE} when the client never learned when (or whether) it finished.
     */
    public record Txn(long id, int process, long invokeTime, long completeTime, Outcome outcome, List<Op> ops) {
        public Txn {
            Objects.requireNonNull(outcome, "outcome");
            ops = List.copyOf(ops);
            if (invokeTime > completeTime) {
                throw new IllegalArgumentException("T" + id + " completes at " + completeTime + " before its invocation at "
                        + invokeTime);
            }
        }

        public static Txn committed(long id, int process, long invokeTime, long completeTime, Op... ops) {
            return new Txn(id, process, invokeTime, completeTime, Outcome.COMMITTED, List.of(ops));
        }

        public static Txn aborted(long id, int process, long invokeTime, long completeTime, Op... ops) {
            return new Txn(id, process, invokeTime, completeTime, Outcome.ABORTED, List.of(ops));
        }

        public static Txn unknown(long id, int process, long invokeTime, long completeTime, Op... ops) {
            return new Txn(id, process, invokeTime, completeTime, Outcome.UNKNOWN, List.of(ops));
        }
    }

    /** Kinds of anomaly, roughly from the most basic to the subtlest. */
    public enum AnomalyType {
        /** A committed read saw an element that no transaction appended. */
        GARBAGE_READ,
        /** A committed read saw the same element twice. */
        DUPLICATE_ELEMENT,
        /** Two committed reads of one key are not prefixes of a single order. */
        INCOMPATIBLE_ORDER,
        /** A read disagrees with the same transaction's earlier reads and appends of that key. */
        INTERNAL,
        /** Aborted read: a committed read saw an element appended only by an aborted transaction. */
        G1A,
        /** Intermediate read: a committed read ended at a transaction's non-final append to that key. */
        G1B,
        /** A transaction read a version and appended, another append followed that version, and its own never showed. */
        LOST_UPDATE,
        /** A cycle of write-write dependencies. */
        G0,
        /** A cycle of write-write and write-read dependencies, at least one write-read. */
        G1C,
        /** A cycle with exactly one read-write anti-dependency. */
        G_SINGLE,
        /** A cycle with two or more read-write anti-dependencies. */
        G2,
        /** (real time) A read invoked after a committed append completed lacks that append, which nobody ever saw. */
        STALE_READ_REALTIME,
        /** (real time) A cycle of ww and real-time edges. */
        G0_REALTIME,
        /** (real time) A cycle of ww, wr (at least one) and real-time edges. */
        G1C_REALTIME,
        /** (real time) A cycle of real-time edges and exactly one anti-dependency. */
        G_SINGLE_REALTIME,
        /** (real time) A cycle of real-time edges and two or more anti-dependencies. */
        G2_REALTIME
    }

    /** One reported anomaly: the transactions involved (in cycle order, for cycles) and a readable explanation. */
    public record Anomaly(AnomalyType type, List<Long> txnIds, String explanation) {
        public Anomaly {
            txnIds = List.copyOf(txnIds);
        }
    }

    /**
     * @param realtime add real-time edges: check strict serializability instead of serializability
     * @param maxReportedPerType anomalies explained per type (all are counted)
     * @param maxCycleSteps steps of a cycle spelled out in an explanation
     */
    public record Options(boolean realtime, int maxReportedPerType, int maxCycleSteps) {
        public Options {
            if (maxReportedPerType < 0 || maxCycleSteps < 1) {
                throw new IllegalArgumentException("bad bounds " + maxReportedPerType + ", " + maxCycleSteps);
            }
        }

        public static Options serializable() {
            return new Options(false, 8, 12);
        }

        public static Options strictSerializable() {
            return new Options(true, 8, 12);
        }

        public Options withMaxReportedPerType(int max) {
            return new Options(realtime, max, maxCycleSteps);
        }

        public Options withMaxCycleSteps(int max) {
            return new Options(realtime, maxReportedPerType, max);
        }
    }

    /**
     * The outcome of a check.
     *
     * @param graphTransactions transactions in the dependency graph (committed, and unknown ones seen to commit)
     * @param dependencyEdges distinct transaction pairs linked by ww, wr or rw dependencies
     * @param counts how many anomalies of each type (types that occurred only, in {@link AnomalyType} order)
     * @param anomalies explained anomalies, at most {@link Options#maxReportedPerType()} per type, in type order
     */
    public record Result(SerializabilityVerdict verdict, boolean realtime, int transactions, int committed, int aborted,
            int unknown, int graphTransactions, int dependencyEdges, Map<AnomalyType, Integer> counts,
            List<Anomaly> anomalies) {
        public Result {
            counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
            anomalies = List.copyOf(anomalies);
        }

        public boolean ok() {
            return verdict == SerializabilityVerdict.OK;
        }

        public int count(AnomalyType type) {
            return counts.getOrDefault(type, 0);
        }

        public boolean has(AnomalyType type) {
            return count(type) > 0;
        }

        /** A multi-line report: verdict, counts, then every explained anomaly. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append(realtime ? "strict serializability: " : "serializability: ").append(verdict)
                    .append(" (").append(transactions).append(" transactions: ").append(committed).append(" committed, ")
                    .append(aborted).append(" aborted, ").append(unknown).append(" unknown; ").append(graphTransactions)
                    .append(" in the graph with ").append(dependencyEdges).append(" dependency edges)");
            if (!counts.isEmpty()) {
                sb.append("\n  counts: ").append(counts);
            }
            for (Anomaly a : anomalies) {
                sb.append("\n  ").append(a.type()).append(": ").append(a.explanation());
            }
            return sb.toString();
        }
    }

    private ListAppendChecker() {
    }

    /** Checks for serializability. */
    public static Result check(List<Txn> history) {
        return check(history, Options.serializable());
    }

    /**
     * Checks the history.
     *
     * @throws IllegalArgumentException if the history is malformed: duplicate transaction ids, an element appended
     *     twice to one key, or a committed read without a result
     */
    public static Result check(List<Txn> history, Options options) {
        return new Run(history, options).run();
    }

    // ------------------------------------------------------------------------------------------------------------

    private static final int WW = 1;
    private static final int WR = 2;
    private static final int RW = 4;
    private static final int RT = 8;
    private static final int DEPS = WW | WR | RW;
    /** Edge relaxations allowed per component when hunting a cycle with exactly one anti-dependency. */
    private static final long G_SINGLE_BUDGET = 4_000_000L;

    /** Who appended an element, and whether it was that transaction's last append to the key. */
    private record Writer(int txn, boolean finalForKey, long nextOwn) {
    }

    private static final class ReadObs {
        final int txn;
        final int op;
        final List<Long> value;
        boolean compatible = true;
        boolean internalOk = true;

        ReadObs(int txn, int op, List<Long> value) {
            this.txn = txn;
            this.op = op;
            this.value = value;
        }
    }

    private static final class KeyData {
        final String name;
        final Map<Long, Writer> writers = new HashMap<>();
        final List<ReadObs> reads = new ArrayList<>();
        final Set<Long> observed = new HashSet<>();
        List<Long> order = List.of();
        ReadObs longest;

        KeyData(String name) {
            this.name = name;
        }
    }

    /** Why an edge exists: the key and one or two elements. */
    private record Witness(String key, long a, boolean hasA, long b) {
    }

    private static final class EdgeRec {
        final int src;
        final int dst;
        int mask;
        Witness ww;
        Witness wr;
        Witness rw;

        EdgeRec(int src, int dst) {
            this.src = src;
            this.dst = dst;
        }
    }

    /** A cycle step between two transactions, with the single dependency type it is counted as. */
    private record Step(int from, int to, int type, EdgeRec rec) {
    }

    private static final class Run {
        private final Txn[] txns;
        private final Options options;
        private final Map<String, KeyData> keys = new LinkedHashMap<>();
        private final EnumMap<AnomalyType, Integer> counts = new EnumMap<>(AnomalyType.class);
        private final EnumMap<AnomalyType, List<Anomaly>> reported = new EnumMap<>(AnomalyType.class);
        private final Map<Long, EdgeRec> edgeMap = new HashMap<>();
        private boolean[] inGraph;
        private boolean[] observedTxn;

        // the graph, in compressed form; nodes [0, txns.length) are transactions, the rest real-time auxiliaries
        private int nodes;
        private int[] start;
        private int[] eSrc;
        private int[] eDst;
        private int[] eMask;
        private EdgeRec[] eRec;
        private long[] auxTime;

        // breadth-first search scratch
        private int[] seen;
        private int seenStamp;
        private int[] parentEdge;
        private int[] queue;

        Run(List<Txn> history, Options options) {
            this.txns = history.toArray(new Txn[0]);
            this.options = Objects.requireNonNull(options, "options");
        }

        Result run() {
            index();
            versionOrders();
            scanReads();
            chooseGraphNodes();
            dependencies();
            if (options.realtime()) {
                staleReads();
            }
            buildGraph();
            findCycles();
            int committed = 0;
            int aborted = 0;
            int unknown = 0;
            int graph = 0;
            for (int i = 0; i < txns.length; i++) {
                switch (txns[i].outcome()) {
                    case COMMITTED -> committed++;
                    case ABORTED -> aborted++;
                    case UNKNOWN -> unknown++;
                    default -> throw new IllegalStateException();
                }
                if (inGraph[i]) {
                    graph++;
                }
            }
            List<Anomaly> all = new ArrayList<>();
            Map<AnomalyType, Integer> nonZero = new LinkedHashMap<>();
            for (AnomalyType t : AnomalyType.values()) {
                if (counts.containsKey(t)) {
                    nonZero.put(t, counts.get(t));
                    all.addAll(reported.getOrDefault(t, List.of()));
                }
            }
            return new Result(SerializabilityVerdict.of(!nonZero.isEmpty()), options.realtime(), txns.length, committed,
                    aborted, unknown, graph, edgeMap.size(), nonZero, all);
        }

        private void report(AnomalyType type, List<Long> txnIds, Supplier<String> explanation) {
            counts.merge(type, 1, Integer::sum);
            List<Anomaly> list = reported.computeIfAbsent(type, t -> new ArrayList<>());
            if (list.size() < options.maxReportedPerType()) {
                list.add(new Anomaly(type, txnIds, explanation.get()));
            }
        }

        private KeyData key(String name) {
            return keys.computeIfAbsent(name, KeyData::new);
        }

        private String t(int txn) {
            return "T" + txns[txn].id();
        }

        private long id(int txn) {
            return txns[txn].id();
        }

        // ---- phase 1: index appends and committed reads, and check each transaction against itself ----

        private void index() {
            Set<Long> ids = new HashSet<>();
            for (int i = 0; i < txns.length; i++) {
                Txn txn = Objects.requireNonNull(txns[i], "null transaction");
                if (!ids.add(txn.id())) {
                    throw new IllegalArgumentException("duplicate transaction id " + txn.id());
                }
                Map<String, List<Long>> appends = new LinkedHashMap<>();
                for (Op op : txn.ops()) {
                    if (op instanceof Append a) {
                        appends.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.element());
                    }
                }
                for (Map.Entry<String, List<Long>> e : appends.entrySet()) {
                    KeyData kd = key(e.getKey());
                    List<Long> seq = e.getValue();
                    for (int j = 0; j < seq.size(); j++) {
                        boolean last = j == seq.size() - 1;
                        Writer prev = kd.writers.put(seq.get(j), new Writer(i, last, last ? 0 : seq.get(j + 1)));
                        if (prev != null) {
                            throw new IllegalArgumentException("element " + seq.get(j) + " is appended to key "
                                    + kd.name + " by both " + t(prev.txn()) + " and " + t(i)
                                    + "; elements must be unique per key");
                        }
                    }
                }
                if (txn.outcome() == Outcome.COMMITTED) {
                    indexCommittedReads(i, appends);
                } else {
                    for (Op op : txn.ops()) {
                        key(op.key());
                    }
                }
            }
        }

        private void indexCommittedReads(int i, Map<String, List<Long>> allAppends) {
            Txn txn = txns[i];
            Map<String, List<Long>> expected = new HashMap<>();
            Map<String, List<Long>> ownSoFar = new HashMap<>();
            List<Op> ops = txn.ops();
            for (int p = 0; p < ops.size(); p++) {
                Op op = ops.get(p);
                if (op instanceof Append a) {
                    ownSoFar.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.element());
                    List<Long> exp = expected.get(a.key());
                    if (exp != null) {
                        exp.add(a.element());
                    }
                    continue;
                }
                Read r = (Read) op;
                if (r.result() == null) {
                    throw new IllegalArgumentException("committed " + t(i) + " has a read of " + r.key()
                            + " without a result");
                }
                KeyData kd = key(r.key());
                ReadObs obs = new ReadObs(i, p, r.result());
                kd.reads.add(obs);
                List<Long> v = r.result();
                List<Long> exp = expected.get(r.key());
                String problem = null;
                if (exp != null) {
                    if (!v.equals(exp)) {
                        problem = "its earlier read and own appends imply " + brief(exp);
                    }
                } else if (allAppends.containsKey(r.key())) {
                    List<Long> own = ownSoFar.getOrDefault(r.key(), List.of());
                    Set<Long> ownAll = new HashSet<>(allAppends.getOrDefault(r.key(), List.of()));
                    List<Long> ownInRead = new ArrayList<>();
                    for (Long e : v) {
                        if (ownAll.contains(e)) {
                            ownInRead.add(e);
                        }
                    }
                    boolean suffix = v.size() >= own.size() && v.subList(v.size() - own.size(), v.size()).equals(own);
                    if (!ownInRead.equals(own) || !suffix) {
                        problem = own.isEmpty()
                                ? "it has not appended to " + r.key() + " yet, but the read holds its own later append(s) "
                                        + brief(ownInRead)
                                : "the read must end with its own earlier append(s) " + brief(own);
                    }
                }
                if (problem != null) {
                    obs.internalOk = false;
                    String why = problem;
                    report(AnomalyType.INTERNAL, List.of(txn.id()), () -> t(i) + " read " + r.key() + " = " + brief(v)
                            + ", but " + why);
                }
                expected.put(r.key(), new ArrayList<>(v));
            }
        }

        // ---- phase 2: version orders ----

        private void versionOrders() {
            for (KeyData kd : keys.values()) {
                for (ReadObs r : kd.reads) {
                    if (kd.longest == null || r.value.size() > kd.longest.value.size()) {
                        kd.longest = r;
                    }
                }
                if (kd.longest == null) {
                    continue;
                }
                kd.order = kd.longest.value;
                ReadObs firstBad = null;
                Set<List<Long>> badValues = new HashSet<>();
                for (ReadObs r : kd.reads) {
                    if (!isPrefix(r.value, kd.order)) {
                        r.compatible = false;
                        badValues.add(r.value);
                        if (firstBad == null) {
                            firstBad = r;
                        }
                    }
                }
                if (firstBad != null) {
                    ReadObs bad = firstBad;
                    ReadObs longest = kd.longest;
                    int at = firstDifference(bad.value, longest.value);
                    report(AnomalyType.INCOMPATIBLE_ORDER, List.of(id(longest.txn), id(bad.txn)), () -> "key "
                            + kd.name + ": " + t(longest.txn) + " read " + brief(longest.value) + " but " + t(bad.txn)
                            + " read " + brief(bad.value) + " (they differ at position " + at + "), so no single append"
                            + " order explains both; " + badValues.size() + " distinct read(s) of " + kd.name
                            + " are not prefixes of the longest");
                }
            }
        }

        private static boolean isPrefix(List<Long> p, List<Long> of) {
            if (p.size() > of.size()) {
                return false;
            }
            for (int i = 0; i < p.size(); i++) {
                if (!p.get(i).equals(of.get(i))) {
                    return false;
                }
            }
            return true;
        }

        private static int firstDifference(List<Long> a, List<Long> b) {
            int n = Math.min(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                if (!a.get(i).equals(b.get(i))) {
                    return i;
                }
            }
            return n;
        }

        // ---- phase 3: what each committed read saw ----

        /**
         * Scans reads for garbage, duplicated and aborted elements and marks unknown transactions as observed. A read
         * compatible with the version order is a prefix of the longest read, so the longest read is scanned once and
         * only reads reaching its first problem (or incompatible ones) are scanned themselves.
         */
        private void scanReads() {
            observedTxn = new boolean[txns.length];
            for (KeyData kd : keys.values()) {
                int firstProblem = kd.order.size();
                Set<Long> inOrder = new HashSet<>();
                for (int j = 0; j < kd.order.size(); j++) {
                    Long e = kd.order.get(j);
                    kd.observed.add(e);
                    Writer w = kd.writers.get(e);
                    if (w != null && txns[w.txn()].outcome() == Outcome.UNKNOWN) {
                        observedTxn[w.txn()] = true;
                    }
                    boolean problem = !inOrder.add(e) || w == null || txns[w.txn()].outcome() == Outcome.ABORTED;
                    if (problem && firstProblem == kd.order.size()) {
                        firstProblem = j;
                    }
                }
                for (ReadObs r : kd.reads) {
                    if (!r.compatible || firstProblem < r.value.size()) {
                        scanRead(kd, r);
                    }
                    intermediateRead(kd, r);
                }
            }
        }

        private void scanRead(KeyData kd, ReadObs r) {
            Set<Long> inRead = new HashSet<>();
            List<Long> dups = new ArrayList<>();
            List<Long> garbage = new ArrayList<>();
            Map<Integer, Long> abortedWriters = new LinkedHashMap<>();
            for (Long e : r.value) {
                kd.observed.add(e);
                if (!inRead.add(e)) {
                    dups.add(e);
                }
                Writer w = kd.writers.get(e);
                if (w == null) {
                    garbage.add(e);
                } else if (txns[w.txn()].outcome() == Outcome.ABORTED) {
                    abortedWriters.putIfAbsent(w.txn(), e);
                } else if (txns[w.txn()].outcome() == Outcome.UNKNOWN) {
                    observedTxn[w.txn()] = true;
                }
            }
            if (!dups.isEmpty()) {
                report(AnomalyType.DUPLICATE_ELEMENT, List.of(id(r.txn)), () -> t(r.txn) + " read " + kd.name
                        + " = " + brief(r.value) + ", which holds " + brief(dups) + " more than once");
            }
            if (!garbage.isEmpty()) {
                report(AnomalyType.GARBAGE_READ, List.of(id(r.txn)), () -> t(r.txn) + " read " + kd.name
                        + " = " + brief(r.value) + ", but no transaction appended " + brief(garbage));
            }
            for (Map.Entry<Integer, Long> a : abortedWriters.entrySet()) {
                int w = a.getKey();
                report(AnomalyType.G1A, List.of(id(w), id(r.txn)), () -> t(r.txn) + " read " + kd.name + " = "
                        + brief(r.value) + ", which holds " + a.getValue() + ", appended by " + t(w)
                        + ", which aborted");
            }
        }

        private void intermediateRead(KeyData kd, ReadObs r) {
            int last = lastForeign(kd, r);
            if (last >= 0) {
                long e = r.value.get(last);
                Writer w = kd.writers.get(e);
                if (w != null && !w.finalForKey() && txns[w.txn()].outcome() != Outcome.ABORTED) {
                    report(AnomalyType.G1B, List.of(id(w.txn()), id(r.txn)), () -> t(r.txn) + " read "
                            + kd.name + " = " + brief(r.value) + ", whose last element " + e + " is an intermediate"
                            + " append of " + t(w.txn()) + ", which went on to append " + w.nextOwn() + " to "
                            + kd.name);
                }
            }
        }

        /** Index of the last element of the read not appended by the reader itself, or -1. */
        private static int lastForeign(KeyData kd, ReadObs r) {
            for (int j = r.value.size() - 1; j >= 0; j--) {
                Writer w = kd.writers.get(r.value.get(j));
                if (w == null || w.txn() != r.txn) {
                    return j;
                }
            }
            return -1;
        }

        // ---- phase 4: the dependency graph ----

        private void chooseGraphNodes() {
            inGraph = new boolean[txns.length];
            for (int i = 0; i < txns.length; i++) {
                Outcome o = txns[i].outcome();
                inGraph[i] = o == Outcome.COMMITTED || (o == Outcome.UNKNOWN && observedTxn[i]);
            }
        }

        private int graphWriter(KeyData kd, long element) {
            Writer w = kd.writers.get(element);
            return w != null && inGraph[w.txn()] ? w.txn() : -1;
        }

        private void addEdge(int src, int dst, int type, Witness witness) {
            if (src == dst) {
                return;
            }
            EdgeRec rec = edgeMap.computeIfAbsent((long) src * txns.length + dst, k -> new EdgeRec(src, dst));
            rec.mask |= type;
            switch (type) {
                case WW -> rec.ww = rec.ww == null ? witness : rec.ww;
                case WR -> rec.wr = rec.wr == null ? witness : rec.wr;
                case RW -> rec.rw = rec.rw == null ? witness : rec.rw;
                default -> throw new IllegalArgumentException("type " + type);
            }
        }

        private void dependencies() {
            for (KeyData kd : keys.values()) {
                // ww: consecutive appends (by graph transactions) in the version order
                Set<Long> seenInOrder = new HashSet<>();
                int prev = -1;
                long prevElement = 0;
                for (Long e : kd.order) {
                    if (!seenInOrder.add(e)) {
                        continue;
                    }
                    int w = graphWriter(kd, e);
                    if (w < 0) {
                        continue;
                    }
                    if (prev >= 0 && prev != w) {
                        addEdge(prev, w, WW, new Witness(kd.name, prevElement, true, e));
                    }
                    prev = w;
                    prevElement = e;
                }
                for (ReadObs r : kd.reads) {
                    // wr: the writer of the last element the reader did not append itself
                    int last = lastForeign(kd, r);
                    if (last >= 0) {
                        long e = r.value.get(last);
                        int w = graphWriter(kd, e);
                        if (w >= 0) {
                            addEdge(w, r.txn, WR, new Witness(kd.name, e, true, e));
                        }
                    }
                    if (!r.compatible) {
                        continue;
                    }
                    // rw: the writer of the element that follows the version read
                    int n = r.value.size();
                    for (int j = n; j < kd.order.size(); j++) {
                        int w = graphWriter(kd, kd.order.get(j));
                        if (w >= 0) {
                            boolean hasA = n > 0;
                            addEdge(r.txn, w, RW, new Witness(kd.name, hasA ? r.value.get(n - 1) : 0, hasA,
                                    kd.order.get(j)));
                            break;
                        }
                    }
                    lostUpdate(kd, r);
                }
            }
        }

        /**
         * A transaction that read version V of a key and then appended x made V+[x] the next version, so whatever
         * follows V in the version order must be x. When something else follows V and x never shows up anywhere, no
         * edge can expose the loss; report it directly.
         */
        private void lostUpdate(KeyData kd, ReadObs r) {
            int n = r.value.size();
            if (!r.internalOk || n >= kd.order.size()) {
                return;
            }
            List<Op> ops = txns[r.txn].ops();
            Long x = null;
            for (int p = r.op + 1; p < ops.size() && x == null; p++) {
                if (ops.get(p) instanceof Append a && a.key().equals(kd.name)) {
                    x = a.element();
                }
            }
            if (x == null || kd.observed.contains(x)) {
                return;
            }
            long mine = x;
            long next = kd.order.get(n);
            Writer w = kd.writers.get(next);
            if (w != null && w.txn() == r.txn) {
                return;
            }
            List<Long> ids = w == null ? List.of(id(r.txn)) : List.of(id(r.txn), id(w.txn()));
            String by = w == null ? "nobody's" : t(w.txn()) + "'s";
            ReadObs longest = kd.longest;
            report(AnomalyType.LOST_UPDATE, ids, () -> t(r.txn) + " read " + kd.name + " = " + brief(r.value)
                    + " and then appended " + mine + ", so " + mine + " must follow that version; but " + by + " append of "
                    + next + " follows it (" + t(longest.txn) + " read " + brief(longest.value) + ") and " + mine
                    + " was never observed: " + t(r.txn) + "'s update was lost");
        }

        /** Strict serializability: a read invoked after a committed append completed must contain it. */
        private void staleReads() {
            for (KeyData kd : keys.values()) {
                long minDone = Long.MAX_VALUE;
                int writer = -1;
                long element = 0;
                for (Map.Entry<Long, Writer> e : kd.writers.entrySet()) {
                    int w = e.getValue().txn();
                    long done = txns[w].completeTime();
                    if (txns[w].outcome() == Outcome.COMMITTED && !kd.observed.contains(e.getKey())
                            && (done < minDone || (done == minDone && w < writer))) {
                        minDone = done;
                        writer = w;
                        element = e.getKey();
                    }
                }
                if (writer < 0) {
                    continue;
                }
                for (ReadObs r : kd.reads) {
                    if (txns[r.txn].invokeTime() > minDone) {
                        int w = writer;
                        long x = element;
                        long done = minDone;
                        report(AnomalyType.STALE_READ_REALTIME, List.of(id(w), id(r.txn)), () -> t(w) + " appended "
                                + x + " to " + kd.name + " and committed at " + done + "; " + t(r.txn)
                                + " was invoked later, at " + txns[r.txn].invokeTime() + ", yet read " + kd.name + " = "
                                + brief(r.value) + " without it (no read ever saw " + x + ")");
                    }
                }
            }
        }

        private void buildGraph() {
            int n = txns.length;
            List<EdgeRec> deps = new ArrayList<>(edgeMap.values());
            deps.sort((a, b) -> a.src != b.src ? Integer.compare(a.src, b.src) : Integer.compare(a.dst, b.dst));
            List<int[]> aux = new ArrayList<>();
            auxTime = new long[0];
            if (options.realtime()) {
                long[] times = Arrays.stream(txnIndices()).filter(i -> inGraph[i])
                        .mapToLong(i -> txns[i].completeTime()).filter(c -> c != Long.MAX_VALUE).sorted().distinct()
                        .toArray();
                auxTime = times;
                for (int i = 0; i < n; i++) {
                    if (!inGraph[i]) {
                        continue;
                    }
                    long done = txns[i].completeTime();
                    if (done != Long.MAX_VALUE) {
                        aux.add(new int[] {i, n + Arrays.binarySearch(times, done)});
                    }
                    int before = lowerIndex(times, txns[i].invokeTime());
                    if (before >= 0) {
                        aux.add(new int[] {n + before, i});
                    }
                }
                for (int j = 0; j + 1 < times.length; j++) {
                    aux.add(new int[] {n + j, n + j + 1});
                }
            }
            nodes = n + auxTime.length;
            int m = deps.size() + aux.size();
            int[] src = new int[m];
            int[] dst = new int[m];
            int[] mask = new int[m];
            EdgeRec[] rec = new EdgeRec[m];
            int k = 0;
            for (EdgeRec e : deps) {
                src[k] = e.src;
                dst[k] = e.dst;
                mask[k] = e.mask;
                rec[k++] = e;
            }
            for (int[] e : aux) {
                src[k] = e[0];
                dst[k] = e[1];
                mask[k++] = RT;
            }
            start = new int[nodes + 1];
            for (int i = 0; i < m; i++) {
                start[src[i] + 1]++;
            }
            for (int i = 0; i < nodes; i++) {
                start[i + 1] += start[i];
            }
            int[] fill = Arrays.copyOf(start, nodes);
            eSrc = new int[m];
            eDst = new int[m];
            eMask = new int[m];
            eRec = new EdgeRec[m];
            for (int i = 0; i < m; i++) {
                int at = fill[src[i]]++;
                eSrc[at] = src[i];
                eDst[at] = dst[i];
                eMask[at] = mask[i];
                eRec[at] = rec[i];
            }
            seen = new int[nodes];
            parentEdge = new int[nodes];
            queue = new int[nodes];
        }

        private int[] txnIndices() {
            int[] a = new int[txns.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = i;
            }
            return a;
        }

        /** The largest index whose time is strictly less than {@code t}, or -1. */
        private static int lowerIndex(long[] times, long t) {
            int lo = 0;
            int hi = times.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (times[mid] < t) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo - 1;
        }

        // ---- phase 5: cycles ----

        private void findCycles() {
            int[] comp = scc(WW);
            for (int[] members : components(comp)) {
                int e = internalEdge(members, comp, WW, WW);
                reportCycle(cycleThrough(e, WW, comp), WW);
            }
            comp = scc(WW | WR);
            for (int[] members : components(comp)) {
                int e = internalEdge(members, comp, WW | WR, WR);
                if (e >= 0) {
                    reportCycle(cycleThrough(e, WW | WR, comp), WW | WR);
                }
            }
            comp = scc(DEPS);
            for (int[] members : components(comp)) {
                if (internalEdge(members, comp, DEPS, RW) < 0) {
                    continue;
                }
                List<Integer> cycle = singleAntiDependencyCycle(members, comp);
                if (cycle == null) {
                    cycle = cycleThrough(internalEdge(members, comp, DEPS, RW), DEPS, comp);
                }
                reportCycle(cycle, DEPS);
            }
            if (options.realtime()) {
                int[] depsComp = comp;
                comp = scc(DEPS | RT);
                for (int[] members : components(comp)) {
                    if (withinOneComponent(members, depsComp)) {
                        continue; // real time adds no cycle that dependencies alone do not already show
                    }
                    int e = internalEdge(members, comp, DEPS | RT, RT);
                    if (e >= 0) {
                        reportCycle(cycleThrough(e, DEPS | RT, comp), DEPS | RT);
                    }
                }
            }
        }

        private boolean withinOneComponent(int[] members, int[] comp) {
            int c = -1;
            for (int v : members) {
                if (v < txns.length) {
                    if (c >= 0 && comp[v] != c) {
                        return false;
                    }
                    c = comp[v];
                }
            }
            return true;
        }

        /** Tarjan's algorithm, iteratively, over edges with a type in {@code allowed}; returns component ids. */
        private int[] scc(int allowed) {
            int[] index = new int[nodes];
            int[] low = new int[nodes];
            int[] comp = new int[nodes];
            int[] next = new int[nodes];
            boolean[] onStack = new boolean[nodes];
            int[] stack = new int[nodes];
            int[] calls = new int[nodes];
            Arrays.fill(index, -1);
            int counter = 0;
            int sp = 0;
            int comps = 0;
            for (int s = 0; s < nodes; s++) {
                if (index[s] >= 0) {
                    continue;
                }
                int cp = 0;
                calls[cp++] = s;
                index[s] = low[s] = counter++;
                stack[sp++] = s;
                onStack[s] = true;
                next[s] = start[s];
                while (cp > 0) {
                    int v = calls[cp - 1];
                    if (next[v] < start[v + 1]) {
                        int e = next[v]++;
                        if ((eMask[e] & allowed) == 0) {
                            continue;
                        }
                        int w = eDst[e];
                        if (index[w] < 0) {
                            index[w] = low[w] = counter++;
                            stack[sp++] = w;
                            onStack[w] = true;
                            next[w] = start[w];
                            calls[cp++] = w;
                        } else if (onStack[w]) {
                            low[v] = Math.min(low[v], index[w]);
                        }
                    } else {
                        cp--;
                        if (low[v] == index[v]) {
                            int w;
                            do {
                                w = stack[--sp];
                                onStack[w] = false;
                                comp[w] = comps;
                            } while (w != v);
                            comps++;
                        }
                        if (cp > 0) {
                            int u = calls[cp - 1];
                            low[u] = Math.min(low[u], low[v]);
                        }
                    }
                }
            }
            return comp;
        }

        /** The members of every component with two or more nodes, ordered by smallest member. */
        private List<int[]> components(int[] comp) {
            int max = 0;
            for (int c : comp) {
                max = Math.max(max, c + 1);
            }
            int[] size = new int[max];
            for (int c : comp) {
                size[c]++;
            }
            Map<Integer, int[]> byComp = new LinkedHashMap<>();
            int[] fill = new int[max];
            for (int v = 0; v < nodes; v++) {
                int c = comp[v];
                if (size[c] > 1) {
                    byComp.computeIfAbsent(c, x -> new int[size[x]])[fill[c]++] = v;
                }
            }
            return new ArrayList<>(byComp.values());
        }

        /** The type an edge counts as, among the allowed ones: the least severe (ww, then wr, rw, rt). */
        private static int label(int mask, int allowed) {
            return Integer.lowestOneBit(mask & allowed);
        }

        /** An edge inside the component that counts as {@code type}, or -1. */
        private int internalEdge(int[] members, int[] comp, int allowed, int type) {
            for (int v : members) {
                for (int e = start[v]; e < start[v + 1]; e++) {
                    if (comp[eDst[e]] == comp[v] && label(eMask[e], allowed) == type) {
                        return e;
                    }
                }
            }
            return -1;
        }

        /** A shortest path of allowed edges within the component from {@code from} to {@code to}, or null. */
        private List<Integer> path(int from, int to, int allowed, int[] comp, long[] budget) {
            int stamp = ++seenStamp;
            int head = 0;
            int tail = 0;
            queue[tail++] = from;
            seen[from] = stamp;
            int c = comp[from];
            while (head < tail) {
                int v = queue[head++];
                if (v == to) {
                    List<Integer> edges = new ArrayList<>();
                    for (int x = to; x != from; x = eSrc[parentEdge[x]]) {
                        edges.add(parentEdge[x]);
                    }
                    Collections.reverse(edges);
                    return edges;
                }
                for (int e = start[v]; e < start[v + 1]; e++) {
                    if (budget != null && --budget[0] < 0) {
                        return null;
                    }
                    int w = eDst[e];
                    if ((eMask[e] & allowed) != 0 && seen[w] != stamp && comp[w] == c) {
                        seen[w] = stamp;
                        parentEdge[w] = e;
                        queue[tail++] = w;
                    }
                }
            }
            return null;
        }

        /** The edge, then a shortest way back: a cycle (as edge indices) inside the edge's component. */
        private List<Integer> cycleThrough(int edge, int allowed, int[] comp) {
            List<Integer> back = path(eDst[edge], eSrc[edge], allowed, comp, null);
            if (back == null) {
                throw new IllegalStateException("an edge inside a strongly connected component lies on no cycle");
            }
            List<Integer> cycle = new ArrayList<>();
            cycle.add(edge);
            cycle.addAll(back);
            return cycle;
        }

        /** A cycle of one rw edge closed by ww/wr edges, searched within a budget; null if none was found. */
        private List<Integer> singleAntiDependencyCycle(int[] members, int[] comp) {
            Map<Integer, List<Integer>> rwInto = new LinkedHashMap<>();
            for (int v : members) {
                for (int e = start[v]; e < start[v + 1]; e++) {
                    if (comp[eDst[e]] == comp[v] && label(eMask[e], DEPS) == RW) {
                        rwInto.computeIfAbsent(eDst[e], x -> new ArrayList<>()).add(e);
                    }
                }
            }
            long[] budget = {G_SINGLE_BUDGET};
            for (Map.Entry<Integer, List<Integer>> target : rwInto.entrySet()) {
                int b = target.getKey();
                // one search from b answers every rw edge into b
                reachAll(b, WW | WR, comp, budget);
                if (budget[0] < 0) {
                    return null;
                }
                int stamp = seenStamp;
                for (int e : target.getValue()) {
                    if (seen[eSrc[e]] == stamp) {
                        return cycleThrough(e, WW | WR, comp);
                    }
                }
            }
            return null;
        }

        private void reachAll(int from, int allowed, int[] comp, long[] budget) {
            int stamp = ++seenStamp;
            int head = 0;
            int tail = 0;
            queue[tail++] = from;
            seen[from] = stamp;
            while (head < tail) {
                int v = queue[head++];
                for (int e = start[v]; e < start[v + 1]; e++) {
                    if (--budget[0] < 0) {
                        return;
                    }
                    int w = eDst[e];
                    if ((eMask[e] & allowed) != 0 && seen[w] != stamp && comp[w] == comp[from]) {
                        seen[w] = stamp;
                        queue[tail++] = w;
                    }
                }
            }
        }

        /** Collapses runs through real-time auxiliaries into single rt steps between transactions. */
        private List<Step> steps(List<Integer> cycle, int allowed) {
            int n = txns.length;
            // rotate so the cycle starts at a transaction
            int first = 0;
            while (eSrc[cycle.get(first)] >= n) {
                first++;
            }
            List<Step> steps = new ArrayList<>();
            int from = -1;
            for (int i = 0; i < cycle.size(); i++) {
                int e = cycle.get((first + i) % cycle.size());
                int s = eSrc[e];
                int d = eDst[e];
                if (s < n && d < n) {
                    steps.add(new Step(s, d, label(eMask[e], allowed), eRec[e]));
                } else if (s < n) {
                    from = s;
                } else if (d < n) {
                    steps.add(new Step(from, d, RT, null));
                }
            }
            return steps;
        }

        private void reportCycle(List<Integer> cycle, int allowed) {
            List<Step> steps = steps(cycle, allowed);
            int wr = 0;
            int rw = 0;
            int rt = 0;
            for (Step s : steps) {
                wr += s.type() == WR ? 1 : 0;
                rw += s.type() == RW ? 1 : 0;
                rt += s.type() == RT ? 1 : 0;
            }
            AnomalyType type;
            String what;
            if (rt == 0) {
                type = rw == 0 ? (wr == 0 ? AnomalyType.G0 : AnomalyType.G1C)
                        : rw == 1 ? AnomalyType.G_SINGLE : AnomalyType.G2;
                what = switch (type) {
                    case G0 -> "write cycle: every edge is a write-write dependency";
                    case G1C -> "circular information flow: write-write and write-read dependencies only";
                    case G_SINGLE -> "a cycle with exactly one read-write anti-dependency (read skew, lost update)";
                    default -> "a cycle with " + rw + " read-write anti-dependencies (write skew)";
                };
            } else {
                type = rw == 0 ? (wr == 0 ? AnomalyType.G0_REALTIME : AnomalyType.G1C_REALTIME)
                        : rw == 1 ? AnomalyType.G_SINGLE_REALTIME : AnomalyType.G2_REALTIME;
                what = "a cycle that needs " + rt + " real-time edge(s) (one transaction finished before the next began),"
                        + " with " + rw + " anti-dependencies: not strictly serializable";
            }
            List<Long> ids = new ArrayList<>();
            for (Step s : steps) {
                ids.add(id(s.from()));
            }
            report(type, ids, () -> explainCycle(steps, what));
        }

        private String explainCycle(List<Step> steps, String what) {
            StringBuilder sb = new StringBuilder();
            sb.append(what).append("; cycle of ").append(steps.size()).append(" transactions: ");
            int shown = Math.min(steps.size(), options.maxCycleSteps());
            for (int i = 0; i < shown; i++) {
                Step s = steps.get(i);
                if (i == 0) {
                    sb.append(t(s.from()));
                }
                sb.append(" -").append(name(s.type())).append("-> ").append(t(s.to()));
            }
            if (shown < steps.size()) {
                sb.append(" ... (").append(steps.size() - shown).append(" more steps back to ")
                        .append(t(steps.get(0).from())).append(')');
            }
            sb.append(". Because: ");
            for (int i = 0; i < shown; i++) {
                if (i > 0) {
                    sb.append("; ");
                }
                sb.append(because(steps.get(i)));
            }
            if (shown < steps.size()) {
                sb.append("; ...");
            }
            return sb.toString();
        }

        private static String name(int type) {
            return switch (type) {
                case WW -> "ww";
                case WR -> "wr";
                case RW -> "rw";
                case RT -> "rt";
                default -> "?";
            };
        }

        private String because(Step s) {
            String a = t(s.from());
            String b = t(s.to());
            switch (s.type()) {
                case WW -> {
                    Witness w = s.rec().ww;
                    return b + "'s append of " + w.b() + " follows " + a + "'s append of " + w.a() + " in the order of "
                            + w.key();
                }
                case WR -> {
                    Witness w = s.rec().wr;
                    return b + " read " + a + "'s append of " + w.a() + " to " + w.key();
                }
                case RW -> {
                    Witness w = s.rec().rw;
                    String version = w.hasA() ? "up to " + w.a() : "as empty";
                    return a + " read " + w.key() + " " + version + ", and " + b + "'s append of " + w.b()
                            + " comes next";
                }
                default -> {
                    return a + " completed at " + txns[s.from()].completeTime() + ", before " + b + " was invoked at "
                            + txns[s.to()].invokeTime();
                }
            }
        }
    }

    /** A list, abbreviated when long. */
    static String brief(List<Long> list) {
        if (list.size() <= 8) {
            return list.toString();
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 3; i++) {
            sb.append(list.get(i)).append(", ");
        }
        sb.append("...");
        for (int i = list.size() - 3; i < list.size(); i++) {
            sb.append(", ").append(list.get(i));
        }
        return sb.append("] (").append(list.size()).append(" elements)").toString();
    }
}
