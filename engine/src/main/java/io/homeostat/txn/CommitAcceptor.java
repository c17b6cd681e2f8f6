package io.homeostat.txn;

import java.util.HashMap;
import java.util.Map;

/**
 * The acceptors of Paxos Commit (Gray and Lamport, "Consensus on Transaction Commit", ACM TODS 2006): one Paxos
 * instance per (transaction, item, replica position), whose value is that replica's vote.
 *
 * <p>Ballot 0 belongs to the replica itself: its vote arrives as a phase-2a message at ballot 0, the fast path. A
 * transaction manager that takes over runs phase 1 at a higher ballot, learns what was accepted, and proposes abort
 * for instances with nothing accepted. Because every manager decides from the values chosen in these instances, two
 * managers (one falsely suspected) can never decide differently. Pure state.
 */
public final class CommitAcceptor {

    /** One instance's acceptor state. {@code acceptedBallot} is -1 while nothing was accepted. */
    public record State(long promised, long acceptedBallot, boolean acceptedPrepared) {
        static final State EMPTY = new State(0, -1, false);

        public boolean hasAccepted() {
            return acceptedBallot >= 0;
        }
    }

    /** An instance: the vote of replica {@code position} of {@code item} in transaction {@code tx}. */
    public record Instance(TxId tx, io.homeostat.store.Key item, int position) {
    }

    private final Map<Instance, State> instances = new HashMap<>();
    /** The instances of each transaction, so that {@link #forget} touches only those. */
    private final Map<TxId, java.util.List<Instance>> byTx = new HashMap<>();

    public State state(Instance i) {
        return instances.getOrDefault(i, State.EMPTY);
    }

    /** Phase 2a at ballot 0 from the replica itself. Returns true if accepted. */
    public boolean acceptVote(Instance i, boolean prepared) {
        return accept(i, 0, prepared);
    }

    /** Phase 1b: promise {@code ballot} (> 0) and report what was accepted; null if a higher ballot was promised. */
    public State prepare(Instance i, long ballot) {
        if (ballot <= 0) {
            throw new IllegalArgumentException("ballot 0 belongs to the replica; takeover ballots are > 0");
        }
        State s = state(i);
        if (ballot <= s.promised()) {
            return null;
        }
        State n = new State(ballot, s.acceptedBallot(), s.acceptedPrepared());
        put(i, n);
        return n;
    }

    /** Phase 2b: accept ({@code ballot}, value) unless a higher ballot was promised. */
    public boolean accept(Instance i, long ballot, boolean prepared) {
        State s = state(i);
        if (ballot < s.promised()) {
            return false;
        }
        if (s.acceptedBallot() == ballot && s.acceptedPrepared() != prepared) {
            throw new IllegalStateException("two values at ballot " + ballot + " for " + i);
        }
        put(i, new State(ballot, ballot, prepared));
        return true;
    }

    /** Every instance's state, for state transfer, in a deterministic order. */
    public java.util.List<Entry> snapshot() {
        java.util.List<Entry> out = new java.util.ArrayList<>();
        instances.forEach((i, st) -> out.add(new Entry(i, st)));
        out.sort(java.util.Comparator.comparing((Entry e) -> e.instance().tx())
                .thenComparing(e -> e.instance().item()).thenComparingInt(e -> e.instance().position()));
        return out;
    }

    /**
     * Merges an instance's state learned by state transfer: the higher promise, and the accepted value of the higher
     * ballot. A new acceptor that merged a majority of the others' states keeps every chosen value chosen.
     */
    public void merge(Entry e) {
        State mine = state(e.instance());
        State theirs = e.state();
        long promised = Math.max(mine.promised(), theirs.promised());
        State accepted = theirs.acceptedBallot() > mine.acceptedBallot() ? theirs : mine;
        put(e.instance(), new State(promised, accepted.acceptedBallot(), accepted.acceptedPrepared()));
    }

    private void put(Instance i, State s) {
        if (instances.put(i, s) == null) {
            byTx.computeIfAbsent(i.tx(), t -> new java.util.ArrayList<>(4)).add(i);
        }
    }

    /** One instance and its state. */
    public record Entry(Instance instance, State state) {
    }

    /**
     * Forgets a decided transaction's instances. Only safe once nobody can finish the transaction any more: no lock of
     * it is left at any replica (the manager learns that from every position's {@code TxDone}).
     */
    public void forget(TxId tx) {
        java.util.List<Instance> of = byTx.remove(tx);
        if (of != null) {
            of.forEach(instances::remove);
        }
    }

    public int size() {
        return instances.size();
    }
}
