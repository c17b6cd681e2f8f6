package io.homeostat.txn;

import io.homeostat.runtime.Address;
import java.util.Comparator;

/** A transaction's identity: the node whose transaction manager started it, and that node's sequence number. */
public record TxId(Address manager, long sequence) implements Comparable<TxId> {

    private static final Comparator<TxId> ORDER = Comparator.comparing(TxId::manager)
            .thenComparingLong(TxId::sequence);

    @Override
    public int compareTo(TxId o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return "tx" + sequence + "@" + manager;
    }
}
