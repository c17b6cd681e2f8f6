package io.homeostat.sim;

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
import java.util.List;
import java.util.function.Consumer;

/**
 * What the simulated transaction workloads share: the client side of a transaction as the public API runs it (reads
 * that record tags, quorum or near, then a Paxos Commit of the items read and written), bounded steps, and counters.
 */
final class TxnSteps {

    private static final long MS = 1_000;
    /** A step whose coordinating node never answers (it crashed) is given up after this long. */
    static final long STEP_TIMEOUT_MS = 3_000;

    /** A tagged read: {@code value} is null when the key has none. */
    record Read(Tag tag, Bytes value) {
        String text() {
            return value == null ? null : new String(value.toBytes(), StandardCharsets.UTF_8);
        }
    }

    /** How a commit ended, as the client learned it. */
    interface Outcome {
        void committed();

        void aborted(String reason);

        void unknown(String reason);
    }

    final StoreSimulation s;
    long committed;
    long aborted;
    long unknown;
    String lastFailure = "";

    TxnSteps(StoreSimulation s) {
        this.s = s;
    }

    /**
     * Runs {@code body} with a completion handle that fires at most once: on the step's own outcome, or after
     * {@link #STEP_TIMEOUT_MS} if the coordinating node crashed and will never answer.
     */
    void step(Consumer<Runnable> body, Runnable next) {
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

    /**
     * A tagged read, as a transaction body's read: with read leases on, half of them through the near cache (what the
     * public API's transactions read first), else a quorum read.
     */
    void read(Address at, String key, Consumer<Read> then, Runnable failed) {
        HomeostatNode n = s.node(at);
        if (n == null) {
            failed.run();
            return;
        }
        ReplicaManager.OpCallback callback = new ReplicaManager.OpCallback() {
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
        };
        if (s.nearReads() && s.sim.random().nextBoolean()) {
            n.replicas().readNear(s.sim.node(at), Key.of(key), callback);
        } else {
            n.replicas().read(s.sim.node(at), Key.of(key), callback);
        }
    }

    /** Reads {@code keys} one after the other at one node. */
    void readAll(Address at, List<String> keys, Consumer<List<Read>> then, Runnable failed) {
        readNext(at, keys, 0, new ArrayList<>(), then, failed);
    }

    private void readNext(Address at, List<String> keys, int i, List<Read> out, Consumer<List<Read>> then,
            Runnable failed) {
        if (i == keys.size()) {
            then.accept(out);
            return;
        }
        read(at, keys.get(i), r -> {
            out.add(r);
            readNext(at, keys, i + 1, out, then, failed);
        }, failed);
    }

    /** Commits {@code items} at {@code at}; {@code outcome} hears how it ended (nothing if the node is gone). */
    void commit(Address at, List<TxItem> items, Outcome outcome) {
        HomeostatNode n = s.node(at);
        if (n == null) {
            outcome.aborted("node gone");
            return;
        }
        n.transactions().commit(s.sim.node(at), items, new TransactionManager.CommitCallback() {
            @Override
            public void committed() {
                committed++;
                outcome.committed();
            }

            @Override
            public void aborted(String reason) {
                aborted++;
                lastFailure = "abort: " + reason;
                outcome.aborted(reason);
            }

            @Override
            public void unknown(String reason) {
                unknown++;
                lastFailure = "unknown: " + reason;
                outcome.unknown(reason);
            }
        });
    }

    /** An outcome that runs {@code onCommit} on commit and {@code otherwise} on abort or unknown. */
    static Outcome onCommit(Runnable onCommit, Runnable otherwise) {
        return new Outcome() {
            @Override
            public void committed() {
                onCommit.run();
            }

            @Override
            public void aborted(String reason) {
                otherwise.run();
            }

            @Override
            public void unknown(String reason) {
                otherwise.run();
            }
        };
    }

    static Bytes text(String s) {
        return Bytes.of(s);
    }

    static TxItem write(String key, Tag expected, String value) {
        return new TxItem(Key.of(key), expected, true, value == null ? null : Bytes.of(value));
    }

    static TxItem readOnly(String key, Tag expected) {
        return new TxItem(Key.of(key), expected, false, null);
    }
}
