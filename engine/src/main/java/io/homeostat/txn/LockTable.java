package io.homeostat.txn;

import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A participant's side of Paxos Commit for one replica: the locks a replica grants while transactions are being
 * decided, and its vote.
 *
 * <p>A replica votes <em>prepared</em> for a transaction's item only if the item's tag is the one the transaction read
 * (optimistic validation) and no other transaction holds a conflicting lock: a write needs the item unlocked, a read
 * only needs no other writer. Prepared votes take the lock; the decision releases it, applying the write on commit.
 * Pure state, owned by one event loop.
 */
public final class LockTable {

    /** The locks on one key. Normally at most one writer; state transfer may merge in more, all of which block. */
    private static final class Locks {
        final java.util.TreeMap<TxId, Item> writers = new java.util.TreeMap<>();
        final TreeSet<TxId> readers = new TreeSet<>();

        boolean isEmpty() {
            return writers.isEmpty() && readers.isEmpty();
        }
    }

    private final Map<Key, Locks> locks = new HashMap<>();

    /**
     * Votes on {@code tx}'s use of {@code key}: true (prepared, lock taken) or false (abort). Voting again for the same
     * transaction and key gives the same answer (messages may be duplicated).
     *
     * @param current  the tag this replica holds now ({@link Tag#ZERO} if never written)
     * @param expected the tag the transaction read
     * @param write    the item to store on commit, or null for a read-only use
     */
    public boolean vote(TxId tx, Key key, Tag current, Tag expected, Item write) {
        Locks l = locks.get(key);
        if (l != null && (l.writers.containsKey(tx) || (write == null && l.readers.contains(tx)))) {
            return true; // a duplicate of a vote already granted
        }
        if (!current.equals(expected)) {
            return false;
        }
        if (l != null) {
            boolean otherWriter = !l.writers.isEmpty();
            boolean otherReaders = !l.readers.isEmpty() && !(l.readers.size() == 1 && l.readers.contains(tx));
            if (otherWriter || (write != null && otherReaders)) {
                return false;
            }
        } else {
            l = new Locks();
            locks.put(key, l);
        }
        if (write != null) {
            l.readers.remove(tx);
            l.writers.put(tx, write);
        } else {
            l.readers.add(tx);
        }
        return true;
    }

    /** True if a transaction holds a write lock on the key (a read must wait for its outcome). */
    public boolean writeLocked(Key key) {
        Locks l = locks.get(key);
        return l != null && !l.writers.isEmpty();
    }

    /** The transactions holding write locks on the key, in order. */
    public List<TxId> writers(Key key) {
        Locks l = locks.get(key);
        return l == null ? List.of() : List.copyOf(l.writers.keySet());
    }

    /**
     * Releases {@code tx}'s lock on {@code key}. Returns the item to store if the transaction committed a write there,
     * else null.
     */
    public Item release(TxId tx, Key key, boolean commit) {
        Locks l = locks.get(key);
        if (l == null) {
            return null;
        }
        Item pending = l.writers.remove(tx);
        l.readers.remove(tx);
        if (l.isEmpty()) {
            locks.remove(key);
        }
        return commit ? pending : null;
    }

    /** Every lock, for state transfer: (key, transaction, pending write or null). */
    public List<LockRecord> snapshot() {
        List<LockRecord> out = new ArrayList<>();
        for (Map.Entry<Key, Locks> e : locks.entrySet()) {
            e.getValue().writers.forEach((tx, item) -> out.add(new LockRecord(e.getKey(), tx, item)));
            for (TxId r : e.getValue().readers) {
                out.add(new LockRecord(e.getKey(), r, null));
            }
        }
        out.sort(java.util.Comparator.comparing(LockRecord::key).thenComparing(LockRecord::tx));
        return out;
    }

    /** Adopts a lock learned by state transfer (a prepared vote another replica gave must not be forgotten). */
    public void adopt(LockRecord r) {
        Locks l = locks.computeIfAbsent(r.key(), k -> new Locks());
        if (r.pending() != null) {
            l.writers.put(r.tx(), r.pending());
        } else {
            l.readers.add(r.tx());
        }
    }

    public int size() {
        return locks.size();
    }

    /** One lock. */
    public record LockRecord(Key key, TxId tx, Item pending) {
    }
}
