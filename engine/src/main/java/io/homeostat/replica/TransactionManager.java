package io.homeostat.replica;

import io.homeostat.replica.TxnMessage.TxAccepted;
import io.homeostat.replica.TxnMessage.TxDecide;
import io.homeostat.replica.TxnMessage.TxDone;
import io.homeostat.replica.TxnMessage.TxForget;
import io.homeostat.replica.TxnMessage.TxPhase1;
import io.homeostat.replica.TxnMessage.TxPhase2;
import io.homeostat.replica.TxnMessage.TxPrepare;
import io.homeostat.replica.TxnMessage.TxPromise;
import io.homeostat.replica.TxnMessage.TxQuery;
import io.homeostat.replica.TxnMessage.TxRevoked;
import io.homeostat.replica.TxnMessage.TxRevokedQuery;
import io.homeostat.replica.TxnMessage.TxVote;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.store.Bytes;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import io.homeostat.txn.CommitAcceptor;
import io.homeostat.txn.CommitTally;
import io.homeostat.txn.LockTable;
import io.homeostat.txn.TxId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Paxos Commit over the replica groups (Gray and Lamport, "Consensus on Transaction Commit", ACM TODS 2006, with the
 * replicated-item refinement of Scalaris: Schintke et al., CCGrid 2010).
 *
 * <p>Every replica of every item is a participant with its own Paxos instance; the acceptors are the members of the
 * group of the transaction's first item (so a one-group transaction needs one group's majority, and a replica's vote to
 * the acceptor on its own node stays local). Fast path, in one-way delays after the commit call: (1) the
 * manager sends {@link TxPrepare} to the item replicas; (2) each votes (validating the tag it read and locking) and
 * sends its vote to the acceptors at ballot 0; (3) acceptors forward what they accepted to the manager, which decides
 * once every item has a majority of replicas with "prepared" chosen, or aborts once one cannot; (4) the decision
 * releases the locks. If the manager gets no decision in time it finishes the instances itself with higher ballots,
 * proposing abort where nothing was accepted; since every decision is computed from chosen values, no two ways of
 * finishing can disagree. Replicas holding a lock for long ask the manager for the decision.
 *
 * <p><b>Early votes.</b> A replica may not promise to change a key while another node's near cache can still serve
 * the key's old value under a read lease it granted. Waiting for each holder's answer to a revocation before voting
 * puts two more one-way delays on the commit. When every such holder is a node that replicates the item itself, the
 * replica instead votes at once, naming those holders' positions in the vote ({@code pendingPositions}). A node's own
 * replica, when it votes prepared on a write, takes the key out of that node's near cache (sets it aside, see sticky
 * leases below), and from then on the node installs no entry without its own replica's grant, which the write's lock
 * refuses ({@link ReplicaManager#dropOwnNear}). So the manager counts a replica's early vote only once every position
 * it names has voted prepared as well (their nodes dropped the key), and commits once every item has a majority of
 * prepared votes counted so; each lease on the old value was granted by one of that majority before it locked, and
 * its holder has dropped it. If a named node does not vote prepared (it voted abort on a conflicting lock, or is
 * down), the manager asks the item's replicas ({@link TxRevokedQuery}), and each revokes their leases then and answers
 * once they have answered or their leases expired ({@link TxRevoked}), as a vote would have waited. Votes the manager
 * learns only through the acceptors, and a finisher's own tally, carry no names: those count {@code leaseMillis} after
 * the item first had its prepared majority, when every lease granted before the locks has ended. With three nodes, a
 * write then commits after two one-way delays, not four.
 *
 * <p><b>Sticky leases.</b> An early vote sends no revocation: the named holders' own replicas' votes stand for their
 * answers, so the replica keeps their leases and revokes them only if the manager asks ({@link TxRevokedQuery}: a
 * named node has not voted prepared in time, or voted abort). A holder's node sets its entry aside when its replica
 * votes prepared and brings it back, with the same lease end, holding the value its replica stores once the decision
 * reaches that replica ({@link ReplicaManager#resumeOwnNear}). That value is current: while the lease lasts, no later
 * write to the key commits without this replica's prepared vote, which the lock it held until the decision refused.
 * So a write to a key that only replicas read sends no {@code Revoke}, {@code RevokeAck} or {@code LeaseOffer}, and the
 * readers' next reads stay local.
 *
 * <p>Not yet done: acceptors taking over from a manager that crashed (its locks then stay until it returns).
 */
public final class TransactionManager {

    /** Timer tags. */
    public sealed interface TxTick {
    }

    record TxTimeout(TxId tx, int attempt) implements TxTick {
    }

    record LockQueryTick() implements TxTick {
    }

    /** Start a commit again that was waiting for a view. */
    record StartRetry(long id) implements TxTick {
    }

    /** Send the acknowledgements and forgets gathered since the last flush. */
    record AckFlush() implements TxTick {
    }

    /**
     * A transaction whose items have their prepared majorities, waiting for its early votes' revocations: commit now if
     * still undecided (every lease granted before the locks has ended).
     */
    record CommitAfterLeases(TxId tx) implements TxTick {
    }

    /** The manager's own replica's votes to the other acceptors, deferred ({@link #deferOwnVote}): send them now. */
    record SendOwnVotes(TxId tx) implements TxTick {
    }

    /** A transaction still waiting for a node an early vote named: ask the replicas about their revocations. */
    record AskRevoked(TxId tx) implements TxTick {
    }

    /**
     * One item of a transaction: the tag the transaction read, and for a write the new value (null deletes). {@code
     * offer}: on commit, the replicas offer the new value to the nodes whose near-cache leases on the key a recent
     * write revoked ({@link ReplicaManager#offerAfterWrite}).
     */
    public record TxItem(Key key, Tag expected, boolean write, Bytes value, boolean offer) {
        public TxItem(Key key, Tag expected, boolean write, Bytes value) {
            this(key, expected, write, value, false);
        }
    }

    /** The outcome of {@link #commit}. */
    public interface CommitCallback {
        void committed();

        /** Committed, having written {@code written} (with the tags the writes got); by default {@link #committed()}. */
        default void committed(List<Item> written) {
            committed();
        }

        /** Aborted: nothing took effect (a conflict, or no view known yet). */
        void aborted(String reason);

        /** No decision could be reached in time: the transaction may or may not commit later. */
        default void unknown(String reason) {
            aborted(reason);
        }
    }

    private static final int MAX_DECISIONS_KEPT = 10_000;
    /**
     * Decided transactions whose acknowledgements the manager still collects. One whose acknowledgements do not all
     * come (a lost message, a crash, a view change before the decision arrived) is dropped from here when newer ones
     * push it out, and its acceptor state is then kept for good: a bounded leak only under faults, never a risk.
     */
    private static final int MAX_FORGETTING_KEPT = 20_000;
    /** How long acknowledgements and forgets wait to travel together (each list also goes once it is full). */
    static final long ACK_FLUSH_MILLIS = 20;
    /**
     * A decision whose acknowledgements have not all come goes again to the item's current replicas, at most this many
     * times: {@link #takeoverAfterMillis} after the decision, then 1, 2, 3, ... times that after the resend before (all
     * six within 16 of those delays). A node that crashed never acknowledges, and the member that replaced it never got
     * the decision: only the resend lets the acceptors forget.
     */
    static final int MAX_DECIDE_RESENDS = 6;
    /** Decisions resent per lock-query tick at most (a crash leaves every transaction in flight unacknowledged). */
    static final int MAX_DECIDE_RESENDS_PER_TICK = 512;
    private static final int MAX_VOTES_KEPT = 100_000;
    /**
     * How long a manager whose items have their prepared majorities waits for the votes of the nodes early votes named
     * before it asks the replicas about their revocations instead (at once if a replica voted abort).
     */
    static final long REVOKED_QUERY_AFTER_MILLIS = 20;
    /** How long the manager's own replica's vote to the acceptors on other nodes waits ({@link #deferOwnVote}). */
    static final long OWN_VOTE_DEFER_MILLIS = 20;
    /** How long and how often a commit waits for a view lookup before giving up. */
    private static final long VIEW_WAIT_MILLIS = 50;
    private static final int MAX_VIEW_WAITS = 60;
    /** Finishing attempts before a manager gives up on an undecided transaction entirely. */
    private static final int MAX_BACKGROUND_ATTEMPTS = 64;

    private final ReplicaManager replicas;
    private final long txTimeoutMillis;
    private final int maxFinishAttempts;
    private final long lockQueryIntervalMillis;
    private final long takeoverAfterMillis;
    private final Map<TxId, Tx> active = new HashMap<>();
    /** The votes this node gave as a replica, so that duplicates get the same answer (bounded, oldest dropped). */
    private final Map<VoteKey, Vote> votes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<VoteKey, Vote> eldest) {
            return size() > MAX_VOTES_KEPT;
        }
    };
    /**
     * The writes this node prepared as a replica that ask for their value to be offered to recent lease holders on
     * commit (bounded like {@link #votes}: a write forgotten here is stored without an offer, which is always safe).
     */
    private final Map<VoteKey, Boolean> offering = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<VoteKey, Boolean> eldest) {
            return size() > MAX_VOTES_KEPT;
        }
    };
    /**
     * Early votes this node gave as a replica whose revocations may still be unanswered: whether they are answered, and
     * whether the manager asked to be told (bounded like {@link #votes}; removed with the decision).
     */
    private final Map<VoteKey, EarlyVote> earlyVotes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<VoteKey, EarlyVote> eldest) {
            return size() > MAX_VOTES_KEPT;
        }
    };
    /** Transactions this node voted in as a replica, with what it needs to finish them. */
    private final Map<TxId, Participation> participating = new HashMap<>();
    private final Map<TxId, Boolean> decided = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TxId, Boolean> eldest) {
            return size() > MAX_DECISIONS_KEPT;
        }
    };
    /** Decided transactions of this manager waiting for every position's {@link TxDone} (bounded, oldest dropped). */
    private final Map<TxId, Forgetting> forgetting = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TxId, Forgetting> eldest) {
            return size() > MAX_FORGETTING_KEPT;
        }
    };
    /** Acknowledgements and forgets not sent yet, per destination; each list holds at most TxDone.MAX_PARTS. */
    private final Map<Address, List<TxDone.Done>> doneOut = new HashMap<>();
    private final Map<Address, List<TxForget.Forget>> forgetOut = new HashMap<>();
    private boolean flushArmed;
    private long sequence;
    private long incarnation;
    private long startSeq;
    private final Map<Long, PendingStart> pendingStarts = new HashMap<>();

    public TransactionManager(ReplicaManager replicas, long txTimeoutMillis, int maxFinishAttempts,
            long lockQueryIntervalMillis) {
        this.replicas = replicas;
        this.txTimeoutMillis = txTimeoutMillis;
        this.maxFinishAttempts = maxFinishAttempts;
        this.lockQueryIntervalMillis = lockQueryIntervalMillis;
        this.takeoverAfterMillis = 3 * txTimeoutMillis;
        replicas.attach(this);
    }

    /** The prepare messages of the transactions holding locks in this member's group, for state transfer. */
    List<TxPrepare> prepares(ReplicaManager.Member m) {
        List<TxPrepare> out = new ArrayList<>();
        java.util.Set<TxId> seen = new java.util.TreeSet<>();
        for (LockTable.LockRecord r : m.locks.snapshot()) {
            Participation p = participating.get(r.tx());
            if (p != null && seen.add(r.tx())) {
                out.add(p.prepare());
            }
        }
        return out;
    }

    /** A lock arrived by state transfer: remember how to finish its transaction, as if we had voted ourselves. */
    void adoptParticipation(Environment env, TxPrepare p) {
        if (participating.containsKey(p.tx()) || decided.containsKey(p.tx())) {
            return;
        }
        int rank = 1 + p.keys().indexOf(p.key()) * replicas.placement().replication()
                + replicas.placement().replication() * p.keys().size(); // after every original voter
        participating.put(p.tx(), new Participation(p, env.nowMillis(), rank));
    }

    public void start(Environment env) {
        incarnation = env.random().nextLong();
        env.setTimer(lockQueryIntervalMillis, new LockQueryTick());
    }

    // ------------------------------------------------------------------ manager

    /** Commits {@code items} (read and written at the tags given) atomically, or aborts. */
    public void commit(Environment env, List<TxItem> items, CommitCallback callback) {
        commit(env, items, callback, 0);
    }

    /** Starts the commit; while a needed view is still being looked up, waits a little and starts again (bounded). */
    private void commit(Environment env, List<TxItem> items, CommitCallback callback, int waits) {
        NodeRef self = replicas.self();
        TxId id = new TxId(self.address(), incarnation, ++sequence);
        Placement placement = replicas.placement();
        // The acceptors are the replicas of the first item's group: for a transaction on one group (an increment, the
        // cache adapter's lock) each replica's vote to the acceptor on its own node is local, its view is the one the
        // items need anyway, and the commit depends on one group's majority, not two.
        int acceptorGroup = items.isEmpty()
                ? placement.groupOf(RingId.ofKey(id.toString().getBytes(StandardCharsets.UTF_8)))
                : replicas.group(items.get(0).key());
        GroupView acceptors = replicas.bestView(acceptorGroup);
        Map<Key, GroupView> views = new TreeMap<>();
        for (TxItem i : items) {
            GroupView v = replicas.bestView(replicas.group(i.key()));
            if (v == null || acceptors == null) {
                int missing = v == null ? replicas.group(i.key()) : acceptorGroup;
                replicas.searchView(env, missing);
                if (waits < MAX_VIEW_WAITS) {
                    sequence--; // this id was never used
                    pendingStarts.put(++startSeq, new PendingStart(items, callback, waits + 1));
                    env.setTimer(VIEW_WAIT_MILLIS, new StartRetry(startSeq));
                } else {
                    callback.aborted("no view found for group " + missing + " (the transaction's "
                            + (v == null ? "item " + i.key() : "acceptors") + "): is a majority of it reachable?");
                }
                return;
            }
            if (views.put(i.key(), v) != null) {
                callback.aborted("key " + i.key() + " appears twice in one transaction");
                return;
            }
        }
        Tx tx = new Tx(id, views, acceptors, callback, tally(id, views.keySet(), acceptors));
        active.put(id, tx);
        for (TxItem i : items) {
            GroupView v = views.get(i.key());
            Item write = i.write() ? new Item(i.key(), i.expected().next(self.address(), incarnation + id.sequence()),
                    i.value())
                    : null;
            if (write != null) {
                tx.written.add(write);
            }
            TxPrepare p = new TxPrepare(id, v.group(), v.epoch(), i.key(), i.expected(), write, acceptors,
                    new ArrayList<>(views.keySet()), new ArrayList<>(views.values()), write != null && i.offer());
            for (NodeRef n : ReplicaManager.distinct(v)) {
                env.send(n.address(), p);
            }
        }
        env.setTimer(txTimeoutMillis, new TxTimeout(id, 0));
    }

    private CommitTally tally(TxId id, java.util.Collection<Key> keys, GroupView acceptors) {
        int r = replicas.placement().replication();
        int perItem = replicas.config().planted(ReplicaConfig.PlantedBug.MINORITY_COMMIT) ? 1 : r / 2 + 1; // planted bug: 1 of R suffices
        return new CommitTally(id, new ArrayList<>(keys), r, acceptors.replication(), perItem);
    }

    private void onAccepted(Environment env, TxAccepted a) {
        Tx tx = active.get(a.tx());
        if (tx == null) {
            return;
        }
        CommitAcceptor.Instance inst = new CommitAcceptor.Instance(a.tx(), a.key(), a.position());
        for (int p : a.acceptorPositions()) {
            tx.tally.accepted(inst, p, a.ballot(), a.prepared());
        }
        maybeDecide(env, tx);
    }

    /**
     * Decides once the tally has: an abort at once; a commit once the early votes' revocations are covered
     * ({@link #revocationsCovered}), or {@code leaseMillis} after the tally first allowed it.
     */
    private void maybeDecide(Environment env, Tx tx) {
        CommitTally.Decision d = tx.tally.decision();
        if (d == CommitTally.Decision.PENDING && !tx.deferredVotes.isEmpty() && tx.tally.anyChosenAbort()) {
            sendOwnVotes(env, tx); // a replica voted abort: the majority needs ours
        }
        if (d == CommitTally.Decision.ABORT) {
            decide(env, tx, false);
        } else if (d == CommitTally.Decision.COMMIT) {
            long leaseMillis = replicas.config().leaseMillis();
            if (leaseMillis == 0 || revocationsCovered(tx)
                    || replicas.config().planted(ReplicaConfig.PlantedBug.COMMIT_BEFORE_REVOCATION)) { // planted bug
                decide(env, tx, true);
            } else {
                if (tx.commitAfterMillis < 0) {
                    tx.commitAfterMillis = env.nowMillis() + leaseMillis;
                    env.setTimer(leaseMillis, new CommitAfterLeases(tx.id));
                    if (tx.rank == 0) {
                        env.setTimer(REVOKED_QUERY_AFTER_MILLIS, new AskRevoked(tx.id));
                    }
                }
                if (tx.rank == 0 && tx.tally.anyChosenAbort()) {
                    askRevoked(env, tx); // a replica voted abort: if an early vote named its node, it never will
                }
            }
        }
    }

    /**
     * A node an early vote named has not voted prepared: asks the items' replicas to tell us once the holders they
     * revoked answered ({@link TxRevokedQuery}). Once per transaction; only the manager (a finisher's tally, from the
     * acceptors, carries no names and waits the lease period).
     */
    private void askRevoked(Environment env, Tx tx) {
        if (tx.revokedAsked) {
            return;
        }
        tx.revokedAsked = true;
        for (Map.Entry<Key, GroupView> e : tx.views.entrySet()) {
            TxRevokedQuery q = new TxRevokedQuery(tx.id, e.getKey());
            for (NodeRef n : ReplicaManager.distinct(e.getValue())) {
                env.send(n.address(), q);
            }
        }
    }

    /**
     * Whether every item has a majority of positions whose prepared vote is chosen and counted: the manager saw the
     * vote itself, and each position it names (holders it revoked without waiting) has voted prepared too, so their
     * nodes dropped the key ({@link ReplicaManager#dropOwnNear}).
     */
    private boolean revocationsCovered(Tx tx) {
        int r = replicas.placement().replication();
        int majority = tx.tally.preparedPerItem();
        for (Map.Entry<Key, GroupView> e : tx.views.entrySet()) {
            int counted = 0;
            for (int q = 0; q < r && counted < majority; q++) {
                CommitAcceptor.Instance inst = new CommitAcceptor.Instance(tx.id, e.getKey(), q);
                Integer pending = tx.voteMasks.get(inst);
                if (Boolean.TRUE.equals(tx.tally.chosen(inst)) && (tx.revokedAt.contains(inst)
                        || (pending != null && nodesVoted(tx, e.getKey(), e.getValue(), pending)))) {
                    counted++;
                }
            }
            if (counted < majority) {
                return false;
            }
        }
        return true;
    }

    /** Whether, for each position in {@code positions} (a bit each), some position on the same node voted prepared. */
    private boolean nodesVoted(Tx tx, Key key, GroupView view, int positions) {
        for (int b = 0; b < view.replication(); b++) {
            if ((positions & (1 << b)) == 0) {
                continue;
            }
            Address node = view.member(b).address();
            boolean voted = false;
            for (int j = 0; j < view.replication() && !voted; j++) {
                if (view.member(j).address().equals(node)) {
                    CommitAcceptor.Instance inst = new CommitAcceptor.Instance(tx.id, key, j);
                    voted = tx.voteMasks.containsKey(inst) || Boolean.TRUE.equals(tx.tally.chosen(inst));
                }
            }
            if (!voted) {
                return false;
            }
        }
        return true;
    }

    private void decide(Environment env, Tx tx, boolean commit) {
        active.remove(tx.id);
        decided.put(tx.id, commit);
        // the manager (rank 0) collects every position's acknowledgement and then lets the acceptors forget; a
        // replica finishing in its place does not (its transaction's acceptor state is kept)
        boolean collect = tx.rank == 0 && !tx.views.isEmpty();
        if (collect) {
            forgetting.put(tx.id, new Forgetting(tx.views, tx.acceptors, env.nowMillis() + takeoverAfterMillis));
        }
        for (Map.Entry<Key, GroupView> e : tx.views.entrySet()) {
            TxDecide d = new TxDecide(tx.id, commit, e.getValue().group(), e.getKey(),
                    collect ? e.getValue().epoch() : -1);
            for (NodeRef n : ReplicaManager.distinct(e.getValue())) {
                env.send(n.address(), d);
            }
        }
        if (tx.callback == null) {
            return; // the client was already told the outcome is unknown
        }
        if (commit) {
            tx.callback.committed(tx.written);
        } else {
            tx.callback.aborted("a replica voted abort: an item changed since it was read, or is locked by a "
                    + "concurrent transaction");
        }
    }

    /** No decision in time: finish every undecided instance with a higher ballot, proposing abort where empty. */
    private void finish(Environment env, Tx tx, int attempt) {
        if (attempt == maxFinishAttempts + 1 && tx.callback != null) {
            // tell the client now; keep finishing in the background so that the replicas' locks are released
            CommitCallback c = tx.callback;
            tx.callback = null;
            c.unknown("no decision after " + maxFinishAttempts + " attempts: the acceptors of group "
                    + tx.acceptors.group() + " or the items' replicas are unreachable (outcome unknown)");
        }
        if (attempt > MAX_BACKGROUND_ATTEMPTS) {
            active.remove(tx.id); // give up for good; replicas holding its locks keep asking
            return;
        }
        tx.ballot = ((long) attempt << 16) | tx.rank; // unique per finisher: the manager is rank 0
        tx.attempt = attempt;
        tx.promises.clear();
        GroupView newer = replicas.bestView(tx.acceptors.group());
        if (newer != null && newer.epoch() > tx.acceptors.epoch()) {
            tx.acceptors = newer; // the acceptor group moved on; its members took the acceptor state with them
        } else if (attempt > 1) {
            replicas.searchView(env, tx.acceptors.group()); // nobody answered: look for a newer view via the ring
        }
        for (Map.Entry<Key, GroupView> e : tx.views.entrySet()) {
            for (int p = 0; p < replicas.placement().replication(); p++) {
                CommitAcceptor.Instance inst = new CommitAcceptor.Instance(tx.id, e.getKey(), p);
                if (tx.tally.chosen(inst) != null) {
                    continue;
                }
                TxPhase1 m = new TxPhase1(tx.id, e.getKey(), p, tx.ballot, tx.acceptors.group(),
                        tx.acceptors.epoch());
                for (NodeRef n : ReplicaManager.distinct(tx.acceptors)) {
                    env.send(n.address(), m);
                }
            }
        }
        // a random extra wait breaks the symmetry between competing finishers (Paxos liveness)
        env.setTimer(txTimeoutMillis + env.random().nextLong(txTimeoutMillis), new TxTimeout(tx.id, attempt));
    }

    private void onPromise(Environment env, Address from, TxPromise pr) {
        Tx tx = active.get(pr.tx());
        if (tx == null || pr.ballot() != tx.ballot) {
            return;
        }
        CommitAcceptor.Instance inst = new CommitAcceptor.Instance(pr.tx(), pr.key(), pr.position());
        Promises ps = tx.promises.computeIfAbsent(inst, k -> new Promises());
        if (ps.sent) {
            return;
        }
        ps.positions.addAll(pr.acceptorPositions());
        ps.from.add(from);
        if (pr.acceptedBallot() > ps.highest) {
            ps.highest = pr.acceptedBallot();
            ps.value = pr.acceptedPrepared();
        }
        if (ps.positions.size() >= tx.acceptors.majority()) {
            ps.sent = true;
            boolean value = ps.highest >= 0 && ps.value; // nothing accepted: propose abort
            TxPhase2 m = new TxPhase2(tx.id, pr.key(), pr.position(), tx.ballot, value, tx.acceptors.group(),
                    tx.acceptors.epoch());
            for (Address a : ps.from) {
                env.send(a, m);
            }
        }
    }

    // ------------------------------------------------------------------ participant

    private void onPrepare(Environment env, TxPrepare p) {
        ReplicaManager.Member m = replicas.servingMember(p.group(), p.epoch());
        if (m == null) {
            // not a serving member at that epoch: no vote (the manager finishes the instance, proposing abort); tell
            // the manager our view so that its next transaction uses a current one
            env.send(p.tx().manager(), new ReplicaMessage.NotServing(-1, p.group(), replicas.bestView(p.group())));
            return;
        }

        if (decided.containsKey(p.tx())) {
            return; // a late duplicate of a decided transaction's prepare
        }
        VoteKey vk = new VoteKey(p.tx(), p.key());
        Vote given = votes.get(vk);
        // positions taken over recently wait until the leases their previous holder granted are gone; our other
        // positions vote as soon as our own leases on the key are revoked (see LeaseTable), or at once, naming the
        // holders, when each holder replicates the item too (an early vote, see the class comment)
        ReplicaManager.Positions at = replicas.positions(m, env.nowMillis());
        Set<Integer> held = at.held();
        Set<Integer> waiting = p.write() == null ? Set.of() : at.waiting();
        List<Address> early = given == null && p.write() != null ? earlyHolders(env, m, at, p) : null;
        if (given == null && p.write() != null && early == null && replicas.holdWrite(env, m, p.group(), p.key(),
                p.write().tag(), () -> onPrepare(env, p), at.positional())) {
            return; // near caches hold read leases on the key: they drop it before we may promise to change it
        }
        boolean vote;
        int pendingPositions = 0;
        if (given != null) {
            vote = given.prepared(); // a duplicate prepare gets the same vote: one replica, one value at ballot 0
            pendingPositions = given.pendingPositions();
        } else {
            Item current = replicas.storage().get(p.group(), p.key());
            Tag now = current == null ? Tag.ZERO : current.tag();
            Tag expected = replicas.config().planted(ReplicaConfig.PlantedBug.SKIP_VERSION_VALIDATION) ? now : p.expected(); // planted bug
            vote = m.locks.vote(p.tx(), p.key(), now, expected, p.write());
            if (vote && p.write() != null) {
                if (early != null && !early.isEmpty()) {
                    // no revocation goes yet: the holders' own replicas' votes stand for their answers, and their
                    // leases stay (sticky leases, see the class comment); revocations go only if the manager asks
                    earlyVotes.put(vk, new EarlyVote(List.copyOf(held), m, p.group(), p.write().tag()));
                    pendingPositions = positionsOfOthers(m.acceptor.installed(), early);
                }
                replicas.dropOwnNear(p.key(), p.write().tag(), env.nowMillis());
            }
            votes.put(vk, new Vote(vote, pendingPositions));
            if (vote && p.offer()) {
                offering.put(vk, Boolean.TRUE);
            }
        }
        if (vote && !participating.containsKey(p.tx())) {
            // we hold a lock now: remember enough to finish the transaction if its manager disappears
            int rank = 1 + p.keys().indexOf(p.key()) * replicas.placement().replication() + held.iterator().next();
            participating.put(p.tx(), new Participation(p, env.nowMillis(), rank));
        }
        if (vote && !waiting.isEmpty()) {
            if (replicas.config().planted(ReplicaConfig.PlantedBug.VOTE_IN_QUARANTINE)) {
                waiting = Set.of(); // planted bug: the positions in quarantine vote at once
            } else if (!replicas.afterQuarantine(env, m, p.group(), p.key(), p.write().tag(), p.tx(), () -> {
                if (!decided.containsKey(p.tx())) {
                    onPrepare(env, p); // votes at every position now (the others' go again: acceptors take duplicates)
                }
            })) {
                waiting = Set.of(); // the quarantine is over by now
            }
        }
        Address self = replicas.self().address();
        List<NodeRef> to = voteRecipients(p.acceptors(), self, p.tx().manager());
        // the acceptor on this node, if it is one (it serves the acceptor group at that epoch, so the vote goes to it),
        // accepts here and now, and the vote to the manager carries that acceptance (one message instead of a vote and
        // a TxAccepted); only when the vote goes to the manager (it does not when the manager is no acceptor) and the
        // manager is elsewhere (its own acceptances reach it locally)
        Address manager = p.tx().manager();
        boolean alsoToManager = vote && !ReplicaManager.containsAddress(to, manager);
        ReplicaManager.Member localAcceptor = manager.equals(self) || !ReplicaManager.containsAddress(to, manager) ? null
                : replicas.servingMember(p.acceptors().group(), p.acceptors().epoch());
        List<Integer> localPositions = localAcceptor == null ? List.of() : positions(localAcceptor);
        // the manager's own replica: its prepared vote goes to the other acceptors only if the others' votes do not
        // decide the item soon (see deferOwnVote)
        Tx own = vote && manager.equals(self) ? active.get(p.tx()) : null;
        if (own != null && m.acceptor.installed().replication() - held.size() < m.acceptor.installed().majority()) {
            own = null; // the other positions are no majority without ours
        }
        for (int position : held) {
            if (waiting.contains(position) && vote) {
                continue; // a refusal promises nothing and goes at once; a promise waits for the quarantine's end
            }
            List<Integer> acceptedAt = localAcceptor != null && localAcceptor.commitAcceptors.acceptVote(
                    new CommitAcceptor.Instance(p.tx(), p.key(), position), vote) ? localPositions : List.of();
            TxVote v = new TxVote(p.tx(), p.key(), position, vote, p.acceptors().group(), p.acceptors().epoch(),
                    acceptedAt, pendingPositions);
            for (NodeRef n : to) {
                if (own != null && !n.address().equals(self)) {
                    deferOwnVote(env, own, n.address(), v);
                } else if (localAcceptor == null || !n.address().equals(self)) {
                    env.send(n.address(), v);
                }
            }
            if (alsoToManager) {
                env.send(manager, v); // a manager that is no acceptor counts a prepared vote only if it saw it
            }
        }
    }

    /**
     * Where a replica on node {@code self} sends its vote (phase 2a at ballot 0). Paxos needs the value accepted by a
     * majority of acceptors, not by all of them: when this node and the manager's node together hold a majority of
     * the acceptor positions (with R = 3, whenever the manager is an acceptor), a replica on another node sends its
     * vote to those two nodes only, where it is accepted locally and forwarded to the manager locally. The replica on
     * the manager's node, and every replica when the manager is no acceptor, send to all acceptors (the manager's own
     * replica defers the votes to other nodes, {@link #deferOwnVote}). With R = 3 and one node lost other than the
     * manager, two replicas remain, the manager's own (accepted by every live acceptor once its deferred votes go) and
     * one other (accepted on its node and the manager's). Safety does not depend on which acceptors a vote reaches: a
     * finisher's phase 1 asks a majority, which meets every majority that accepted.
     */
    static List<NodeRef> voteRecipients(GroupView acceptors, Address self, Address manager) {
        List<NodeRef> all = ReplicaManager.distinct(acceptors);
        if (self.equals(manager)) {
            return all;
        }
        int covered = 0;
        for (NodeRef n : acceptors.members()) {
            if (n.address().equals(self) || n.address().equals(manager)) {
                covered++;
            }
        }
        if (covered < acceptors.majority()) {
            return all;
        }
        List<NodeRef> out = new ArrayList<>(2);
        for (NodeRef n : all) {
            if (n.address().equals(self) || n.address().equals(manager)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The holders of leases on {@code p}'s key that this replica may revoke without waiting for their answers before it
     * votes (an early vote): every one of them is this node or a node holding a position of the item's view, so its own
     * replica's vote proves it dropped the key. Null if the vote must wait the usual way ({@link
     * ReplicaManager#holdWrite}): a holder replicates nothing here, a quarantine may hide leases, or writes are parked
     * on the key already.
     */
    private List<Address> earlyHolders(Environment env, ReplicaManager.Member m, ReplicaManager.Positions at,
            TxPrepare p) {
        if (!at.waiting().isEmpty() || replicas.config().planted(ReplicaConfig.PlantedBug.SKIP_LEASE_REVOCATION)) {
            return null;
        }
        List<Address> holders = m.leases.blockingHolders(p.key(), env.nowMillis(), p.write().tag());
        if (holders == null) {
            return null;
        }
        GroupView view = m.acceptor.installed();
        Address self = replicas.self().address();
        for (Address h : holders) {
            if (!h.equals(self) && ReplicaManager.indicesOf(view, h).isEmpty()) {
                return null;
            }
        }
        return holders;
    }

    /**
     * The manager's own replica voted prepared: its vote to the acceptors on other nodes waits
     * {@link #OWN_VOTE_DEFER_MILLIS}. The other replicas' votes are each accepted on their own node and on the
     * manager's, so with them alone every item is decided and the deferred votes are never sent: two votes and two
     * acceptances fewer per one-group transaction. If the decision has not come by then (a replica is down or slow), or
     * a replica voted abort, they go: the manager's vote is then needed for a majority.
     */
    private void deferOwnVote(Environment env, Tx tx, Address to, TxVote v) {
        if (tx.deferredVotes.isEmpty()) {
            env.setTimer(OWN_VOTE_DEFER_MILLIS, new SendOwnVotes(tx.id));
        }
        tx.deferredVotes.add(new DeferredVote(to, v));
    }

    /** Sends the manager's own deferred votes now (once). */
    private static void sendOwnVotes(Environment env, Tx tx) {
        for (DeferredVote d : tx.deferredVotes) {
            env.send(d.to(), d.vote());
        }
        tx.deferredVotes.clear();
    }

    /** The holders an early vote revoked have answered (or their leases expired): tell the manager if it asked. */
    private void revocationsAnswered(Environment env, VoteKey vk, EarlyVote e) {
        e.answered = true;
        if (e.asked && earlyVotes.get(vk) == e && !decided.containsKey(vk.tx())) {
            env.send(vk.tx().manager(), new TxRevoked(vk.tx(), vk.key(), e.positions));
        }
    }

    /**
     * The manager asks about an early vote's holders (one of them has not voted prepared in time): their leases on the
     * key are revoked now, the usual way, and the answer goes once every holder answered or its lease ended. If the
     * member that voted no longer stands for the group here (its lease table is not the one that granted), nothing is
     * answered: the manager then waits out the leases.
     */
    private void revokeNow(Environment env, VoteKey vk, EarlyVote e) {
        if (replicas.member(e.group) != e.member) {
            return;
        }
        e.revoking = true;
        if (!replicas.holdWrite(env, e.member, e.group, vk.key(), e.writing,
                () -> revocationsAnswered(env, vk, e))) {
            e.answered = true; // nothing to wait for: every lease ended or was revoked meanwhile
        }
    }

    /** The manager asks whether the leases our vote on a key revoked are answered: now if so, else once they are. */
    private void onRevokedQuery(Environment env, Address from, TxRevokedQuery q) {
        VoteKey vk = new VoteKey(q.tx(), q.key());
        EarlyVote e = earlyVotes.get(vk);
        Vote given = votes.get(vk);
        if (e != null && !e.answered && !e.revoking && !decided.containsKey(q.tx())) {
            revokeNow(env, vk, e);
        }
        if (e != null && !e.answered) {
            e.asked = true;
        } else if (given != null && given.prepared() && (e != null || given.pendingPositions() == 0)
                && !decided.containsKey(q.tx())) {
            // answered, or a vote that waited for its revocations in the first place
            ReplicaManager.Member m = replicas.member(replicas.group(q.key()));
            List<Integer> positions = e != null ? e.positions
                    : m == null ? List.of() : new ArrayList<>(ReplicaManager.indicesOf(m.acceptor.installed(),
                            replicas.self().address()));
            if (!positions.isEmpty()) {
                env.send(from, new TxRevoked(q.tx(), q.key(), positions));
            }
        }
    }

    /** The positions in {@code view} of {@code holders} other than this node, a bit each. */
    private int positionsOfOthers(GroupView view, List<Address> holders) {
        Address self = replicas.self().address();
        int bits = 0;
        for (Address h : holders) {
            if (!h.equals(self)) {
                for (int i : ReplicaManager.indicesOf(view, h)) {
                    bits |= 1 << i;
                }
            }
        }
        return bits;
    }

    private void onDecide(Environment env, TxDecide d) {
        participating.remove(d.tx());
        decided.put(d.tx(), d.commit());
        Tx finishing = active.get(d.tx());
        if (finishing != null && finishing.rank > 0) {
            active.remove(d.tx()); // someone else finished it
        }
        // the member's lock, and the lock kept with the data of a group we just left (a state-transfer source must
        // not hand a decided lock to the new member, which would wait for a decision nobody sends it again)
        ReplicaManager.Member m = replicas.member(d.group());
        // the decision answers duplicates of the prepare from now on (decided is checked first), so the vote goes:
        // kept until 100,000 newer ones pushed it out, every vote was promoted to the old generation, and the live
        // heap grew ~2 MB/s in the L2 benchmark's 90/10 mix (docs/BENCHMARKS.md, session 15)
        VoteKey vk = new VoteKey(d.tx(), d.key());
        votes.remove(vk);
        earlyVotes.remove(vk);
        boolean offer = offering.remove(vk) != null;
        replicas.cancelAfterQuarantine(d.key(), d.tx());
        boolean applied = release(m, d);
        if (m != null) {
            replicas.resumeOwnNear(env, m, d.group(), d.key()); // the entry our prepared vote set aside, if any
        }
        if (applied && offer) {
            replicas.offerAfterWrite(env, m, d.group(), d.key());
        }
        release(replicas.retiredMember(d.group()), d);
        // Acknowledge to the manager as a member serving the prepare's epoch or a later one, naming the epoch served:
        // the manager lets the acceptors forget once every position of one epoch has acknowledged at that epoch. A
        // lock is copied only by state transfer, into a member recovering at a later epoch, from a source that
        // installed that epoch before serving the copy; so when every position of epoch E acknowledged at E, each
        // released its lock before any copy of it was made at a later epoch (docs/CONSISTENCY.md).
        long serving = m == null ? -1 : m.acceptor.installed().epoch();
        if (d.epoch() >= 0 && m != null && !m.recovering && serving >= d.epoch()) {
            queue(env, doneOut, d.tx().manager(), new TxDone.Done(d.tx(), d.key(), serving, positions(m)),
                    TxDone::new);
        }
    }

    /** Adds {@code part} to what goes to {@code to}: at once when the list is full, else at the next flush. */
    private <P> void queue(Environment env, Map<Address, List<P>> out, Address to, P part,
            java.util.function.Function<List<P>, TxnMessage> bundle) {
        List<P> parts = out.computeIfAbsent(to, a -> new ArrayList<>());
        parts.add(part);
        if (parts.size() >= TxDone.MAX_PARTS) {
            env.send(to, bundle.apply(out.remove(to)));
        }
        if (!flushArmed) {
            flushArmed = true;
            env.setTimer(ACK_FLUSH_MILLIS, new AckFlush());
        }
    }

    private void flush(Environment env) {
        flushArmed = false;
        doneOut.forEach((to, parts) -> env.send(to, new TxDone(parts)));
        doneOut.clear();
        forgetOut.forEach((to, parts) -> env.send(to, new TxForget(parts)));
        forgetOut.clear();
    }

    private void onDone(Environment env, TxDone bundle) {
        List<TxDone.Done> parts = bundle.done();
        for (int i = 0; i < Math.min(parts.size(), TxDone.MAX_PARTS); i++) {
            onDone(env, parts.get(i));
        }
    }

    /**
     * Positions acknowledged a decision at an epoch (the prepare's or a later one); once, for every item, every position
     * of one epoch did so at that epoch, the acceptors may forget.
     */
    private void onDone(Environment env, TxDone.Done done) {
        Forgetting f = forgetting.get(done.tx());
        if (f == null) {
            return;
        }
        GroupView v = f.views.get(done.key());
        if (v == null || done.epoch() < v.epoch()) {
            return;
        }
        f.ack(done.key(), done.epoch(), done.positions(), v.replication());
        for (Key key : f.views.keySet()) {
            if (!f.complete(key)) {
                return;
            }
        }
        forgetting.remove(done.tx());
        TxForget.Forget forget = new TxForget.Forget(done.tx(), f.acceptors.group());
        List<NodeRef> to = new ArrayList<>(ReplicaManager.distinct(f.acceptors));
        GroupView now = replicas.bestView(f.acceptors.group());
        if (now != null && now.epoch() > f.acceptors.epoch()) {
            // the acceptor group moved on, and its new members took the acceptor state with them
            for (NodeRef n : ReplicaManager.distinct(now)) {
                if (!ReplicaManager.containsAddress(to, n.address())) {
                    to.add(n);
                }
            }
        }
        for (NodeRef n : to) {
            queue(env, forgetOut, n.address(), forget, TxForget::new);
        }
    }

    /**
     * Sends again the decisions whose acknowledgements are overdue, to the replicas of each unacknowledged item's
     * current view (they acknowledge at the epoch they serve); looks for a newer view of a group whose decision went
     * out more than once already. Bounded per tick and per decision.
     */
    private void resendDecisions(Environment env) {
        long now = env.nowMillis();
        int budget = MAX_DECIDE_RESENDS_PER_TICK;
        Set<Integer> searched = new java.util.HashSet<>();
        for (Map.Entry<TxId, Forgetting> e : forgetting.entrySet()) {
            Forgetting f = e.getValue();
            if (f.resends >= MAX_DECIDE_RESENDS || now < f.nextResendMillis) {
                continue;
            }
            Boolean commit = decided.get(e.getKey());
            if (commit == null) {
                continue; // pushed out of the decisions kept: it cannot be sent again
            }
            f.resends++;
            f.nextResendMillis = now + takeoverAfterMillis * f.resends;
            for (Map.Entry<Key, GroupView> item : f.views.entrySet()) {
                if (f.complete(item.getKey())) {
                    continue;
                }
                int group = item.getValue().group();
                GroupView current = replicas.bestView(group);
                if (current == null || current.epoch() < item.getValue().epoch()) {
                    current = item.getValue();
                }
                if (f.resends > 1 && searched.add(group)) {
                    replicas.searchView(env, group); // the members of a view we do not know yet have not heard
                }
                TxDecide d = new TxDecide(e.getKey(), commit, group, item.getKey(), item.getValue().epoch());
                for (NodeRef n : ReplicaManager.distinct(current)) {
                    env.send(n.address(), d);
                }
                budget--;
            }
            if (budget <= 0) {
                return;
            }
        }
    }

    private void onForget(TxForget bundle) {
        List<TxForget.Forget> parts = bundle.forget();
        for (int i = 0; i < Math.min(parts.size(), TxDone.MAX_PARTS); i++) {
            onForget(parts.get(i));
        }
    }

    /** Every lock of the transaction is gone: its acceptor instances are no longer needed by anyone. */
    private void onForget(TxForget.Forget f) {
        for (ReplicaManager.Member m : new ReplicaManager.Member[] {replicas.member(f.acceptorGroup()),
                replicas.retiredMember(f.acceptorGroup())}) {
            if (m != null) {
                m.commitAcceptors.forget(f.tx());
            }
        }
    }

    /**
     * Paxos Commit acceptor instances this node keeps for the groups it serves. The copies kept with a removed member's
     * data are not counted: they go with that data when its retention ends.
     */
    public long acceptorInstances() {
        long n = 0;
        for (int g : replicas.memberGroupIds()) {
            n += replicas.member(g).commitAcceptors.size();
        }
        return n;
    }

    /** Releases {@code d}'s lock at {@code m}; returns whether that stored a write. */
    private boolean release(ReplicaManager.Member m, TxDecide d) {
        if (m == null) {
            return false;
        }
        Item apply = m.locks.release(d.tx(), d.key(), d.commit());
        if (apply != null) {
            replicas.storage().putIfNewer(d.group(), apply);
        }
        return apply != null;
    }

    /** Applies every decision this node knows to {@code m}'s locks, before they are handed to a new member. */
    void settleDecided(ReplicaManager.Member m, int group) {
        for (LockTable.LockRecord r : m.locks.snapshot()) {
            Boolean known = decided.get(r.tx());
            if (known != null) {
                release(m, new TxDecide(r.tx(), known, group, r.key(), -1));
            }
        }
    }

    private void queryOldLocks(Environment env) {
        long now = env.nowMillis();
        for (int g : replicas.retiredGroupIds()) {
            settleDecided(replicas.retiredMember(g), g);
        }
        for (int g : replicas.memberGroupIds()) {
            ReplicaManager.Member m = replicas.member(g);
            for (LockTable.LockRecord r : m.locks.snapshot()) {
                Boolean known = decided.get(r.tx());
                if (known != null) {
                    onDecide(env, new TxDecide(r.tx(), known, g, r.key(), -1));
                    continue;
                }
                TxQuery q = new TxQuery(r.tx(), g, r.key());
                env.send(r.tx().manager(), q);
                Participation p = participating.get(r.tx());
                if (p == null) {
                    // a lock that came by state transfer without its transaction: the decision may have gone only to
                    // the members of an older view, so ask the current ones too (they answer from what they know)
                    for (NodeRef n : ReplicaManager.distinct(m.acceptor.installed())) {
                        if (!n.address().equals(replicas.self().address())) {
                            env.send(n.address(), q);
                        }
                    }
                }
                // replicas wait in rank order, so that usually one finisher runs rather than several dueling ones
                if (p != null && !active.containsKey(r.tx())
                        && now - p.sinceMillis > takeoverAfterMillis + takeoverStaggerMillis(p.rank)) {
                    takeOver(env, p);
                }
            }
        }
    }

    /**
     * How much longer than the first finisher a replica of rank {@code rank} waits. Bounded, so that a transaction of
     * many items is still finished within a few timeouts; finishers that start together are safe (every ballot is
     * unique), only slower.
     */
    private long takeoverStaggerMillis(int rank) {
        return Math.min(rank, 2 * replicas.placement().replication()) * txTimeoutMillis / 2;
    }

    /**
     * The manager has not decided for too long (it may have crashed): finish the transaction in its place, with this
     * replica's own ballots. Any number of replicas may do so at once; they all decide from the same chosen values.
     */
    private void takeOver(Environment env, Participation p) {
        TxPrepare prep = p.prepare;
        Map<Key, GroupView> views = new TreeMap<>();
        for (int i = 0; i < prep.keys().size(); i++) {
            views.put(prep.keys().get(i), prep.views().get(i));
        }
        GroupView acceptors = prep.acceptors();
        GroupView newer = replicas.bestView(acceptors.group());
        if (newer != null && newer.epoch() > acceptors.epoch()) {
            acceptors = newer;
        }
        Tx tx = new Tx(prep.tx(), views, acceptors, null, tally(prep.tx(), views.keySet(), acceptors));
        tx.rank = p.rank;
        active.put(tx.id, tx);
        finish(env, tx, 1);
    }

    // ------------------------------------------------------------------ acceptor

    /** The acceptor state if this node serves the group at that epoch; otherwise tells the sender our view. */
    private ReplicaManager.Member acceptorMember(Environment env, Address from, int group, long epoch) {
        ReplicaManager.Member m = replicas.servingMember(group, epoch);
        if (m == null) {
            env.send(from, new ReplicaMessage.NotServing(-1, group, replicas.bestView(group)));
        }
        return m;
    }

    private List<Integer> positions(ReplicaManager.Member m) {
        return new ArrayList<>(ReplicaManager.indicesOf(m.acceptor.installed(), replicas.self().address()));
    }

    private void onVote(Environment env, Address from, TxVote v) {
        Tx managed = active.get(v.tx());
        if (managed != null && v.prepared()) {
            // what the voter revoked without waiting: counted once those positions voted too (maybeDecide)
            managed.voteMasks.merge(new CommitAcceptor.Instance(v.tx(), v.key(), v.position()), v.pendingPositions(),
                    (a, b) -> a | b);
        }
        if (!v.acceptedAt().isEmpty()) {
            // the acceptances on the voter's node, which came with the vote (a no-op unless we manage the transaction)
            onAccepted(env, new TxAccepted(v.tx(), v.key(), v.position(), 0, v.prepared(), v.acceptedAt()));
        } else if (managed != null) {
            maybeDecide(env, managed); // the acceptances may have come first
        }
        if (v.tx().manager().equals(replicas.self().address())
                && replicas.servingMember(v.acceptorGroup(), v.acceptorEpoch()) == null) {
            return; // sent to us as the manager only (we are no acceptor of it)
        }
        ReplicaManager.Member m = acceptorMember(env, v.tx().manager(), v.acceptorGroup(), v.acceptorEpoch());
        if (m == null) {
            return;
        }
        CommitAcceptor.Instance inst = new CommitAcceptor.Instance(v.tx(), v.key(), v.position());
        if (m.commitAcceptors.acceptVote(inst, v.prepared())) {
            env.send(v.tx().manager(), new TxAccepted(v.tx(), v.key(), v.position(), 0, v.prepared(), positions(m)));
        }
    }

    private void onPhase1(Environment env, Address from, TxPhase1 p) {
        ReplicaManager.Member m = acceptorMember(env, from, p.acceptorGroup(), p.acceptorEpoch());
        if (m == null) {
            return;
        }
        CommitAcceptor.Instance inst = new CommitAcceptor.Instance(p.tx(), p.key(), p.position());
        CommitAcceptor.State s = m.commitAcceptors.prepare(inst, p.ballot());
        if (s != null) {
            env.send(from, new TxPromise(p.tx(), p.key(), p.position(), p.ballot(), s.acceptedBallot(),
                    s.acceptedPrepared(), positions(m)));
        }
    }

    private void onPhase2(Environment env, Address from, TxPhase2 p) {
        ReplicaManager.Member m = acceptorMember(env, from, p.acceptorGroup(), p.acceptorEpoch());
        if (m == null) {
            return;
        }
        CommitAcceptor.Instance inst = new CommitAcceptor.Instance(p.tx(), p.key(), p.position());
        if (m.commitAcceptors.accept(inst, p.ballot(), p.prepared())) {
            env.send(from, new TxAccepted(p.tx(), p.key(), p.position(), p.ballot(), p.prepared(), positions(m)));
        }
    }

    // ------------------------------------------------------------------ dispatch

    public void onMessage(Environment env, Address from, TxnMessage m) {
        if (m instanceof TxPrepare p) {
            onPrepare(env, p);
        } else if (m instanceof TxVote v) {
            onVote(env, from, v);
        } else if (m instanceof TxAccepted a) {
            onAccepted(env, a);
        } else if (m instanceof TxDecide d) {
            onDecide(env, d);
        } else if (m instanceof TxDone d) {
            onDone(env, d);
        } else if (m instanceof TxForget f) {
            onForget(f);
        } else if (m instanceof TxPhase1 p) {
            onPhase1(env, from, p);
        } else if (m instanceof TxPromise p) {
            onPromise(env, from, p);
        } else if (m instanceof TxPhase2 p) {
            onPhase2(env, from, p);
        } else if (m instanceof TxRevokedQuery q) {
            onRevokedQuery(env, from, q);
        } else if (m instanceof TxRevoked r) {
            Tx tx = active.get(r.tx());
            if (tx != null) {
                for (int p : r.positions()) {
                    tx.revokedAt.add(new CommitAcceptor.Instance(r.tx(), r.key(), p));
                }
                maybeDecide(env, tx);
            }
        } else if (m instanceof TxQuery q) {
            Boolean d = decided.get(q.tx());
            if (d != null) {
                env.send(from, new TxDecide(q.tx(), d, q.group(), q.key(), -1));
            }
        }
    }

    public void onTimer(Environment env, TxTick t) {
        if (t instanceof TxTimeout to) {
            Tx tx = active.get(to.tx());
            if (tx != null && tx.attempt == to.attempt() && tx.commitAfterMillis < 0) {
                finish(env, tx, to.attempt() + 1); // (one waiting for its revocations has its outcome: commit)
            }
        } else if (t instanceof SendOwnVotes o) {
            Tx tx = active.get(o.tx());
            if (tx != null) {
                sendOwnVotes(env, tx);
            }
        } else if (t instanceof AskRevoked a) {
            Tx tx = active.get(a.tx());
            if (tx != null) {
                askRevoked(env, tx);
            }
        } else if (t instanceof CommitAfterLeases c) {
            Tx tx = active.get(c.tx());
            if (tx != null && tx.tally.decision() == CommitTally.Decision.COMMIT) {
                decide(env, tx, true);
            }
        } else if (t instanceof StartRetry r) {
            PendingStart p = pendingStarts.remove(r.id());
            if (p != null) {
                commit(env, p.items(), p.callback(), p.waits());
            }
        } else if (t instanceof AckFlush) {
            flush(env);
        } else if (t instanceof LockQueryTick) {
            queryOldLocks(env);
            resendDecisions(env);
            env.setTimer(lockQueryIntervalMillis, t);
        }
    }

    /** A line per lock this node holds as a replica, for diagnosis: transaction, key, and whether it can finish it. */
    public List<String> describeLocks() {
        List<String> out = new ArrayList<>();
        for (int g : replicas.memberGroupIds()) {
            for (LockTable.LockRecord r : replicas.member(g).locks.snapshot()) {
                Participation p = participating.get(r.tx());
                out.add(r.tx() + " " + r.key() + (r.pending() == null ? " read" : " write") + " group " + g
                        + (p == null ? " (no metadata)" : " (since " + p.sinceMillis() + " ms, rank " + p.rank() + ")")
                        + (active.containsKey(r.tx()) ? " finishing at attempt " + active.get(r.tx()).attempt : ""));
            }
        }
        return out;
    }

    /** Transactions this node manages that are not decided yet. */
    public int activeTransactions() {
        return active.size();
    }

    private record Participation(TxPrepare prepare, long sinceMillis, int rank) {
    }

    /**
     * A decided transaction's acknowledgements so far: per item, the newest epoch acknowledged at and the positions that
     * acknowledged at it (an acknowledgement at a newer epoch starts the count again; resends go to the newest view, so
     * its members complete it); and when its decision goes out again.
     */
    private static final class Forgetting {
        final Map<Key, GroupView> views;
        final GroupView acceptors;
        final Map<Key, Acks> acked = new HashMap<>();
        long nextResendMillis;
        int resends;

        Forgetting(Map<Key, GroupView> views, GroupView acceptors, long firstResendMillis) {
            this.views = views;
            this.acceptors = acceptors;
            this.nextResendMillis = firstResendMillis;
        }

        void ack(Key key, long epoch, List<Integer> positions, int replication) {
            Acks a = acked.computeIfAbsent(key, k -> new Acks());
            if (epoch < a.epoch) {
                return; // a newer epoch is being counted
            }
            if (epoch > a.epoch) {
                a.epoch = epoch;
                a.positions = 0;
            }
            for (int p : positions) {
                if (p >= 0 && p < replication) { // R <= 15 (Placement.validate): the bit fits
                    a.positions |= 1L << p;
                }
            }
        }

        /** Every position of one epoch acknowledged at that epoch. */
        boolean complete(Key key) {
            Acks a = acked.get(key);
            return a != null && Long.bitCount(a.positions) >= views.get(key).replication();
        }
    }

    /** The positions (a bit each) that acknowledged at {@code epoch}. */
    private static final class Acks {
        long epoch = -1;
        long positions;
    }

    private record VoteKey(TxId tx, Key key) {
    }

    /** The vote this node gave as a replica, and the positions an early vote named (0 otherwise). */
    private record Vote(boolean prepared, int pendingPositions) {
    }

    /** A vote of the manager's own replica to another node's acceptor, held back. */
    private record DeferredVote(Address to, TxVote vote) {
    }

    /**
     * An early vote's revocations, sent only if the manager asks ({@code revoking}): the positions to report them
     * answered for, the member that voted, its group and the write's tag to revoke with, and whether they are answered.
     */
    private static final class EarlyVote {
        final List<Integer> positions;
        final ReplicaManager.Member member;
        final int group;
        final Tag writing;
        boolean revoking;
        boolean answered;
        boolean asked;

        EarlyVote(List<Integer> positions, ReplicaManager.Member member, int group, Tag writing) {
            this.positions = positions;
            this.member = member;
            this.group = group;
            this.writing = writing;
        }
    }

    private record PendingStart(List<TxItem> items, CommitCallback callback, int waits) {
    }

    private static final class Promises {
        final Set<Integer> positions = new java.util.TreeSet<>();
        final Set<Address> from = new java.util.LinkedHashSet<>();
        long highest = -1;
        boolean value;
        boolean sent;
    }

    private static final class Tx {
        final TxId id;
        final Map<Key, GroupView> views;
        GroupView acceptors;
        CommitCallback callback;
        final CommitTally tally;
        final Map<CommitAcceptor.Instance, Promises> promises = new HashMap<>();
        long ballot;
        int attempt;
        /** 0 for the manager; 1 + (item index * R + position) for a replica finishing in its place. */
        int rank;
        /** What the transaction writes, with the tags the writes get (the manager's own transactions only). */
        final List<Item> written = new ArrayList<>();
        /** Prepared votes the manager saw itself, with the positions each revoked without waiting (a bit each). */
        final Map<CommitAcceptor.Instance, Integer> voteMasks = new HashMap<>();
        /** When the tally first allowed a commit that waits for revocations; -1 if it has not. */
        long commitAfterMillis = -1;
        /** The manager's own replica's votes to other acceptors, not sent yet ({@link #deferOwnVote}). */
        final List<DeferredVote> deferredVotes = new ArrayList<>(2);
        /** Whether the replicas were asked about their revocations ({@link #askRevoked}). */
        boolean revokedAsked;
        /** Positions whose replica said every lease it revoked before voting is answered ({@link TxRevoked}). */
        final Set<CommitAcceptor.Instance> revokedAt = new java.util.HashSet<>();

        Tx(TxId id, Map<Key, GroupView> views, GroupView acceptors, CommitCallback callback, CommitTally tally) {
            this.id = id;
            this.views = views;
            this.acceptors = acceptors;
            this.callback = callback;
            this.tally = tally;
        }
    }
}
