package io.homeostat.sim;

import io.homeostat.check.CycleChecker;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * FoundationDB's Cycle workload over Paxos Commit: {@value #KEYS} keys hold pointers forming one cycle; each
 * transaction reads a -&gt; b -&gt; c -&gt; d and rewrites them as a -&gt; c -&gt; b -&gt; d; audits read every pointer
 * in one read-only transaction, and each committed audit must still be one cycle through every key
 * ({@link CycleChecker}).
 */
public final class CycleWorkload {

    static final int KEYS = 6;
    private static final long MS = 1_000;
    private static final List<String> CYCLE_KEYS;

    static {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add("cyc" + i);
        }
        CYCLE_KEYS = List.copyOf(keys);
    }

    /** What the workload saw: every committed audit's check, and the first failing one if any. */
    public record Outcome(long committed, long aborted, int audits, CycleChecker.Result firstViolation) {
        public boolean ok() {
            return firstViolation == null && audits > 0;
        }

        public String describe() {
            return firstViolation != null ? firstViolation.explanation()
                    : "cycle: " + audits + " audits, " + committed + " committed";
        }
    }

    private final StoreSimulation s;
    private final TxnSteps t;
    private boolean initialized;
    private boolean finalDone;
    private int audits;
    private CycleChecker.Result firstViolation;

    CycleWorkload(StoreSimulation s) {
        this.s = s;
        this.t = new TxnSteps(s);
    }

    void start(long at) {
        s.sim.at(at, this::initialize);
    }

    private void initialize() {
        t.step(done -> t.readAll(s.randomLive(), CYCLE_KEYS, reads -> {
            int[] initial = CycleChecker.initialPointers(KEYS);
            List<TxItem> items = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                items.add(TxnSteps.write(CYCLE_KEYS.get(i), reads.get(i).tag(), Integer.toString(initial[i])));
            }
            t.commit(s.randomLive(), items, TxnSteps.onCommit(() -> {
                initialized = true;
                for (int c = 0; c < 2; c++) {
                    int client = c;
                    s.sim.at(s.sim.nowMicros() + c * MS, () -> swap(client));
                }
                s.sim.at(s.sim.nowMicros() + 300 * MS, this::audit);
                done.run();
            }, done));
        }, done), () -> {
            if (!initialized) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::initialize);
            }
        });
    }

    private void swap(int client) {
        if (!s.issuing) {
            return;
        }
        t.step(this::swapOnce, () -> s.sim.at(s.sim.nowMicros() + 5 * MS, () -> swap(client)));
    }

    /** Reads a, then b = *a, c = *b, d = *c (each read depends on the last), then commits the swap of b and c. */
    private void swapOnce(Runnable next) {
        int a = s.sim.random().nextInt(KEYS);
        Address at = s.randomLive();
        t.read(at, CYCLE_KEYS.get(a), ra -> {
            int b = pointer(ra);
            if (b < 0) {
                next.run(); // a broken read; the audits report it if it was committed state
                return;
            }
            t.read(at, CYCLE_KEYS.get(b), rb -> {
                int c = pointer(rb);
                if (c < 0) {
                    next.run();
                    return;
                }
                t.read(at, CYCLE_KEYS.get(c), rc -> {
                    int d = pointer(rc);
                    if (d < 0 || a == b || a == c || b == c) {
                        next.run();
                        return;
                    }
                    t.commit(at, List.of(
                            TxnSteps.write(CYCLE_KEYS.get(a), ra.tag(), Integer.toString(c)),
                            TxnSteps.write(CYCLE_KEYS.get(c), rc.tag(), Integer.toString(b)),
                            TxnSteps.write(CYCLE_KEYS.get(b), rb.tag(), Integer.toString(d))),
                            TxnSteps.onCommit(next, next));
                }, next);
            }, next);
        }, next);
    }

    private void audit() {
        if (!s.issuing) {
            return;
        }
        t.step(done -> auditOnce(done, done), () -> s.sim.at(s.sim.nowMicros() + 200 * MS, this::audit));
    }

    /** After the heal: one more audit, retried until it commits. */
    void finalAudit() {
        if (!initialized) {
            // the initial transaction may need the heal (its groups had no majority): it keeps retrying meanwhile
            s.sim.at(s.sim.nowMicros() + 50 * MS, this::finalAudit);
            return;
        }
        t.step(done -> auditOnce(() -> {
            finalDone = true;
            done.run();
        }, done), () -> {
            if (!finalDone) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::finalAudit);
            }
        });
    }

    boolean finished() {
        return finalDone;
    }

    private void auditOnce(Runnable after, Runnable retry) {
        Address at = s.randomLive();
        t.readAll(at, CYCLE_KEYS, reads -> {
            List<TxItem> items = new ArrayList<>();
            Map<Integer, Integer> read = new TreeMap<>();
            for (int i = 0; i < KEYS; i++) {
                items.add(TxnSteps.readOnly(CYCLE_KEYS.get(i), reads.get(i).tag()));
                int p = pointer(reads.get(i));
                read.put(i, p < 0 ? null : p);
            }
            t.commit(at, items, TxnSteps.onCommit(() -> {
                audits++;
                CycleChecker.Result r = CycleChecker.check(KEYS, read);
                if (!r.ok() && firstViolation == null) {
                    firstViolation = r;
                }
                after.run();
            }, retry));
        }, retry);
    }

    Outcome result() {
        return new Outcome(t.committed, t.aborted + t.unknown, audits, firstViolation);
    }

    /** The pointer a read holds, or -1 if the key has no value or not a number. */
    private static int pointer(TxnSteps.Read r) {
        String v = r.text();
        if (v == null) {
            return -1;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
