package io.homeostat.replica;

import io.homeostat.replica.ReplicaMessage.LeaseRenewReply;
import io.homeostat.replica.ReplicaMessage.Renewal;
import io.homeostat.runtime.Address;
import io.homeostat.store.Key;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The holder side of lease renewal: the near-cache entries of one group that are due are renewed together, one
 * {@code LeaseRenew} per replica of the holder's lease quorum ({@link ReplicaManager#leaseQuorum}) for up to
 * {@link #MAX_KEYS_PER_BATCH} keys, instead of one request per key (and the requests of one sweep bound for one node
 * travel together, as a {@code LeaseRenewBundle}). This keeps a working set local for as long as it is read (within the
 * idle bound), whether or not each key happens to be read in the last part of its lease.
 *
 * <p>Why an extension is safe: it is the renewal argument of {@link ReplicaManager#readNear}, key by key. A replica
 * extends a key's lease only if the key still has the tag the holder caches, is not write-locked and no write to it is
 * revoking leases; the holder extends its entry only once a majority of the key's positions in one view did so, counts
 * the new end from when it <em>sent</em> the request, and drops the extension if a {@code Revoke} of the key arrived
 * while the request was in flight ({@link #taint}). A completed write has stored a newer tag on a majority after
 * revoking their leases, and that majority shares a replica with any majority that extends.
 *
 * <p>Single-threaded, part of the node's protocol; bounded: at most {@link #MAX_BATCHES_IN_FLIGHT} batches, each ends
 * when every replica asked answered or the operation timeout passed.
 */
final class LeaseRenewer {

    /** Keys one renewal request carries at most. */
    static final int MAX_KEYS_PER_BATCH = 256;
    /** Key bytes one renewal request carries at most (with at least one key). */
    static final long MAX_KEY_BYTES_PER_BATCH = 64 * 1024;
    /**
     * Renewal requests (each to a majority of its group's replicas) this node runs at once: room for a few sweeps'
     * worth of one request per group with the default 256 groups, so that a slow sweep does not starve the later
     * groups.
     */
    static final int MAX_BATCHES_IN_FLIGHT = 1_024;

    /** One renewal request in flight, sent to some distinct replicas of {@code view} (their positions a majority). */
    static final class Batch {
        final long id;
        final GroupView view;
        final long sentAtMillis;
        final List<Renewal> keys;
        /** Per key, the positions of {@code view} that extended its lease (a bit per position). */
        final int[] grantedPositions;
        /** Per key, whether a majority extended it (then it was handed to the near cache). */
        final boolean[] done;
        /** Keys a {@code Revoke} arrived for while the request was in flight: never extended. */
        final Set<Key> tainted = new HashSet<>();
        final Set<Address> answered = new HashSet<>();
        /** The nodes asked: the batch is over once each answered. */
        final int asked;

        Batch(long id, GroupView view, int asked, long sentAtMillis, List<Renewal> keys) {
            this.id = id;
            this.view = view;
            this.sentAtMillis = sentAtMillis;
            this.keys = List.copyOf(keys);
            this.grantedPositions = new int[keys.size()];
            this.done = new boolean[keys.size()];
            this.asked = asked;
        }
    }

    /** What a reply achieved: the keys a majority has now extended, for the near cache. */
    interface Extended {
        void extended(Batch batch, Renewal renewal);
    }

    private final Map<Long, Batch> batches = new HashMap<>();
    private final Map<Key, Batch> byKey = new HashMap<>();

    /** Whether a renewal of {@code key} is in flight. */
    boolean renewing(Key key) {
        return byKey.containsKey(key);
    }

    /** Whether another batch may start. */
    boolean full() {
        return batches.size() >= MAX_BATCHES_IN_FLIGHT;
    }

    /** Registers a batch about to be sent to {@code asked} distinct nodes of {@code view}. */
    Batch start(long id, GroupView view, int asked, long sentAtMillis, List<Renewal> keys) {
        Batch b = new Batch(id, view, asked, sentAtMillis, keys);
        batches.put(id, b);
        for (Renewal r : b.keys) {
            byKey.put(r.key(), b);
        }
        return b;
    }

    /** A {@code Revoke} of {@code key} arrived: a grant in flight may predate the write that revoked it. */
    void taint(Key key) {
        Batch b = byKey.get(key);
        if (b != null) {
            b.tainted.add(key);
        }
    }

    /**
     * A replica answered: every key it extended gains its positions in the batch's view; each key that reaches a
     * majority (and was not tainted) goes to {@code extended}, once.
     */
    void onReply(Address from, LeaseRenewReply r, Extended extended) {
        Batch b = batches.get(r.requestId());
        if (b == null || b.view.epoch() != r.epoch() || b.view.group() != r.group()) {
            return;
        }
        int positions = 0;
        for (int i : ReplicaManager.indicesOf(b.view, from)) {
            positions |= 1 << i;
        }
        if (positions == 0 || !b.answered.add(from)) {
            return; // not a member of the view, or it answered already
        }
        for (Integer i : r.granted()) {
            if (i == null || i < 0 || i >= b.keys.size() || b.done[i]) {
                continue;
            }
            Renewal renewal = b.keys.get(i);
            if (b.tainted.contains(renewal.key())) {
                continue;
            }
            b.grantedPositions[i] |= positions;
            if (Integer.bitCount(b.grantedPositions[i]) >= b.view.majority()) {
                b.done[i] = true;
                extended.extended(b, renewal);
            }
        }
        if (b.answered.size() >= b.asked) {
            end(b.id);
        }
    }

    /**
     * The batch's time is up (or it was answered in full): forget it; keys not extended keep their old end. Returns the
     * batch if it was still in flight, so that the caller sees who answered (null if it had ended already).
     */
    Batch end(long id) {
        Batch b = batches.remove(id);
        if (b == null) {
            return null;
        }
        for (Renewal r : b.keys) {
            byKey.remove(r.key(), b);
        }
        return b;
    }

    /** The key bytes of {@code keys}, as {@link #chunks} counts them. */
    static long keyBytes(List<Renewal> keys) {
        long bytes = 0;
        for (Renewal r : keys) {
            bytes += r.key().length();
        }
        return bytes;
    }

    /** Splits the due renewals of one group into batches within the key and byte bounds. */
    static List<List<Renewal>> chunks(List<Renewal> due) {
        List<List<Renewal>> out = new ArrayList<>();
        List<Renewal> current = new ArrayList<>();
        long bytes = 0;
        for (Renewal r : due) {
            long size = r.key().length();
            boolean full = current.size() >= MAX_KEYS_PER_BATCH || bytes + size > MAX_KEY_BYTES_PER_BATCH;
            if (!current.isEmpty() && full) {
                out.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(r);
            bytes += size;
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
