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

    @Override
    public String toString() {
        return "tx" + sequence + "@" + manager + "/" + Long.toHexString(incarnation & 0xffff);
    }
}
