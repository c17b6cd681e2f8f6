package io.homeostat.txn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transaction manager's arithmetic of Paxos Commit with replicated items (the Scalaris refinement: Schintke,
 * Reinefeld, Haridi and Schütt, "Enhanced Paxos Commit for Transactional Data Storage", CCGrid 2010).
 *
 * <p>An instance's vote is <em>chosen</em> once a majority of acceptors accepted it at one ballot. An item is prepared
 * once a majority of its R replicas have "prepared" chosen, and aborted once enough replicas have "abort" chosen that a
 * majority can no longer prepare. The transaction commits when every item is prepared and aborts as soon as one item
 * is aborted. Pure state.
 */
public final class CommitTally {

    /** The outcome so far. */
    public enum Decision { PENDING, COMMIT, ABORT }

    private final int replication;
    private final int acceptors;
    private final List<io.homeostat.store.Key> items;
    /** instance -> (ballot -> accepting acceptor positions, with the value) */
    private final Map<CommitAcceptor.Instance, Map<Long, Votes>> accepted = new HashMap<>();
    private final Map<CommitAcceptor.Instance, Boolean> chosen = new HashMap<>();
    private final TxId tx;
    private final int preparedPerItem;

    private static final class Votes {
        final boolean prepared;
        final java.util.Set<Integer> acceptors = new java.util.TreeSet<>();

        Votes(boolean prepared) {
            this.prepared = prepared;
        }
    }

    public CommitTally(TxId tx, List<io.homeostat.store.Key> items, int replication, int acceptors) {
        this(tx, items, replication, acceptors, replication / 2 + 1);
    }

    /**
     * With an explicit number of prepared replicas per item. Anything below a majority is the planted bug of the
     * minority-commit self-test; never use it otherwise.
     */
    public CommitTally(TxId tx, List<io.homeostat.store.Key> items, int replication, int acceptors,
            int preparedPerItem) {
        this.tx = tx;
        this.items = new ArrayList<>(items);
        this.replication = replication;
        this.acceptors = acceptors;
        this.preparedPerItem = preparedPerItem;
    }

    /** Records that acceptor {@code acceptor} accepted {@code prepared} at {@code ballot} for an instance. */
    public void accepted(CommitAcceptor.Instance i, int acceptor, long ballot, boolean prepared) {
        if (!i.tx().equals(tx) || chosen.containsKey(i)) {
            return;
        }
        Votes v = accepted.computeIfAbsent(i, k -> new HashMap<>()).computeIfAbsent(ballot, b -> new Votes(prepared));
        if (v.prepared != prepared) {
            throw new IllegalStateException("acceptors report two values at one ballot for " + i);
        }
        v.acceptors.add(acceptor);
        if (v.acceptors.size() >= acceptors / 2 + 1) {
            chosen.put(i, prepared);
        }
    }

    /** Prepared replicas an item needs (a majority, unless the planted bug of the minority-commit self-test). */
    public int preparedPerItem() {
        return preparedPerItem;
    }

    /** Whether some instance has "abort" chosen. */
    public boolean anyChosenAbort() {
        return chosen.containsValue(Boolean.FALSE);
    }

    /** The chosen vote of an instance, or null while undecided. */
    public Boolean chosen(CommitAcceptor.Instance i) {
        return chosen.get(i);
    }

    public Decision decision() {
        int majority = preparedPerItem;
        boolean allPrepared = true;
        for (io.homeostat.store.Key item : items) {
            int prepared = 0;
            int aborted = 0;
            for (int p = 0; p < replication; p++) {
                Boolean c = chosen.get(new CommitAcceptor.Instance(tx, item, p));
                if (c != null) {
                    if (c) {
                        prepared++;
                    } else {
                        aborted++;
                    }
                }
            }
            if (aborted > replication - majority) {
                return Decision.ABORT;
            }
            if (prepared < majority) {
                allPrepared = false;
            }
        }
        return allPrepared ? Decision.COMMIT : Decision.PENDING;
    }
}
