package io.homeostat.sim;

import io.homeostat.check.BankChecker;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The bank workload: accounts start at a known balance; clients move random amounts between two accounts in one
 * transaction (never overdrawing); an auditor reads every account in one read-only transaction. Every committed audit
 * must see the initial total and no negative balance ({@link BankChecker}).
 */
public final class BankWorkload {

    static final int ACCOUNTS = 8;
    static final long INITIAL = 100;
    private static final long MS = 1_000;
    private static final long STEP_TIMEOUT_MS = 3_000;

    /** What the workload saw. */
    public record Outcome(long committed, long aborted, int audits, BankChecker.Result check, String lastFailure) {
        public boolean ok() {
            return check.ok() && audits > 0;
        }
    }

    private final StoreSimulation s;
    private final List<BankChecker.Observation<String>> audits = new ArrayList<>();
    private long committed;
    private long aborted;
    private long nextAuditId;
    private boolean initialized;
    private boolean finalDone;
    private String lastFailure = "";

    BankWorkload(StoreSimulation s) {
        this.s = s;
    }

    private static String account(int i) {
        return "acct" + i;
    }

    void start(long at) {
        s.sim.at(at, this::initialize);
    }

    /** Reads every account (absent), then writes the initial balances in one transaction; retried until it commits. */
    private void initialize() {
        step(done -> initializeOnce(done), () -> {
            if (!initialized) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::initialize);
            }
        });
    }

    private void initializeOnce(Runnable done) {
        readAll(s.randomLive(), reads -> {
            List<TxItem> items = new ArrayList<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                items.add(new TxItem(Key.of(account(i)), reads.get(i).tag, true, balance(INITIAL)));
            }
            Address at = s.randomLive();
            if (s.node(at) == null) {
                done.run();
                return;
            }
            s.node(at).transactions().commit(s.sim.node(at), items, callback(() -> {
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

    /**
     * Runs {@code body} with a completion handle that fires at most once: on the step's own outcome, or after
     * {@code STEP_TIMEOUT_MS} if the coordinating node crashed and will never answer.
     */
    private void step(Consumer<Runnable> body, Runnable next) {
        boolean[] done = {false};
        Runnable once = () -> {
            if (!done[0]) {
                done[0] = true;
                next.run();
            }
        };
        s.sim.at(s.sim.nowMicros() + STEP_TIMEOUT_MS * MS, once);
        body.accept(once);
    }

    private void transfer(int client) {
        if (!s.issuing) {
            return;
        }
        step(done -> transferOnce(done), () -> s.sim.at(s.sim.nowMicros() + 5 * MS, () -> transfer(client)));
    }

    private void transferOnce(Runnable next) {
        int from = s.sim.random().nextInt(ACCOUNTS);
        int to = (from + 1 + s.sim.random().nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        long amount = 1 + s.sim.random().nextInt(10);
        Address at = s.randomLive();
        read(at, account(from), a -> read(at, account(to), b -> {
            if (s.node(at) == null || a.balance() < amount) {
                next.run();
                return;
            }
            List<TxItem> items = List.of(
                    new TxItem(Key.of(account(from)), a.tag, true, balance(a.balance() - amount)),
                    new TxItem(Key.of(account(to)), b.tag, true, balance(b.balance() + amount)));
            s.node(at).transactions().commit(s.sim.node(at), items, callback(next, next));
        }, next), next);
    }

    private void audit() {
        if (!s.issuing) {
            return;
        }
        step(done -> auditOnce(done, done), () -> s.sim.at(s.sim.nowMicros() + 200 * MS, this::audit));
    }

    /** After the heal: one more audit, retried until it commits. */
    void finalAudit() {
        if (!initialized) {
            finalDone = true;
            return;
        }
        step(done -> auditOnce(() -> {
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
        readAll(at, reads -> {
            List<TxItem> items = new ArrayList<>();
            Map<String, Long> balances = new LinkedHashMap<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                items.add(new TxItem(Key.of(account(i)), reads.get(i).tag, false, null));
                balances.put(account(i), reads.get(i).balance());
            }
            if (s.node(at) == null) {
                retry.run();
                return;
            }
            s.node(at).transactions().commit(s.sim.node(at), items, callback(() -> {
                audits.add(new BankChecker.Observation<>(++nextAuditId, balances));
                after.run();
            }, retry));
        }, retry);
    }

    Outcome result() {
        Map<String, Long> initial = new LinkedHashMap<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            initial.put(account(i), INITIAL);
        }
        return new Outcome(committed, aborted, audits.size(), BankChecker.check(initial, audits, false),
                lastFailure);
    }

    // ------------------------------------------------------------------ helpers

    private record Read(Tag tag, Bytes value) {
        long balance() {
            return value == null ? 0 : Long.parseLong(new String(value.toBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Bytes balance(long b) {
        return Bytes.of(Long.toString(b));
    }

    private void read(Address at, String key, Consumer<Read> then, Runnable failed) {
        HomeostatNode n = s.node(at);
        if (n == null) {
            failed.run();
            return;
        }
        n.replicas().read(s.sim.node(at), Key.of(key), new ReplicaManager.OpCallback() {
            @Override
            public void done(Bytes value) {
                throw new IllegalStateException("tagged reads only");
            }

            @Override
            public void doneTagged(Tag tag, Bytes value) {
                then.accept(new Read(tag, value));
            }

            @Override
            public void failed(ReplicaManager.Failure failure, String reason) {
                lastFailure = "read " + failure + ": " + reason;
                failed.run();
            }
        });
    }

    private void readAll(Address at, Consumer<List<Read>> then, Runnable failed) {
        List<Read> out = new ArrayList<>();
        readNext(at, 0, out, then, failed);
    }

    private void readNext(Address at, int i, List<Read> out, Consumer<List<Read>> then, Runnable failed) {
        if (i == ACCOUNTS) {
            then.accept(out);
            return;
        }
        read(at, account(i), r -> {
            out.add(r);
            readNext(at, i + 1, out, then, failed);
        }, failed);
    }

    private TransactionManager.CommitCallback callback(Runnable onCommit, Runnable onAbort) {
        return new TransactionManager.CommitCallback() {
            @Override
            public void committed() {
                committed++;
                onCommit.run();
            }

            @Override
            public void aborted(String reason) {
                aborted++;
                lastFailure = "abort: " + reason;
                onAbort.run();
            }
        };
    }
}
