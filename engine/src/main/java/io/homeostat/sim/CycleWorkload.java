package io.homeostat.sim;

import io.homeostat.check.CycleChecker;
import io.homeostat.runtime.Address;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * FoundationDB's Cycle workload over Paxos Commit: {@value #KEYS} keys hold pointers forming one cycle; each
 * transaction reads a -&gt; b -&gt; c -&gt; d and rewrites them as a -&gt; c -&gt; b -&gt; d; audits read every pointer
 * in one read-only transaction, and each committed audit must still be one cycle through every key
 * ({@link CycleChecker}).
 */
public final class CycleWorkload extends AuditedWorkload {

    static final int KEYS = 6;
    private static final long MS = 1_000;
    private static final List<String> CYCLE_KEYS = keys("cyc", KEYS);

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

    private final int[] initial = CycleChecker.initialPointers(KEYS);
    private int audits;
    private CycleChecker.Result firstViolation;

    CycleWorkload(StoreSimulation s) {
        super(s, CYCLE_KEYS, 300);
    }

    @Override
    String initialValue(int index) {
        return Integer.toString(initial[index]);
    }

    @Override
    void startClients() {
        for (int c = 0; c < 2; c++) {
            int client = c;
            s.sim.at(s.sim.nowMicros() + c * MS, () -> swap(client));
        }
    }

    @Override
    void audited(List<String> values) {
        audits++;
        Map<Integer, Integer> read = new TreeMap<>();
        for (int i = 0; i < KEYS; i++) {
            int p = pointer(values.get(i));
            read.put(i, p < 0 ? null : p);
        }
        CycleChecker.Result r = CycleChecker.check(KEYS, read);
        if (!r.ok() && firstViolation == null) {
            firstViolation = r;
        }
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
            int b = pointer(ra.text());
            if (b < 0) {
                next.run(); // a broken read; the audits report it if it was committed state
                return;
            }
            t.read(at, CYCLE_KEYS.get(b), rb -> {
                int c = pointer(rb.text());
                if (c < 0) {
                    next.run();
                    return;
                }
                t.read(at, CYCLE_KEYS.get(c), rc -> {
                    int d = pointer(rc.text());
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

    Outcome result() {
        return new Outcome(t.committed, t.aborted + t.unknown, audits, firstViolation);
    }

    /** The pointer a value holds, or -1 if the key has no value or not a number. */
    private static int pointer(String v) {
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
