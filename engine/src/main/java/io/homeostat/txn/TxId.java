package io.homeostat.txn;

import io.homeostat.runtime.Address;
import java.util.Comparator;

/**
 * A transaction's identity: the node whose transaction manager started it, a random number drawn when that manager
 * started (so ids stay unique across restarts, which lose the counter), and the manager's sequence number.
 */
public record TxId(Address manager, long incarnation, long sequence) implements Comparable<TxId> {

    private static final Comparator<TxId> ORDER = Comparator.comparing(TxId::manager)
            .thenComparingLong(TxId::incarnation).thenComparingLong(TxId::sequence);

    @Override
    public int compareTo(TxId o) {
        return ORDER.compare(this, o);
    }

    /**
     * Written out rather than derived: ids are hashed and compared on every Paxos Commit message, and the derived
     * versions hash the manager's endpoint string (a fresh string in every decoded message) and compare it first. The
     * two numbers already tell ids apart but for a manager's restart with the same random incarnation.
     */
    @Override
    public int hashCode() {
        return 31 * Long.hashCode(incarnation) + Long.hashCode(sequence);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TxId t && sequence == t.sequence && incarnation == t.incarnation
                && manager.equals(t.manager);
    }

    @Override
    public String toString() {
        return "tx" + sequence + "@" + manager + "/" + Long.toHexString(incarnation & 0xffff);
    }
}
