package io.homeostat.replica;

import io.homeostat.runtime.Message;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import io.homeostat.txn.TxId;
import java.util.List;

/**
 * Paxos Commit messages. A transaction's items each have R replica positions (participants); the transaction's own
 * group (the group its id hashes to) supplies the acceptors; the manager is the node that started it.
 */
public sealed interface TxnMessage extends Message {

    /**
     * Manager to each member of an item's group: vote on this use of the item; {@code write} is null for a read.
     * {@code keys} and {@code views} list every item of the transaction, so that a replica left holding a lock can
     * finish the transaction itself if the manager disappears. {@code offer}: on commit, offer the written value to the
     * nodes whose read leases on the key a recent write revoked ({@link ReplicaMessage.LeaseOffer}).
     */
    record TxPrepare(TxId tx, int group, long epoch, Key key, Tag expected, Item write, GroupView acceptors,
            List<Key> keys, List<GroupView> views, boolean offer) implements TxnMessage {
        public TxPrepare {
            keys = List.copyOf(keys);
            views = List.copyOf(views);
        }
    }

    /**
     * Participant to acceptors: its vote, as Paxos phase 2a at ballot 0 for instance (tx, key, position).
     * {@code acceptedAt}: the acceptor positions on the sender's own node that accepted this vote already (phase 2b,
     * the content of a {@link TxAccepted} from that node, which then is not sent); empty if none.
     * {@code pendingPositions}: for an early vote, a bit per position of the item's view whose node holds a read lease
     * on the key that this replica revoked without waiting for the answer; the manager counts the vote only once each
     * of those nodes' own replicas voted prepared too (see {@link TransactionManager}). 0 when every lease this replica
     * granted was answered or had expired before it voted.
     */
    record TxVote(TxId tx, Key key, int position, boolean prepared, int acceptorGroup, long acceptorEpoch,
            List<Integer> acceptedAt, int pendingPositions) implements TxnMessage {
        public TxVote {
            acceptedAt = List.copyOf(acceptedAt);
        }
    }

    /** Phase 1a by a manager finishing the transaction (ballot > 0). */
    record TxPhase1(TxId tx, Key key, int position, long ballot, int acceptorGroup, long acceptorEpoch)
            implements TxnMessage {
    }

    /** Phase 1b; {@code acceptedBallot} is -1 if nothing was accepted. */
    record TxPromise(TxId tx, Key key, int position, long ballot, long acceptedBallot, boolean acceptedPrepared,
            List<Integer> acceptorPositions) implements TxnMessage {
        public TxPromise {
            acceptorPositions = List.copyOf(acceptorPositions);
        }
    }

    /** Phase 2a at a ballot > 0. */
    record TxPhase2(TxId tx, Key key, int position, long ballot, boolean prepared, int acceptorGroup,
            long acceptorEpoch) implements TxnMessage {
    }

    /** Phase 2b, to the manager (ballot 0) or to whoever sent phase 2a: these acceptor positions accepted. */
    record TxAccepted(TxId tx, Key key, int position, long ballot, boolean prepared, List<Integer> acceptorPositions)
            implements TxnMessage {
        public TxAccepted {
            acceptorPositions = List.copyOf(acceptorPositions);
        }
    }

    /**
     * The decision, to the item's group members: release the locks, applying the write on commit. {@code epoch} is the
     * item's view epoch at prepare when the manager sends it, first to that view's members and, while acknowledgements
     * are missing, again to the members of the newest view it knows (the members then acknowledge with {@link TxDone});
     * -1 when a finisher or an answer to {@link TxQuery} sends it.
     */
    record TxDecide(TxId tx, boolean commit, int group, Key key, long epoch) implements TxnMessage {
    }

    /**
     * Member to manager, gathered over a few milliseconds: for each {@link Done}, serving {@code positions} of the
     * item's group at {@code epoch} (the prepare's or a later one), it applied the decision and holds no lock of the
     * transaction on {@code key}. At most {@link #MAX_PARTS} parts; the rest of a longer one is ignored.
     */
    record TxDone(List<Done> done) implements TxnMessage {
        public static final int MAX_PARTS = 256;

        public TxDone {
            done = List.copyOf(done);
        }

        /** One acknowledgement. */
        public record Done(TxId tx, Key key, long epoch, List<Integer> positions) {
            public Done {
                positions = List.copyOf(positions);
            }
        }
    }

    /**
     * Manager to an acceptor group's member, gathered over a few milliseconds: no lock of these transactions is left
     * anywhere; drop their instances. At most {@link TxDone#MAX_PARTS} parts; the rest of a longer one is ignored.
     */
    record TxForget(List<Forget> forget) implements TxnMessage {
        public TxForget {
            forget = List.copyOf(forget);
        }

        /** One transaction whose acceptor instances in {@code acceptorGroup} may go. */
        public record Forget(TxId tx, int acceptorGroup) {
        }
    }

    /** A replica that has held a lock for long asks the manager for the decision. */
    record TxQuery(TxId tx, int group, Key key) implements TxnMessage {
    }

    /**
     * Manager to an item's replicas: the early votes on {@code key} cannot all be counted yet (a node they name did not
     * vote prepared); answer with {@link TxRevoked} once the leases you revoked are answered or expired.
     */
    record TxRevokedQuery(TxId tx, Key key) implements TxnMessage {
    }

    /**
     * Replica to manager: every lease on {@code key} that this node's replica revoked before its vote at
     * {@code positions} is answered or has expired, so the manager may count those votes whatever they named.
     */
    record TxRevoked(TxId tx, Key key, List<Integer> positions) implements TxnMessage {
        public TxRevoked {
            positions = List.copyOf(positions);
        }
    }
}
