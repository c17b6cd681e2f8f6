package io.homeostat.sim;

import io.homeostat.replica.TransactionManager.TxItem;
import java.util.ArrayList;
import java.util.List;

/**
 * The life cycle the bank and Cycle workloads share: an initial transaction that writes every key (retried until it
 * commits), clients started once it has, periodic read-only audits while the safety phase lasts, and after the heal
 * one final audit retried until it commits. Subclasses say what the keys hold and what an audit checks.
 */
abstract class AuditedWorkload {

    private static final long MS = 1_000;

    final StoreSimulation s;
    final TxnSteps t;
    private final List<String> keys;
    private final long auditPeriodMillis;
    private boolean initialized;
    private boolean finalDone;

    AuditedWorkload(StoreSimulation s, List<String> keys, long auditPeriodMillis) {
        this.s = s;
        this.t = new TxnSteps(s);
        this.keys = List.copyOf(keys);
        this.auditPeriodMillis = auditPeriodMillis;
    }

    /** The value key {@code index} starts with. */
    abstract String initialValue(int index);

    /** Starts the clients, once the initial values are committed. */
    abstract void startClients();

    /** Judges one committed audit: the values read, by key index (null where a key had none). */
    abstract void audited(List<String> values);

    final void start(long at) {
        s.sim.at(at, this::initialize);
    }

    /** Reads every key (absent), then writes the initial values in one transaction; retried until it commits. */
    private void initialize() {
        t.step(done -> t.readAll(s.randomLive(), keys, reads -> {
            List<TxItem> items = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                items.add(TxnSteps.write(keys.get(i), reads.get(i).tag(), initialValue(i)));
            }
            t.commit(s.randomLive(), items, TxnSteps.onCommit(() -> {
                initialized = true;
                startClients();
                s.sim.at(s.sim.nowMicros() + auditPeriodMillis * MS, this::audit);
                done.run();
            }, done));
        }, done), () -> {
            if (!initialized) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::initialize);
            }
        });
    }

    private void audit() {
        if (!s.issuing) {
            return;
        }
        t.step(done -> auditOnce(done, done),
                () -> s.sim.at(s.sim.nowMicros() + auditPeriodMillis * MS, this::audit));
    }

    /** After the heal: one more audit, retried until it commits. */
    final void finalAudit() {
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

    final boolean finished() {
        return finalDone;
    }

    /** One audit: every key read, then committed as a read-only transaction; {@code after} if it committed. */
    private void auditOnce(Runnable after, Runnable retry) {
        var at = s.randomLive();
        t.readAll(at, keys, reads -> {
            List<TxItem> items = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                items.add(TxnSteps.readOnly(keys.get(i), reads.get(i).tag()));
                values.add(reads.get(i).text());
            }
            t.commit(at, items, TxnSteps.onCommit(() -> {
                audited(values);
                after.run();
            }, retry));
        }, retry);
    }

    /** Names {@code prefix}0 .. {@code prefix}(n-1). */
    static List<String> keys(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return List.copyOf(out);
    }
}
