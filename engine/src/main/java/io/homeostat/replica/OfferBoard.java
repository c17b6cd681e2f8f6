package io.homeostat.replica;

import io.homeostat.replica.ReplicaMessage.LeaseOffer;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The holder's side of lease offers: what it needs to accept a replica's unasked-for {@link LeaseOffer} as safely as a
 * lease it asked for.
 *
 * <p>A lease a holder asks for is counted from when it asked, which is before any replica granted it. An offer has no
 * such moment: the replica granted it when it stored a write, some time before the offer arrived. What the holder does
 * know is the revocation that replica sent it for the key shortly before: the replica records the holder as
 * interested only once it answered that revocation, and grants the offered lease only after that, so the revocation
 * <em>arrived</em> here before the grant. So this board keeps, per key and replica, the newest revocation received
 * (by the nonce, which only grows within a replica incarnation; a duplicate or an overtaken one is never dated) and
 * when it arrived, and an offer counts only if it names that revocation. A later revocation from the same replica (the
 * key changes again) makes its offers worthless, the ones still to come and the one gathered already (as a
 * revocation taints a lease request in flight). An entry is installed once a majority of the view's positions offered
 * one tag, and its lease is counted from the earliest of their revocations.
 *
 * <p>Part of a node's {@link ReplicaManager}: single-threaded, no I/O of its own. Bounded: it forgets the keys revoked
 * longest ago, which only makes later offers for them count for nothing.
 */
final class OfferBoard {

    /** Keys whose revocations are remembered at most. */
    static final int MAX_KEYS = 65_536;
    /**
     * Replicas whose newest nonce is remembered at most. Forgetting one (only with more distinct senders than this)
     * would let a duplicate of its revocation, delayed past that, be dated on arrival.
     */
    static final int MAX_REPLICAS = 4_096;

    /** The newest revocation of a key from one replica: its nonce, and when it arrived (this node's clock). */
    private record Seen(long nonce, long atMillis) {
    }

    /** Offers of one key being gathered: one tag, and the replicas that offered it with their revocation's arrival. */
    private static final class Gathering {
        final long epoch;
        final Tag tag;
        final Bytes value;
        final Map<Address, Long> revokedAtMillis = new HashMap<>();

        Gathering(long epoch, Tag tag, Bytes value) {
            this.epoch = epoch;
            this.tag = tag;
            this.value = value;
        }
    }

    /** What to install: the value, and when its lease began at the latest (this node's clock). */
    record Install(Tag tag, Bytes value, long anchorMillis) {
    }

    private final Map<Key, Map<Address, Seen>> revoked = new LinkedHashMap<>();
    private final Map<Key, Gathering> gathering = new HashMap<>();
    /**
     * The newest nonce received from each replica, over all keys. A replica incarnation sends its nonces in increasing
     * order, so a revocation of the same incarnation that arrives with a nonce no newer than this is a duplicate or
     * was overtaken, and is never dated. A nonce of another incarnation (the replica restarted) starts afresh.
     */
    private final Map<Address, Long> newestNonce = new LinkedHashMap<>();

    /** Bits of a nonce that count revocations; the bits above name the sender's incarnation. */
    static final int COUNTER_BITS = 40;

    /** The first nonce of a replica incarnation whose 24-bit random name is {@code name}. */
    static long firstNonce(long name) {
        return (name & 0xFF_FFFFL) << COUNTER_BITS;
    }

    private static long incarnation(long nonce) {
        return nonce >>> COUNTER_BITS;
    }

    /** Revocation {@code nonce} of {@code key} arrived from {@code from}. */
    void revoked(Key key, Address from, long nonce, long nowMillis) {
        Gathering g = gathering.get(key);
        if (g != null) {
            // what this replica offered so far is older than the change it now announces, and once we answer it may
            // complete that change: its offer no longer counts (the other replicas' offers still do, each protected
            // by its own lease, which that change must revoke there as well)
            g.revokedAtMillis.remove(from);
        }
        Map<Address, Seen> byReplica = revoked.remove(key); // re-inserted: the most recently revoked key goes last
        if (byReplica == null) {
            byReplica = new HashMap<>();
            if (revoked.size() >= MAX_KEYS) {
                Iterator<Key> oldest = revoked.keySet().iterator();
                gathering.remove(oldest.next());
                oldest.remove();
            }
        }
        Long newest = newestNonce.get(from);
        if (newest == null || incarnation(nonce) != incarnation(newest) || nonce > newest) {
            byReplica.put(from, new Seen(nonce, nowMillis));
            if (newest == null && newestNonce.size() >= MAX_REPLICAS) {
                Iterator<Address> oldest = newestNonce.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            newestNonce.put(from, nonce);
        } else {
            // A duplicate, or a revocation overtaken by a newer one from the same replica: it changes nothing here
            // (recording its arrival now would date an offer naming it too late). The key is no longer offered by
            // that replica until its next revocation: always safe.
            byReplica.remove(from);
        }
        revoked.put(key, byReplica);
    }

    /**
     * This node's own replica voted to let a write change {@code key} ({@link ReplicaManager#dropOwnNear}): an offer it
     * made before is forgotten. An entry on a node that replicates the key's group needs its own replica's offer
     * ({@link #offered}), and that replica offers nothing more until the write is decided, then only newer values.
     */
    void dropOwn(Key key, Address self) {
        Gathering g = gathering.get(key);
        if (g != null) {
            g.revokedAtMillis.remove(self);
        }
    }

    /**
     * An offer arrived from {@code from}; {@code view} is this node's view of the offer's group (null if none). Returns
     * what to install once a majority of {@code view}'s positions offered one tag, including one of this node's
     * ({@code self}) positions if it holds any, else null.
     */
    Install offered(LeaseOffer o, Address from, GroupView view, long nowMillis, long leaseMillis, Address self) {
        if (view == null || view.epoch() != o.epoch()) {
            return null;
        }
        Map<Address, Seen> byReplica = revoked.get(o.key());
        Seen seen = byReplica == null ? null : byReplica.get(from);
        if (seen == null || seen.nonce() != o.nonce() || nowMillis - seen.atMillis() >= leaseMillis) {
            return null; // not the newest revocation from there, or too long ago to leave any lease time
        }
        Gathering g = gathering.get(o.key());
        if (g == null || g.epoch != o.epoch() || !g.tag.equals(o.tag())) {
            if (g != null && g.epoch == o.epoch() && g.tag.isAfter(o.tag())) {
                return null;
            }
            g = new Gathering(o.epoch(), o.tag(), o.value());
            gathering.put(o.key(), g);
        }
        g.revokedAtMillis.put(from, seen.atMillis());
        Set<Integer> positions = new TreeSet<>();
        long anchor = Long.MAX_VALUE;
        for (Map.Entry<Address, Long> e : g.revokedAtMillis.entrySet()) {
            positions.addAll(ReplicaManager.indicesOf(view, e.getKey()));
            anchor = Math.min(anchor, e.getValue());
        }
        if (positions.size() < view.majority()
                || (!g.revokedAtMillis.containsKey(self) && !ReplicaManager.indicesOf(view, self).isEmpty())) {
            return null;
        }
        gathering.remove(o.key());
        return new Install(g.tag, g.value, anchor);
    }
}
