package io.homeostat.replica;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.store.Bytes;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import io.homeostat.txn.CommitAcceptor;
import io.homeostat.txn.LockTable;
import java.util.List;

/** Every message of the replication layer: views, view changes, state transfer and quorum operations. */
public sealed interface ReplicaMessage extends Message {

    /** "Which view of this group do you know?" */
    record ViewQuery(long requestId, int group) implements ReplicaMessage {
    }

    /** The answer to {@link ViewQuery}; {@code view} is null if the sender knows none. */
    record ViewInfo(long requestId, int group, GroupView view) implements ReplicaMessage {
    }

    /** Paxos phase 1 for the view that follows {@code epoch}. */
    /**
     * {@code base} is the (chosen) view at {@code epoch}: a member that missed its installation, or a node it lists
     * that does not know it yet, installs it first and then answers.
     */
    record ViewPrepare(int group, long epoch, Ballot ballot, GroupView base) implements ReplicaMessage {
    }

    /**
     * Phase 1b. {@code serving}: the sender holds complete data at {@code epoch} (it is not recovering), so it can be a
     * state-transfer source for the next view.
     */
    record ViewPromise(int group, long epoch, Ballot ballot, Ballot acceptedBallot, GroupView acceptedView,
            boolean serving) implements ReplicaMessage {
    }

    /** Paxos phase 2: accept {@code next} as the view after {@code epoch}. */
    record ViewAccept(int group, long epoch, Ballot ballot, GroupView next) implements ReplicaMessage {
    }

    record ViewAccepted(int group, long epoch, Ballot ballot) implements ReplicaMessage {
    }

    /** A prepare or accept was refused: a higher ballot was promised, or the sender's epoch is stale. */
    record ViewRefused(int group, long epoch, Ballot ballot, Ballot promised, GroupView installed)
            implements ReplicaMessage {
    }

    /** A chosen view: install it. */
    record ViewInstall(GroupView view) implements ReplicaMessage {
    }

    /** State transfer to a new member of {@code view}: items of the group after {@code after}, at most {@code max}. */
    record PullRequest(long requestId, GroupView view, Key after, int max) implements ReplicaMessage {
    }

    /**
     * A batch of a group's items. Every batch carries the group's locks and the prepare messages of the transactions
     * holding them (so the new replica can finish them if their manager is gone); the last batch also carries the
     * commit-acceptor state and {@code history}, the views the sender installed without a gap just before
     * {@code epoch} (oldest first, bounded), so that a puller that skipped some can tell whom its positions came from and
     * which it held throughout. {@code covered} names the replica positions whose complete data the sender holds: its
     * own positions in the view, or, for a member that was just replaced, the positions it held until then.
     */
    record PullReply(long requestId, int group, long epoch, List<Item> items, boolean last, List<Integer> covered,
            List<LockTable.LockRecord> locks, List<CommitAcceptor.Entry> acceptors,
            List<TxnMessage.TxPrepare> transactions, List<GroupView> history) implements ReplicaMessage {
        public PullReply {
            items = List.copyOf(items);
            covered = List.copyOf(covered);
            locks = List.copyOf(locks);
            acceptors = List.copyOf(acceptors);
            transactions = List.copyOf(transactions);
            history = List.copyOf(history);
        }
    }

    /** Quorum read, phase 1 of every operation. */
    record ReadRequest(long requestId, int group, long epoch, Key key) implements ReplicaMessage {
    }

    /**
     * {@code tag} is {@link Tag#ZERO} and {@code value} null when the key was never written. {@code locked}: a
     * transaction holds a write lock on the key here, so the value may be about to change.
     */
    record ReadReply(long requestId, int group, long epoch, Tag tag, Bytes value, boolean locked)
            implements ReplicaMessage {
    }

    /** Quorum write (or write-back): store {@code item} if its tag is newer. */
    /**
     * Store {@code item} (tag+1 of what the query phase found). {@code offer}: once stored, offer the new value to the
     * nodes whose read leases on the key a recent write revoked here ({@link LeaseOffer}).
     */
    record WriteRequest(long requestId, int group, long epoch, Item item, boolean offer) implements ReplicaMessage {
    }

    /**
     * The write is stored; {@code positions}: the sender's positions that acknowledge it now (a position in quarantine
     * acknowledges in a second reply once its quarantine is over; see {@code LeaseTable}).
     */
    record WriteReply(long requestId, int group, long epoch, List<Integer> positions) implements ReplicaMessage {
        public WriteReply {
            positions = List.copyOf(positions);
        }
    }

    /** The receiver will not serve this request at that epoch; {@code installed} is its view (null if none). */
    record NotServing(long requestId, int group, GroupView installed) implements ReplicaMessage {
    }

    /** Near-cache read: "read {@code key} and promise to revoke before it changes". Answered by {@link LeaseReply}. */
    record LeaseRequest(long requestId, int group, long epoch, Key key) implements ReplicaMessage {
    }

    /**
     * The value and tag of {@code key} at the replica; {@code granted}: the replica recorded the lease (not when the
     * key is write-locked, a write to it is revoking leases, or the replica tracks too many leases).
     */
    record LeaseReply(long requestId, int group, long epoch, Tag tag, Bytes value, boolean granted)
            implements ReplicaMessage {
    }

    /**
     * Near-cache renewal of several keys of one group at once: "extend my lease on each of these keys if it still has
     * the tag I hold" (values are not sent again). Answered by {@link LeaseRenewReply}.
     */
    record LeaseRenew(long requestId, int group, long epoch, List<Renewal> keys) implements ReplicaMessage {
        public LeaseRenew {
            keys = List.copyOf(keys);
        }
    }

    /** One key of a {@link LeaseRenew} and the tag of the value the holder's near cache has for it. */
    record Renewal(Key key, Tag tag) {
    }

    /**
     * The positions in the request's {@code keys} whose leases the replica extended: the key still has the tag named,
     * is not write-locked and no write to it is revoking leases, and the replica tracks few enough leases.
     */
    record LeaseRenewReply(long requestId, int group, long epoch, List<Integer> granted) implements ReplicaMessage {
        public LeaseRenewReply {
            granted = List.copyOf(granted);
        }
    }

    /**
     * The {@link LeaseRenew}s of one renewal sweep that go to the same node, as one message: a node holds replicas of
     * many groups, and one request per group and node made the renewal loop's message rate grow with the number of
     * groups (about 2,800 frames a second for 30,000 entries on 3 nodes with 64 groups). Each part is handled exactly
     * as if it came alone; the answers come back as one {@link LeaseRenewReplyBundle} (a part the node does not
     * serve is answered by its own {@link NotServing}). At most {@link #MAX_PARTS} parts; a node ignores the rest.
     */
    record LeaseRenewBundle(List<LeaseRenew> parts) implements ReplicaMessage {
        /** Parts one bundle carries at most. */
        public static final int MAX_PARTS = 64;

        public LeaseRenewBundle {
            parts = List.copyOf(parts);
        }
    }

    /** The answers to the parts of one {@link LeaseRenewBundle}, in one message. */
    record LeaseRenewReplyBundle(List<LeaseRenewReply> parts) implements ReplicaMessage {
        public LeaseRenewReplyBundle {
            parts = List.copyOf(parts);
        }
    }

    /**
     * The sender is about to change {@code key} to the write of tag {@code writing} (null if not known): drop it from
     * the near cache, unless the entry already holds that write or a later one, and answer {@link RevokeAck}. {@code
     * nonce} grows with every revocation the sender sends (within one incarnation); the holder keeps the newest per key
     * and sender, with when it arrived, to date a later {@link LeaseOffer}.
     */
    record Revoke(int group, Key key, long nonce, Tag writing) implements ReplicaMessage {
    }

    /**
     * The holder answered revocation {@code nonce} (an answer to an older one counts for nothing): it dropped
     * {@code key}, or with {@code kept} it holds the announced write ({@code writing}, repeated from the revocation) or
     * a later one already and kept it, so its lease stands while writes up to that tag go on.
     */
    record RevokeAck(int group, Key key, long nonce, boolean kept, Tag writing) implements ReplicaMessage {
    }

    /**
     * After a write that asked for it was stored: the replica's current value of {@code key} with a read lease it
     * recorded for the receiver, whose lease the revocation {@code nonce} took here shortly before. The receiver caches
     * the value once a majority of the view's positions offered the same tag, each still naming the newest revocation
     * that replica sent it, and counts the lease from when the earliest of those revocations arrived (before any of
     * the grants), exactly as a {@link LeaseReply} counts from the request.
     */
    record LeaseOffer(int group, long epoch, Key key, Tag tag, Bytes value, long nonce) implements ReplicaMessage {
    }

    /**
     * From a member that took over positions of {@code view.group()} in {@code view} to their previous holder: "hand
     * me the read leases you granted in this group". The receiver installs {@code view} first if it had not, so it
     * grants no lease at its old positions after answering.
     */
    record LeaseHandoffRequest(long requestId, GroupView view) implements ReplicaMessage {
    }

    /**
     * The answer to {@link LeaseHandoffRequest}: the sender's unexpired leases in the group and what is left of its own
     * quarantine, as durations (clocks agree on durations only). {@code complete} is false if there were too many to
     * send; then the receiver waits out its quarantine.
     */
    record LeaseHandoff(long requestId, int group, long epoch, List<LeaseGrant> leases,
            long quarantineRemainingMillis, boolean complete) implements ReplicaMessage {
        public LeaseHandoff {
            leases = List.copyOf(leases);
        }
    }

    /** One read lease in a {@link LeaseHandoff}: {@code holder} may serve {@code key} for {@code remainingMillis}. */
    record LeaseGrant(Key key, Address holder, long remainingMillis) {
    }
}
