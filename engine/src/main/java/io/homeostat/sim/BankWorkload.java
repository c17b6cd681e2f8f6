package io.homeostat.sim;

import io.homeostat.check.BankChecker;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bank workload: accounts start at a known balance; clients move random amounts between two accounts in one
 * transaction (never overdrawing); an auditor reads every account in one read-only transaction. Every committed audit
 * must see the initial total and no negative balance ({@link BankChecker}).
 */
public final class BankWorkload {

    static final int ACCOUNTS = 8;
    static final long INITIAL = 100;
    private static final long MS = 1_000;
    private static final List<String> ACCOUNT_KEYS;

    static {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            keys.add("acct" + i);
        }
        ACCOUNT_KEYS = List.copyOf(keys);
    }

    /** What the workload saw. */
    public record Outcome(long committed, long aborted, int audits, BankChecker.Result check, String lastFailure) {
        public boolean ok() {
            return check.ok() && audits > 0;
        }
    }

    private final StoreSimulation s;
    private final TxnSteps t;
    private final List<BankChecker.Observation<String>> audits = new ArrayList<>();
    private long nextAuditId;
    private boolean initialized;
    private boolean finalDone;

    BankWorkload(StoreSimulation s) {
        this.s = s;
        this.t = new TxnSteps(s);
    }

    void start(long at) {
        s.sim.at(at, this::initialize);
    }

    /** Reads every account (absent), then writes the initial balances in one transaction; retried until it commits. */
    private void initialize() {
        t.step(done -> initializeOnce(done), () -> {
            if (!initialized) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::initialize);
            }
        });
    }

    private void initializeOnce(Runnable done) {
        t.readAll(s.randomLive(), ACCOUNT_KEYS, reads -> {
            List<TxItem> items = new ArrayList<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                items.add(TxnSteps.write(ACCOUNT_KEYS.get(i), reads.get(i).tag(), Long.toString(INITIAL)));
            }
            t.commit(s.randomLive(), items, TxnSteps.onCommit(() -> {
                initialized = true;
                for (int c = 0; c < 4; c++) {
                    int client = c;
                    s.sim.at(s.sim.nowMicros() + c * MS, () -> transfer(client));
                }
                s.sim.at(s.sim.nowMicros() + 500 * MS, this::audit);
                done.run();
            }, done));
        }, done);
    }

    private void transfer(int client) {
        if (!s.issuing) {
            return;
        }
        t.step(done -> transferOnce(done), () -> s.sim.at(s.sim.nowMicros() + 5 * MS, () -> transfer(client)));
    }

    private void transferOnce(Runnable next) {
        int from = s.sim.random().nextInt(ACCOUNTS);
        int to = (from + 1 + s.sim.random().nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + s.sim.random().nextInt(10);
        Address at = s.randomLive();
        t.readAll(at, List.of(ACCOUNT_KEYS.get(from), ACCOUNT_KEYS.get(to)), r -> {
            long a = balance(r.get(0));
            long b = balance(r.get(1));
            if (a < amount) {
                next.run();
                return;
            }
            t.commit(at, List.of(
                    TxnSteps.write(ACCOUNT_KEYS.get(from), r.get(0).tag(), Long.toString(a - amount)),
                    TxnSteps.write(ACCOUNT_KEYS.get(to), r.get(1).tag(), Long.toString(b + amount))),
                    TxnSteps.onCommit(next, next));
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

    /** One audit attempt: {@code after} runs if it committed, {@code retry} if it did not. */
    private void auditOnce(Runnable after, Runnable retry) {
        Address at = s.randomLive();
        t.readAll(at, ACCOUNT_KEYS, reads -> {
            List<TxItem> items = new ArrayList<>();
            Map<String, Long> balances = new LinkedHashMap<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                items.add(TxnSteps.readOnly(ACCOUNT_KEYS.get(i), reads.get(i).tag()));
                balances.put(ACCOUNT_KEYS.get(i), balance(reads.get(i)));
            }
            t.commit(at, items, TxnSteps.onCommit(() -> {
                audits.add(new BankChecker.Observation<>(++nextAuditId, balances));
                after.run();
            }, retry));
        }, retry);
    }

    Outcome result() {
        Map<String, Long> initial = new LinkedHashMap<>();
        for (String a : ACCOUNT_KEYS) {
            initial.put(a, INITIAL);
        }
        return new Outcome(t.committed, t.aborted + t.unknown, audits.size(),
                BankChecker.check(initial, audits, false), t.lastFailure);
    }

    private static long balance(TxnSteps.Read r) {
        return r.value() == null ? 0 : Long.parseLong(r.text());
    }
}
