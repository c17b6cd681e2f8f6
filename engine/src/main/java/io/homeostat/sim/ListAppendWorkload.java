package io.homeostat.sim;

import io.homeostat.check.ListAppendChecker;
import io.homeostat.check.ListAppendChecker.Op;
import io.homeostat.check.ListAppendChecker.Txn;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.List;

/**
 * Elle's list-append workload, checked for strict serializability (real-time order included): transactions read
 * and append to a few of {@value #KEYS} lists; each list is stored as one value, so an append is a read, a tag check
 * and a write in one Paxos Commit. A fifth of the operations are plain single-key reads outside any transaction (the
 * public API's {@code get}), recorded as one-read transactions: a stale read then shows as a real-time cycle. After the
 * heal a read-only transaction observes every list once more.
 */
final class ListAppendWorkload {

    static final int KEYS = 5;
    private static final int CLIENTS = 3;
    private static final long MS = 1_000;
    private static final List<String> LIST_KEYS = AuditedWorkload.keys("list", KEYS);

    /** One transaction in flight or done, as the client saw it. */
    private static final class Attempt {
        final long id;
        final int client;
        final long invokedMicros;
        final List<String> keys;
        final List<Long> appends; // per key: the element appended, or null for a read
        Txn recorded;

        Attempt(long id, int client, long invokedMicros, List<String> keys, List<Long> appends) {
            this.id = id;
            this.client = client;
            this.invokedMicros = invokedMicros;
            this.keys = keys;
            this.appends = appends;
        }
    }

    private final StoreSimulation s;
    private final TxnSteps t;
    private final List<Attempt> attempts = new ArrayList<>();
    private long nextElement;
    private boolean finalDone;

    ListAppendWorkload(StoreSimulation s) {
        this.s = s;
        this.t = new TxnSteps(s);
    }

    void start(long at) {
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            s.sim.at(at + c * MS, () -> next(client));
        }
    }

    private void next(int client) {
        if (!s.issuing) {
            return;
        }
        t.step(done -> once(client, done), () -> s.sim.at(s.sim.nowMicros() + 5 * MS, () -> next(client)));
    }

    private void once(int client, Runnable done) {
        Address at = s.randomLive();
        if (s.sim.random().nextInt(5) == 0) {
            plainRead(client, at, done);
            return;
        }
        List<String> keys = new ArrayList<>(LIST_KEYS);
        int n = 1 + s.sim.random().nextInt(3);
        List<String> chosen = new ArrayList<>();
        List<Long> appends = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            chosen.add(keys.remove(s.sim.random().nextInt(keys.size())));
            appends.add(s.sim.random().nextBoolean() ? ++nextElement : null);
        }
        transact(new Attempt(attempts.size(), client, s.sim.nowMicros(), chosen, appends), at, done);
    }

    /** A single-key read outside any transaction: one quorum read. */
    private void plainRead(int client, Address at, Runnable done) {
        String key = LIST_KEYS.get(s.sim.random().nextInt(KEYS));
        Attempt a = new Attempt(attempts.size(), client, s.sim.nowMicros(), List.of(key), java.util.Arrays.asList(
                (Long) null));
        attempts.add(a);
        t.read(at, key, r -> {
            a.recorded = Txn.committed(a.id, client, a.invokedMicros, s.sim.nowMicros(),
                    Op.read(key, elements(r)));
            done.run();
        }, () -> {
            a.recorded = Txn.aborted(a.id, client, a.invokedMicros, s.sim.nowMicros(), Op.read(key));
            done.run();
        });
    }

    private void transact(Attempt a, Address at, Runnable done) {
        attempts.add(a);
        t.readAll(at, a.keys, reads -> {
            List<TxItem> items = new ArrayList<>();
            List<Op> observed = new ArrayList<>();
            for (int i = 0; i < a.keys.size(); i++) {
                String key = a.keys.get(i);
                TxnSteps.Read r = reads.get(i);
                observed.add(Op.read(key, elements(r)));
                Long e = a.appends.get(i);
                if (e == null) {
                    items.add(TxnSteps.readOnly(key, r.tag()));
                } else {
                    String old = r.text();
                    items.add(TxnSteps.write(key, r.tag(), old == null || old.isEmpty() ? e.toString() : old + "," + e));
                    observed.add(Op.append(key, e));
                }
            }
            t.commit(at, items, new TxnSteps.Outcome() {
                @Override
                public void committed() {
                    a.recorded = new Txn(a.id, a.client, a.invokedMicros, s.sim.nowMicros(),
                            ListAppendChecker.Outcome.COMMITTED, observed);
                    done.run();
                }

                @Override
                public void aborted(String reason) {
                    a.recorded = new Txn(a.id, a.client, a.invokedMicros, s.sim.nowMicros(),
                            ListAppendChecker.Outcome.ABORTED, unobserved(a));
                    done.run();
                }

                @Override
                public void unknown(String reason) {
                    done.run(); // stays unrecorded: unknown, with no known completion time
                }
            });
        }, () -> {
            a.recorded = new Txn(a.id, a.client, a.invokedMicros, s.sim.nowMicros(),
                    ListAppendChecker.Outcome.ABORTED, unobserved(a));
            done.run();
        });
    }

    /** After the heal: one read-only transaction over every list, retried until it commits. */
    void finalRead() {
        t.step(done -> {
            Attempt a = new Attempt(attempts.size(), 99, s.sim.nowMicros(), LIST_KEYS,
                    java.util.Collections.nCopies(KEYS, (Long) null));
            transact(a, s.randomLive(), () -> {
                if (a.recorded != null && a.recorded.outcome() == ListAppendChecker.Outcome.COMMITTED) {
                    finalDone = true;
                }
                done.run();
            });
        }, () -> {
            if (!finalDone) {
                s.sim.at(s.sim.nowMicros() + 50 * MS, this::finalRead);
            }
        });
    }

    boolean finished() {
        return finalDone;
    }

    /** The history, unfinished attempts recorded as unknown, checked for strict serializability. */
    ListAppendChecker.Result check() {
        List<Txn> history = new ArrayList<>();
        for (Attempt a : attempts) {
            history.add(a.recorded != null ? a.recorded
                    : new Txn(a.id, a.client, a.invokedMicros, Long.MAX_VALUE, ListAppendChecker.Outcome.UNKNOWN,
                            unobserved(a)));
        }
        return ListAppendChecker.check(history, ListAppendChecker.Options.strictSerializable());
    }

    long committed() {
        return t.committed;
    }

    long aborted() {
        return t.aborted + t.unknown;
    }

    private static List<Op> unobserved(Attempt a) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < a.keys.size(); i++) {
            ops.add(Op.read(a.keys.get(i)));
            if (a.appends.get(i) != null) {
                ops.add(Op.append(a.keys.get(i), a.appends.get(i)));
            }
        }
        return ops;
    }

    private static List<Long> elements(TxnSteps.Read r) {
        String v = r.text();
        List<Long> out = new ArrayList<>();
        if (v == null || v.isEmpty()) {
            return out;
        }
        for (String part : v.split(",")) {
            out.add(Long.parseLong(part));
        }
        return out;
    }
}
