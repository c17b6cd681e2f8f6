package io.homeostat.replica;

import io.homeostat.replica.ReplicaMessage.NotServing;
import io.homeostat.replica.ReplicaMessage.PullReply;
import io.homeostat.replica.ReplicaMessage.PullRequest;
import io.homeostat.replica.ReplicaMessage.ReadReply;
import io.homeostat.replica.ReplicaMessage.LeaseGrant;
import io.homeostat.replica.ReplicaMessage.LeaseHandoff;
import io.homeostat.replica.ReplicaMessage.LeaseHandoffRequest;
import io.homeostat.replica.ReplicaMessage.LeaseOffer;
import io.homeostat.replica.ReplicaMessage.LeaseRenew;
import io.homeostat.replica.ReplicaMessage.LeaseRenewBundle;
import io.homeostat.replica.ReplicaMessage.LeaseRenewReply;
import io.homeostat.replica.ReplicaMessage.LeaseRenewReplyBundle;
import io.homeostat.replica.ReplicaMessage.LeaseReply;
import io.homeostat.replica.ReplicaMessage.LeaseRequest;
import io.homeostat.replica.ReplicaMessage.Renewal;
import io.homeostat.replica.ReplicaMessage.ReadRequest;
import io.homeostat.replica.ReplicaMessage.Revoke;
import io.homeostat.replica.ReplicaMessage.RevokeAck;
import io.homeostat.replica.ReplicaMessage.ViewAccept;
import io.homeostat.replica.ReplicaMessage.ViewAccepted;
import io.homeostat.replica.ReplicaMessage.ViewInfo;
import io.homeostat.replica.ReplicaMessage.ViewInstall;
import io.homeostat.replica.ReplicaMessage.ViewPrepare;
import io.homeostat.replica.ReplicaMessage.ViewPromise;
import io.homeostat.replica.ReplicaMessage.ViewQuery;
import io.homeostat.replica.ReplicaMessage.ViewRefused;
import io.homeostat.replica.ReplicaMessage.WriteReply;
import io.homeostat.replica.ReplicaMessage.WriteRequest;
import io.homeostat.ring.LookupCallback;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingListener;
import io.homeostat.ring.RingNode;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.store.Bytes;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Storage;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Replication with consistent quorums over the ring (after CATS: Arad, Shafaat and Haridi, "CATS: Linearizability and
 * Partition Tolerance in Scalable and Self-Organizing Key-Value Stores", SoCC 2013).
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>Keys are placed symmetrically on a grid of slots ({@link Placement}); the R slots of a <em>group</em> are 1/R of
 *   the circle apart. The ring only <em>proposes</em> who should hold a slot (the node responsible for its first
 *   point).</li>
 *   <li>Who holds replica i of a group is a {@link GroupView} with an epoch. A node becomes a member only through a
 *   view change chosen by Paxos among a majority of the current view's members ({@link ViewAcceptor}), one position
 *   at a time. A member that accepted the next view is fenced: it refuses operations of the old epoch.</li>
 *   <li>A new member first pulls the group's data from members covering a majority of the other positions (counting
 *   positions it already held with complete data), taking the newest tag per key; until then it does not serve. Every
 *   acknowledged write is on a majority of positions of its view, and any majority of the others intersects that
 *   set, so nothing acknowledged is lost across view changes.</li>
 *   <li>Operations are multi-writer ABD (Lynch and Shvartsman 1997) on consistent quorums: a query phase collects
 *   tags from a majority of positions <em>of one view</em>; a write then stores tag+1, and a read whose replies
 *   disagree writes the newest value back before returning. Replies of another epoch are discarded and the operation
 *   retries with the newer view.</li>
 * </ul>
 * Why two sides of a partition can never both complete operations is argued in docs/CONSISTENCY.md.
 *
 * <p>A pure component of the node's protocol: single-threaded, driven by messages and ticks.
 */
public final class ReplicaManager {

    /** Timer tags. */
    public sealed interface ReplicaTick {
    }

    record CheckTick() implements ReplicaTick {
    }

    /** A write parked on a key's read leases looks again (the leases have expired by then if unanswered). */
    record LeaseCheck(int group, Key key) implements ReplicaTick {
    }

    /** Ask the previous holders of positions taken over again for their leases, while that still lifts a quarantine. */
    record LeaseHandoffRetry(int group) implements ReplicaTick {
    }

    /** A near-cache lease request got no majority in time: read the ordinary way. */
    record LeaseTimeout(long opId) implements ReplicaTick {
    }

    /** The renewal loop's period: renew the leases of the near-cache entries that are due and still read. */
    record RenewSweep() implements ReplicaTick {
    }

    /** A renewal request's time is up: keys not extended by then keep their old end. */
    record RenewTimeout(long batchId) implements ReplicaTick {
    }

    record OpTimeout(long opId, int attempt) implements ReplicaTick {
    }

    record ProposalTimeout(int group, long proposalId) implements ReplicaTick {
    }

    /** An operation met a transaction's write lock: query again. */
    record LockWait(long opId, int attempt) implements ReplicaTick {
    }

    /** A view search that got no useful answer in time: forget it so the next tick may search again. */
    record SearchTimeout(long searchId) implements ReplicaTick {
    }

    /** Ask a member for state transfer again: it was not serving the view yet. */
    record PullRetry(Pull pull) implements ReplicaTick {
    }

    /** A state-transfer request (or its reply) that may have been lost: ask again from the start if still pending. */
    record PullTimeout(long requestId) implements ReplicaTick {
    }

    /** Why an operation failed. */
    public enum Failure { UNAVAILABLE, TIMEOUT }

    /** Completion of {@link #read} and {@link #write}; runs on the node's event loop. */
    public interface OpCallback {
        /** The value read (null: absent), or for a write the value written. */
        void done(Bytes value);

        /** The same, with the value's tag (what a transaction validates at commit). */
        default void doneTagged(Tag tag, Bytes value) {
            done(value);
        }

        void failed(Failure failure, String reason);
    }

    private final ReplicaConfig config;
    private final Placement placement;
    private final RingNode ring;
    private final Storage storage;
    private final NodeRef self;
    /** How many ownership-loop periods a removed member keeps its frozen data for the new member. */
    private static final int RETIRED_RETENTION_CHECKS = 120;
    /** A state-transfer batch not answered within this many ownership periods is asked for again. */
    private static final int PULL_TIMEOUT_CHECKS = 4;
    /** Views a member remembers of its group's history, for members that missed some. */
    private static final int HISTORY_VIEWS = 16;
    /** A state-transfer batch holds at most this many key and value bytes (and at least one item). */
    static final long PULL_BATCH_MAX_BYTES = 512 * 1024;
    /** Backoff cap and retry bound while a key is write-locked by a transaction being decided. */
    private static final long LOCK_WAIT_MAX_MILLIS = 20;
    private static final int LOCK_WAIT_MAX_TRIES = 200;
    /**
     * Leases one lease handoff carries at most; a replica that tracks more in the group hands over none, and its
     * successor waits out the quarantine (safe, only slower).
     */
    static final int MAX_HANDOFF_LEASES = 4_096;
    /**
     * Key bytes of renewal requests bundled for one node at most (a few full requests; frames hold 1 MiB and more).
     */
    static final long MAX_BUNDLE_KEY_BYTES = 4 * LeaseRenewer.MAX_KEY_BYTES_PER_BATCH;

    /** Groups this node is (or is becoming) a member of. */
    private final Map<Integer, Member> members = new HashMap<>();
    /** The newest view heard of per group, member or not. */
    private final Map<Integer, GroupView> known = new HashMap<>();
    private final Map<Integer, Proposal> proposals = new HashMap<>();
    private final Map<Long, Op> ops = new HashMap<>();
    /** Near-cache lease requests in flight. */
    private final Map<Long, LeaseOp> leaseOps = new HashMap<>();
    /**
     * Per key, the votes and acknowledgements of positions in quarantine waiting for its end
     * ({@link #afterQuarantine}). An entry goes when its pass runs, or, if the member state that parked it was dropped first (the pass then never
     * runs), when the key next waits; so it holds about the keys written during quarantines.
     */
    private final Map<Key, Deferred> deferred = new HashMap<>();
    private final NearCache near;
    /** Renewals of near-cache entries in flight. */
    private final LeaseRenewer renewer = new LeaseRenewer();
    /**
     * Groups whose renewal went partly unanswered: while the group's view is still the one it was sent in, and until
     * {@link #RENEW_AT_EVERY_REPLICA_LEASES} lease periods after the last such renewal, renewals go to every replica of
     * the group, so that a lease-quorum member that is dead (until failure detection changes the view) or cut off from
     * this node alone does not make every lease lapse. At most one entry per group.
     */
    private final Map<Integer, EveryReplica> renewAtEveryReplica = new HashMap<>();
    /** Lease periods after the last partly unanswered renewal during which renewals go to every replica. */
    static final int RENEW_AT_EVERY_REPLICA_LEASES = 10;
    private final Map<Long, Pull> pulls = new HashMap<>();
    private final Map<Long, ViewSearch> searches = new HashMap<>();
    /** The highest view-change ballot seen per group. */
    private final Map<Integer, Ballot> ballotsSeen = new HashMap<>();
    /** Groups this node was just removed from: their data stays, frozen, as a source for the new member. */
    private final Map<Integer, Retired> retired = new HashMap<>();
    /** Groups whose frozen data here served a complete state transfer (a last batch) since it was removed. */
    private final Set<Integer> retiredServed = new java.util.HashSet<>();
    private long nextId;
    private long incarnation;
    /** The nonce of the last revocation sent (see {@link OfferBoard}). */
    private long revokeNonce;
    /** Holder side of lease offers: the revocations received, and offers being gathered. */
    private final OfferBoard offers = new OfferBoard();
    /** The transaction layer on the same node, told about transactions whose locks arrive by state transfer. */
    private TransactionManager transactions;

    /** Told about claims, repairs and handoffs (the console's action log); never null. */
    private RingListener actionListener = RingListener.NONE;

    public ReplicaManager(ReplicaConfig config, RingNode ring, Storage storage) {
        this.config = config;
        this.placement = config.placement();
        this.ring = ring;
        this.storage = storage;
        this.self = ring.self();
        this.near = new NearCache(config.maxNearEntries());
    }

    public Placement placement() {
        return placement;
    }

    /** Where to report the ownership loop's actions (loops "claim", "repair", "handoff"). */
    public void setActionListener(RingListener listener) {
        this.actionListener = listener == null ? RingListener.NONE : listener;
    }

    // ------------------------------------------------------------------ lifecycle

    public void start(Environment env) {
        incarnation = env.random().nextLong(); // write tags must stay unique across restarts
        revokeNonce = OfferBoard.firstNonce(env.random().nextLong()); // and a holder tells incarnations apart by it
        if (config.founder()) {
            for (int g = 0; g < placement.groups(); g++) {
                GroupView v = GroupView.founding(g, placement.replication(), self);
                Member m = new Member(new ViewAcceptor(v), config.maxLeasesPerGroup());
                m.activeIndices.addAll(indicesOf(v, self));
                members.put(g, m);
                known.put(g, v);
            }
        }
        env.setTimer(1 + env.random().nextLong(config.checkIntervalMillis()), new CheckTick());
        if (config.leaseMillis() > 0 && config.maxNearEntries() > 0 && config.nearIdleMillis() > 0) {
            env.setTimer(1 + env.random().nextLong(renewSweepMillis()), new RenewSweep());
        }
    }

    public void onTimer(Environment env, ReplicaTick tick) {
        if (tick instanceof LeaseHandoffRetry r) {
            Member m = members.get(r.group());
            if (m != null) {
                m.leaseRetryArmed = false;
                askForLeases(env, r.group());
            }
        } else if (tick instanceof LeaseCheck c) {
            Member m = members.get(c.group());
            if (m != null) {
                runAll(m.leases.release(c.key(), env.nowMillis()));
            }
        } else if (tick instanceof LeaseTimeout t) {
            LeaseOp op = leaseOps.remove(t.opId());
            if (op != null) {
                read(env, op.key, op.callback);
            }
        } else if (tick instanceof RenewSweep) {
            renewDue(env);
            env.setTimer(renewSweepMillis(), tick);
        } else if (tick instanceof RenewTimeout t) {
            LeaseRenewer.Batch b = renewer.end(t.batchId());
            if (b != null && b.answered.size() < b.asked) {
                // a replica did not answer: while the group's view stands, renew at all of them for a while
                renewAtEveryReplica.put(b.view.group(), new EveryReplica(b.view.epoch(),
                        env.nowMillis() + RENEW_AT_EVERY_REPLICA_LEASES * config.leaseMillis()));
            }
        } else if (tick instanceof CheckTick) {
            claimOwnedSlots(env);
            env.setTimer(config.checkIntervalMillis(), tick);
        } else if (tick instanceof OpTimeout t) {
            Op op = ops.get(t.opId());
            if (op != null && op.attempt == t.attempt()) {
                // the view's members did not answer: it may be one whose members are all gone (say the founder's
                // first view, all positions on a node that crashed), so ask the ring who holds the group now
                searchView(env, op.group);
                retry(env, op, "no majority of one view answered within " + config.opTimeoutMillis() + " ms");
            }
        } else if (tick instanceof LockWait w) {
            Op op = ops.get(w.opId());
            if (op != null && op.attempt == w.attempt() && op.lockWait && op.phase == Phase.QUERY) {
                op.lockWait = false;
                if (op.lockWaits > LOCK_WAIT_MAX_TRIES) {
                    finish(op).failed(Failure.TIMEOUT, "key " + op.key + " stayed locked by a transaction");
                } else {
                    query(env, op);
                }
            }
        } else if (tick instanceof SearchTimeout t) {
            searches.remove(t.searchId());
        } else if (tick instanceof PullRetry r) {
            Member m = members.get(r.pull().view().group());
            if (m != null && m.recovering && m.acceptor.installed().equals(r.pull().view())) {
                sendPull(env, r.pull(), null);
            }
        } else if (tick instanceof PullTimeout t) {
            Pull pull = pulls.remove(t.requestId());
            Member m = pull == null ? null : members.get(pull.view().group());
            if (m != null && m.recovering && m.acceptor.installed().equals(pull.view())) {
                sendPull(env, pull, null); // items already merged stay; re-reading them is harmless
            }
        } else if (tick instanceof ProposalTimeout t) {
            Proposal p = proposals.get(t.group());
            if (p != null && p.id == t.proposalId()) {
                proposals.remove(t.group());
                if (p.promised.size() < p.base.majority()) {
                    searchView(env, t.group()); // the members we know did not answer: our view may be stale
                }
            }
        }
    }

    public void onMessage(Environment env, Address from, ReplicaMessage m) {
        if (m instanceof ReadRequest r) {
            onRead(env, from, r);
        } else if (m instanceof ReadReply r) {
            onReadReply(env, from, r);
        } else if (m instanceof WriteRequest w) {
            onWrite(env, from, w);
        } else if (m instanceof WriteReply w) {
            onWriteReply(env, from, w);
        } else if (m instanceof NotServing n) {
            onNotServing(env, n);
        } else if (m instanceof ViewQuery q) {
            env.send(from, new ViewInfo(q.requestId(), q.group(), bestView(q.group())));
        } else if (m instanceof ViewInfo i) {
            onViewInfo(env, i);
        } else if (m instanceof ViewPrepare p) {
            onPrepare(env, from, p);
        } else if (m instanceof ViewPromise p) {
            onPromise(env, from, p);
        } else if (m instanceof ViewAccept a) {
            onAccept(env, from, a);
        } else if (m instanceof ViewAccepted a) {
            onAccepted(env, from, a);
        } else if (m instanceof ViewRefused r) {
            onRefused(env, r);
        } else if (m instanceof ViewInstall i) {
            install(env, i.view());
        } else if (m instanceof PullRequest p) {
            onPullRequest(env, from, p);
        } else if (m instanceof PullReply p) {
            onPullReply(env, from, p);
        } else if (m instanceof LeaseRequest l) {
            onLeaseRequest(env, from, l);
        } else if (m instanceof LeaseReply l) {
            onLeaseReply(env, from, l);
        } else if (m instanceof LeaseRenew l) {
            LeaseRenewReply reply = renewReply(env, from, l);
            if (reply != null) {
                env.send(from, reply);
            }
        } else if (m instanceof LeaseRenewBundle b) {
            onLeaseRenewBundle(env, from, b);
        } else if (m instanceof LeaseRenewReply l) {
            renewer.onReply(from, l, (batch, renewal) -> extended(env, batch, renewal));
        } else if (m instanceof LeaseRenewReplyBundle b) {
            for (LeaseRenewReply l : b.parts()) { // never null: the record's constructor copies with List.copyOf
                renewer.onReply(from, l, (batch, renewal) -> extended(env, batch, renewal));
            }
        } else if (m instanceof Revoke r) {
            // before the answer: the key may change once it is sent
            boolean kept = dropUnlessAsNew(r.key(), r.writing(), env.nowMillis()) != null;
            taintLeaseOps(r.key());
            renewer.taint(r.key());
            offers.revoked(r.key(), from, r.nonce(), env.nowMillis());
            env.send(from, new RevokeAck(r.group(), r.key(), r.nonce(), kept, r.writing()));
        } else if (m instanceof LeaseOffer o) {
            onLeaseOffer(env, from, o);
        } else if (m instanceof LeaseHandoffRequest r) {
            onLeaseHandoffRequest(env, from, r);
        } else if (m instanceof LeaseHandoff h) {
            onLeaseHandoff(env, from, h);
        } else if (m instanceof RevokeAck a) {
            Member member = members.get(a.group());
            if (member != null) {
                runAll(member.leases.revoked(a.key(), from, a.nonce(), a.kept() ? a.writing() : null, env.nowMillis()));
            }
        }
    }

    // ------------------------------------------------------------------ read-only view (status, checkers)

    /** The installed view of a group at this node, or null if it is not a member. */
    public GroupView installedView(int group) {
        Member m = members.get(group);
        return m == null ? null : m.acceptor.installed();
    }

    /** True if this node serves operations of the group (member, complete data, not fenced). */
    public boolean serving(int group) {
        Member m = members.get(group);
        return m != null && !m.recovering && !m.acceptor.fenced();
    }

    public int memberGroups() {
        return members.size();
    }

    /** How many groups' removed-member data this node still keeps as a state-transfer source. */
    public int retiredGroups() {
        return retired.size();
    }

    NodeRef self() {
        return self;
    }

    ReplicaConfig config() {
        return config;
    }

    void attach(TransactionManager t) {
        this.transactions = t;
    }

    Storage storage() {
        return storage;
    }

    /** This node's member state of a group, whatever its epoch or recovery, or null. */
    Member member(int group) {
        return members.get(group);
    }

    /** The groups this node is a member of, in order. */
    List<Integer> memberGroupIds() {
        return new ArrayList<>(new TreeSet<>(members.keySet()));
    }

    /** The member state this node kept of a group it was just removed from (a state-transfer source), or null. */
    Member retiredMember(int group) {
        Retired r = retired.get(group);
        return r == null ? null : r.member();
    }

    /** The groups whose removed-member state this node still keeps, in order. */
    List<Integer> retiredGroupIds() {
        return new ArrayList<>(new TreeSet<>(retired.keySet()));
    }

    /**
     * Whether the members that replaced this node have had their chance to copy its frozen data: every group it was
     * removed from served a complete state transfer (a last batch) since, or was removed long enough ago that a puller
     * would have asked again ({@code PULL_TIMEOUT_CHECKS} periods, and two more). A leaving node stops only then: had
     * it stopped as soon as it was a member of no group, a new member whose pull had not arrived yet could be left
     * without the source it counted on.
     */
    public boolean handoffsServed(long nowMillis) {
        long waitMillis = (PULL_TIMEOUT_CHECKS + 2) * config.checkIntervalMillis();
        for (Map.Entry<Integer, Retired> e : retired.entrySet()) {
            long removedAt = e.getValue().expiresAtMillis() - RETIRED_RETENTION_CHECKS * config.checkIntervalMillis();
            if (!retiredServed.contains(e.getKey()) && nowMillis < removedAt + waitMillis) {
                return false;
            }
        }
        return true;
    }

    /** True if this node keeps the frozen data of a group it was just removed from (a state-transfer source). */
    public boolean holdsHandoffData(int group) {
        return retired.containsKey(group);
    }

    // ------------------------------------------------------------------ ownership loop (monitor, decide, act)

    /** For each slot the ring says is ours but whose view does not list us there, propose a view change. */
    private void claimOwnedSlots(Environment env) {
        // our range is unknown until stabilization gives us a predecessor; after a graceful leave it is empty, but
        // the rest of the loop (finishing view changes, expiring handoff data) still runs until we are handed off
        boolean rangeKnown = !ring.isStopped() && (ring.predecessor() != null || ring.successors().isEmpty());
        for (int s = 0; rangeKnown && s < placement.slots() && proposals.size() < config.maxConcurrentProposals();
                s++) {
            if (!ring.isResponsibleFor(placement.anchor(s))) {
                continue;
            }
            int g = placement.groupOfSlot(s);
            int i = placement.indexOfSlot(s);
            Member m = members.get(g);
            boolean held = m != null && m.acceptor.installed().member(i).equals(self);
            if (held || proposals.containsKey(g)) {
                continue;
            }
            GroupView base = bestView(g);
            if (base == null) {
                searchView(env, g);
            } else {
                propose(env, base, i);
            }
        }
        handOverLostSlots(env);
        finishStalledViewChanges(env);
        long now = env.nowMillis();
        for (Integer g : new TreeSet<>(retired.keySet())) {
            if (retired.get(g).expiresAtMillis() <= now) {
                retired.remove(g);
                if (!members.containsKey(g)) {
                    storage.drop(g);
                }
            }
        }
    }

    /**
     * A member that accepted a next view which was never installed (its proposer gave up or died) stays fenced and
     * serves nothing. After a while it completes the view change itself: Paxos re-proposes the accepted value.
     */
    private void finishStalledViewChanges(Environment env) {
        long now = env.nowMillis();
        for (Map.Entry<Integer, Member> e : new TreeMap<>(members).entrySet()) {
            Member m = e.getValue();
            if (!m.acceptor.fenced()) {
                m.fencedSinceMillis = -1;
                continue;
            }
            if (m.fencedSinceMillis < 0) {
                m.fencedSinceMillis = now;
            } else if (now - m.fencedSinceMillis > 2 * config.proposalTimeoutMillis()
                    && !proposals.containsKey(e.getKey()) && proposals.size() < config.maxConcurrentProposals()) {
                m.fencedSinceMillis = now;
                proposeValue(env, m.acceptor.installed(), m.acceptor.acceptedView());
            }
        }
    }

    /**
     * Handover: for each slot we hold that the ring now gives to another node (one joined before us, or we are
     * leaving), tell that node the group's view so it can claim the slot. Rate-limited per group.
     */
    private void handOverLostSlots(Environment env) {
        long now = env.nowMillis();
        for (Map.Entry<Integer, Member> e : new TreeMap<>(members).entrySet()) {
            Member m = e.getValue();
            GroupView v = m.acceptor.installed();
            if (m.recovering || now < m.nextHandoverMillis) {
                continue;
            }
            for (int i = 0; i < v.replication(); i++) {
                RingId anchor = placement.anchor(placement.slot(v.group(), i));
                if (v.member(i).equals(self) && !ring.isResponsibleFor(anchor)) {
                    m.nextHandoverMillis = now + 4 * config.checkIntervalMillis();
                    if (ring.isStopped()) {
                        // we left: our range went to our successor, which need not wait for its own loop to notice
                        if (!ring.successors().isEmpty()) {
                            env.send(ring.successors().get(0).address(),
                                    new ViewInfo(0, v.group(), bestView(v.group())));
                        }
                        continue;
                    }
                    ring.lookup(env, anchor, new LookupCallback() {
                        @Override
                        public void found(RingId key, NodeRef responsible, int hops) {
                            if (!responsible.equals(self)) {
                                env.send(responsible.address(), new ViewInfo(0, v.group(), bestView(v.group())));
                            }
                        }

                        @Override
                        public void failed(RingId key) {
                        }
                    });
                }
            }
        }
    }

    private void propose(Environment env, GroupView base, int index) {
        actionListener.onAction("claim", "group " + base.group() + ": proposing replica " + index + " here (epoch "
                + (base.epoch() + 1) + ", was " + base.member(index) + ")");
        proposeValue(env, base, base.with(index, self));
    }

    /**
     * Runs Paxos for the view after {@code base}; {@code value} is proposed unless a promise reports an accepted one.
     */
    private void proposeValue(Environment env, GroupView base, GroupView value) {
        Proposal p = new Proposal(++nextId, base, value,
                Ballot.above(maxBallotSeen(base.group()), self.address()));
        note(base.group(), p.ballot); // our next proposal for this group, whatever its epoch, uses a higher ballot
        proposals.put(base.group(), p);
        env.setTimer(config.proposalTimeoutMillis(), new ProposalTimeout(base.group(), p.id));
        for (NodeRef n : distinct(base)) {
            env.send(n.address(), new ViewPrepare(base.group(), base.epoch(), p.ballot, base));
        }
    }

    private Ballot maxBallotSeen(int group) {
        return ballotsSeen.getOrDefault(group, Ballot.ZERO);
    }

    private void onPrepare(Environment env, Address from, ViewPrepare p) {
        // a proposer's base view is chosen: a member still at an older epoch installs it first (it missed the
        // ViewInstall); a node with no member state does not (a restarted node must not answer with a blank acceptor)
        learnAndCatchUp(env, p.base());
        Member m = members.get(p.group());
        if (m == null) {
            return; // not a member: no vote; the proposer learns the view elsewhere
        }
        note(p.group(), p.ballot());
        ViewAcceptor.Answer a = m.acceptor.prepare(p.epoch(), p.ballot());
        if (a instanceof ViewAcceptor.Promise pr) {
            boolean serving = !m.recovering && m.acceptor.installed().epoch() == p.epoch();
            env.send(from, new ViewPromise(p.group(), p.epoch(), p.ballot(), pr.acceptedBallot(), pr.acceptedView(),
                    serving));
        } else {
            env.send(from, refusal(p.group(), p.epoch(), p.ballot(), m, a));
        }
    }

    private void onAccept(Environment env, Address from, ViewAccept a) {
        Member m = members.get(a.group());
        if (m == null) {
            return;
        }
        note(a.group(), a.ballot());
        ViewAcceptor.Answer ans = m.acceptor.accept(a.epoch(), a.ballot(), a.next());
        if (ans instanceof ViewAcceptor.Accepted) {
            env.send(from, new ViewAccepted(a.group(), a.epoch(), a.ballot()));
        } else {
            env.send(from, refusal(a.group(), a.epoch(), a.ballot(), m, ans));
        }
    }

    private static ViewRefused refusal(int group, long epoch, Ballot ballot, Member m, ViewAcceptor.Answer a) {
        Ballot promised = a instanceof ViewAcceptor.Nack n ? n.promised() : null;
        return new ViewRefused(group, epoch, ballot, promised, m.acceptor.installed());
    }

    /** Remembers the highest ballot seen for a group, member or not, so our next proposal can outbid it. */
    private void note(int group, Ballot b) {
        if (b != null && b.isAbove(maxBallotSeen(group))) {
            ballotsSeen.put(group, b);
        }
    }

    private void onPromise(Environment env, Address from, ViewPromise pr) {
        Proposal p = proposals.get(pr.group());
        // the epoch too: a late promise for this proposer's previous instance may carry the same ballot
        if (p == null || !p.ballot.equals(pr.ballot()) || pr.epoch() != p.base.epoch() || p.accepting) {
            return;
        }
        p.promised.addAll(indicesOf(p.base, from));
        if (pr.serving()) {
            p.serving.addAll(indicesOf(p.base, from));
        }
        if (pr.acceptedView() != null
                && (p.highestAccepted == null || pr.acceptedBallot().isAbove(p.highestAccepted))) {
            p.highestAccepted = pr.acceptedBallot();
            p.value = pr.acceptedView();
        }
        if (p.promised.size() >= p.base.majority() && (p.highestAccepted != null || recoverable(p))) {
            p.accepting = true;
            for (NodeRef n : distinct(p.base)) {
                env.send(n.address(), new ViewAccept(p.base.group(), p.base.epoch(), p.ballot, p.value));
            }
        }
    }

    /**
     * A new view may be proposed only if its members can recover: positions that stay with their holder need that
     * holder serving, and a position that moves needs its old holder serving (the new holder pulls from it), on a
     * majority of positions. Otherwise the change would leave the group where no majority of positions has complete
     * data anywhere it can be fetched from, and the group would stay recovering for good (seen under bridge partitions,
     * where ownership flips back and forth faster than state transfer). Waits for more promises; the proposal times
     * out and is retried if they never come.
     */
    private static boolean recoverable(Proposal p) {
        return p.serving.size() >= p.base.majority();
    }

    private void onAccepted(Environment env, Address from, ViewAccepted a) {
        Proposal p = proposals.get(a.group());
        if (p == null || !p.ballot.equals(a.ballot()) || a.epoch() != p.base.epoch() || !p.accepting) {
            return;
        }
        p.accepted.addAll(indicesOf(p.base, from));
        if (p.accepted.size() >= p.base.majority()) {
            proposals.remove(a.group());
            GroupView chosen = p.value;
            Set<NodeRef> tell = new LinkedHashSet<>(distinct(p.base));
            tell.addAll(distinct(chosen));
            for (NodeRef n : tell) {
                if (!n.equals(self)) {
                    env.send(n.address(), new ViewInstall(chosen));
                }
            }
            install(env, chosen);
        }
    }

    private void onRefused(Environment env, ViewRefused r) {
        learnAndCatchUp(env, r.installed());
        Proposal p = proposals.get(r.group());
        if (p != null && p.ballot.equals(r.ballot()) && r.epoch() == p.base.epoch() && !p.accepting) {
            // (once accepting, a late refusal of the prepare must not drop a value a majority may have chosen: the
            // proposal then ends by its accepts or its timeout)
            proposals.remove(r.group()); // retried by the next ownership tick, with a higher ballot or newer view
            note(r.group(), r.promised());
        }
    }

    /** Installs a chosen view: joins (and starts recovering), stays, or leaves the group. */
    private void install(Environment env, GroupView view) {
        GroupView previous = bestView(view.group());
        learn(view);
        int g = view.group();
        Member m = members.get(g);
        boolean inView = view.contains(self);
        if (m != null && view.epoch() <= m.acceptor.installed().epoch()) {
            return;
        }
        if (!inView) {
            if (m != null) {
                actionListener.onAction("handoff", "group " + g + " epoch " + view.epoch() + ": handed over, "
                        + "now held by " + view.members());
                if (view.epoch() != m.acceptor.installed().epoch() + 1) {
                    // we missed views: leases granted at our positions meanwhile are unknown to us, so what we hand
                    // over to our successors is not complete; our quarantine tells them to wait those out
                    m.leases.quarantineUntil(env.nowMillis() + config.leaseMillis());
                }
                members.remove(g);
                if (!m.recovering && !m.activeIndices.isEmpty()) {
                    // keep the frozen data a while: the new member may need it if another replica fails meanwhile
                    retiredServed.remove(g);
                    retired.put(g, new Retired(view.epoch(), new TreeSet<>(m.activeIndices),
                            env.nowMillis() + RETIRED_RETENTION_CHECKS * config.checkIntervalMillis(), m));
                } else {
                    storage.drop(g);
                }
            }
            return;
        }
        Set<Integer> mine = indicesOf(view, self);
        if (m == null) {
            retired.remove(g); // re-added: what we kept is only a starting point
            m = new Member(new ViewAcceptor(view), config.maxLeasesPerGroup());
            members.put(g, m);
            quarantine(env, m, view, previous, mine);
        } else {
            GroupView before = m.acceptor.installed();
            boolean contiguous = view.epoch() == before.epoch() + 1;
            if (!contiguous) {
                m.history.clear();
            }
            m.history.add(before);
            while (m.history.size() > HISTORY_VIEWS) {
                m.history.remove(0);
            }
            m.acceptor.install(view);
            Set<Integer> taken = new TreeSet<>(mine);
            taken.removeAll(indicesOf(before, self));
            if (!contiguous || !taken.isEmpty()) {
                // a position new to us (or views we missed): its old holder's leases are unknown until it tells us
                quarantine(env, m, view, contiguous ? before : null, contiguous ? taken : mine);
            }
            if (!contiguous) {
                // we may have missed a view that removed us: our data is not known complete; a member's history may
                // show later that we held some positions throughout (coverHeldThroughout)
                m.beforeGap = before;
                m.activeBeforeGap.clear();
                m.activeBeforeGap.addAll(m.activeIndices);
                m.activeIndices.clear();
            }
            for (int i : m.activeIndices) {
                if (!mine.contains(i)) {
                    m.handedOver.add(i); // complete up to now; the new holder may pull it from us
                }
            }
            m.activeIndices.retainAll(mine);
        }
        if (m.activeIndices.containsAll(mine)) {
            m.recovering = false;
            return;
        }
        actionListener.onAction("repair", "group " + g + " epoch " + view.epoch() + ": replica " + mine
                + " here, copying its data from the other replicas");
        // still recovering the same positions through a view change that did not touch them: what was merged so far,
        // and whom our positions came from, stay valid (as within one view, a later write is on a majority that the
        // merged sources need not include); only the pulls start again, for the new epoch
        boolean sameRecovery = m.recovering && previous != null && previous.epoch() == view.epoch() - 1
                && indicesOf(previous, self).equals(mine);
        startRecovery(env, m, view, previous, sameRecovery);
    }

    /**
     * Learns {@code v}; if this node is a member of an older view of that group, installs {@code v} at once. Every view
     * that travels in a message was installed somewhere, so it was chosen: a member that missed its ViewInstall (cut
     * off at the time) catches up here instead of waiting forever at an epoch whose other members moved on.
     */
    private void learnAndCatchUp(Environment env, GroupView v) {
        learn(v);
        if (v == null) {
            return;
        }
        Member m = members.get(v.group());
        if (m != null && v.epoch() > m.acceptor.installed().epoch()) {
            install(env, v);
        }
    }


    private void learn(GroupView v) {
        if (v == null) {
            return;
        }
        GroupView k = known.get(v.group());
        if (k == null || v.epoch() > k.epoch()) {
            known.put(v.group(), v);
        }
    }

    GroupView bestView(int group) {
        Member m = members.get(group);
        GroupView k = known.get(group);
        GroupView i = m == null ? null : m.acceptor.installed();
        if (i == null) {
            return k;
        }
        return k == null || i.epoch() >= k.epoch() ? i : k;
    }

    // ------------------------------------------------------------------ finding a view through the ring

    void searchView(Environment env, int group) {
        for (ViewSearch s : searches.values()) {
            if (s.group == group) {
                return;
            }
        }
        long id = ++nextId;
        searches.put(id, new ViewSearch(group));
        env.setTimer(config.proposalTimeoutMillis(), new SearchTimeout(id));
        for (int i = 0; i < placement.replication(); i++) {
            RingId anchor = placement.anchor(placement.slot(group, i));
            ring.lookup(env, anchor, new LookupCallback() {
                @Override
                public void found(RingId key, NodeRef responsible, int hops) {
                    env.send(responsible.address(), new ViewQuery(id, group));
                }

                @Override
                public void failed(RingId key) {
                    searches.remove(id);
                }
            });
        }
    }

    private void onViewInfo(Environment env, ViewInfo info) {
        learnAndCatchUp(env, info.view());
        ViewSearch s = searches.get(info.requestId());
        if (s == null) {
            return;
        }
        s.replies++;
        if (info.view() == null) {
            if (s.replies >= placement.replication()) {
                searches.remove(info.requestId());
            }
            return;
        }
        searches.remove(info.requestId());
        GroupView learned = bestView(info.group());
        for (Op op : new ArrayList<>(ops.values())) {
            if (op.group != info.group() || !ops.containsKey(op.id)) {
                continue;
            }
            if (op.view == null) {
                op.view = info.view();
                query(env, op);
            } else if (learned != null && learned.epoch() > op.view.epoch()) {
                // waiting on a stale view's members would only time out: go on with the newer view, within the same
                // attempt; each such resend needs a strictly newer view, and the attempt's timer still runs
                op.view = learned;
                resend(env, op);
            }
        }
    }

    // ------------------------------------------------------------------ state transfer

    private void startRecovery(Environment env, Member m, GroupView view, GroupView previous, boolean keepProgress) {
        if (config.planted(ReplicaConfig.PlantedBug.SERVE_BEFORE_RECOVERY)) {
            m.recovering = false; // planted bug: serve with whatever (possibly no) data we have
            m.activeIndices.addAll(indicesOf(view, self));
            return;
        }
        m.recovering = true;
        Map<Address, Set<Integer>> keptSources = new HashMap<>(keepProgress ? m.handoffSources : Map.of());
        if (!keepProgress) {
            m.covered.clear();
        }
        m.covered.addAll(m.activeIndices);
        m.handoffSources.clear();
        m.handoffSources.putAll(keptSources);
        Set<NodeRef> sources = new LinkedHashSet<>(distinct(view));
        if (previous != null && previous.epoch() == view.epoch() - 1) {
            // the member we just replaced still has its data, frozen since it left the view; for the positions that
            // moved from it to us nobody has acknowledged a write since, so its copy is as good as any
            for (int i : indicesOf(view, self)) {
                if (!m.activeIndices.contains(i) && !previous.member(i).equals(self)) {
                    sources.add(previous.member(i));
                    m.handoffSources.computeIfAbsent(previous.member(i).address(), k -> new TreeSet<>()).add(i);
                }
            }
        }
        Set<Address> asked = new java.util.HashSet<>();
        for (NodeRef n : sources) {
            if (!n.equals(self) && asked.add(n.address())) {
                sendPull(env, new Pull(view, n.address()), null);
            }
        }
        for (Address a : keptSources.keySet()) {
            if (!a.equals(self.address()) && asked.add(a)) {
                sendPull(env, new Pull(view, a), null); // a member we replaced: still the source of that position
            }
        }
        checkRecovered(m, view); // positions we already held with complete data may suffice on their own
    }

    /**
     * Recovered once the data merged here covers a majority of positions: every acknowledged write is on a majority
     * of positions of its view, so any majority of positions includes one that has it.
     */
    private void checkRecovered(Member m, GroupView v) {
        if (m.covered.size() >= v.majority()) {
            if (m.recovering) {
                actionListener.onAction("repair", "group " + v.group() + " epoch " + v.epoch()
                        + ": data complete, serving");
            }
            m.recovering = false;
            m.beforeGap = null;
            m.activeIndices.addAll(indicesOf(v, self));
        }
    }

    /** Asks {@code pull.from} for the group's items after {@code after}; timed out and retried if lost. */
    private void sendPull(Environment env, Pull pull, Key after) {
        long id = ++nextId;
        pulls.put(id, pull);
        env.send(pull.from(), new PullRequest(id, pull.view(), after, config.pullBatchItems()));
        env.setTimer(PULL_TIMEOUT_CHECKS * config.checkIntervalMillis(), new PullTimeout(id));
    }

    private void onPullRequest(Environment env, Address from, PullRequest p) {
        int g = p.view().group();
        Member m = members.get(g);
        if (m != null && p.view().epoch() > m.acceptor.installed().epoch()) {
            install(env, p.view());
            m = members.get(g);
        }
        Set<Integer> covered;
        Retired r = retired.get(g);
        Member source = m;
        if (m != null && !m.recovering && m.acceptor.installed().epoch() == p.view().epoch()) {
            covered = indicesOf(m.acceptor.installed(), self);
            covered.addAll(m.handedOver);
        } else if (m == null && r != null && p.view().epoch() >= r.removedAtEpoch()) {
            covered = r.indices();
            source = r.member();
        } else {
            env.send(from, new NotServing(p.requestId(), g, m == null ? bestView(g) : m.acceptor.installed()));
            return;
        }
        if (transactions != null) {
            // hand over no lock whose decision we already know; applied before the scan, so that a committed write
            // travels as data rather than vanishing with its lock
            transactions.settleDecided(source, g);
        }
        List<Item> scanned = storage.scan(g, p.after(), p.max());
        // bounded in bytes too, so that a batch of large values still fits in one transport frame
        List<Item> items = new ArrayList<>();
        long bytes = 0;
        for (Item i : scanned) {
            long size = i.key().length() + (i.value() == null ? 0 : i.value().length());
            if (!items.isEmpty() && bytes + size > PULL_BATCH_MAX_BYTES) {
                break;
            }
            items.add(i);
            bytes += size;
        }
        boolean last = items.size() == scanned.size() && scanned.size() < p.max();
        if (last && source != m) {
            retiredServed.add(g);
        }
        // locks travel with every batch, not only the last: a lock decided between two batches would otherwise vanish
        // here after its item's old value had already been sent, and the new member would keep the old value
        env.send(from, new PullReply(p.requestId(), g, p.view().epoch(), items, last, new ArrayList<>(covered),
                source.locks.snapshot(), last ? source.commitAcceptors.snapshot() : List.of(),
                transactions != null ? transactions.prepares(source) : List.of(),
                last && source == m ? m.history : List.of()));
    }

    private void onPullReply(Environment env, Address from, PullReply r) {
        Pull pull = pulls.get(r.requestId());
        Member m = members.get(r.group());
        if (pull == null || m == null || !m.recovering || m.acceptor.installed().epoch() != r.epoch()) {
            pulls.remove(r.requestId());
            return;
        }
        for (Item i : r.items()) {
            storage.putIfNewer(r.group(), i);
        }
        r.locks().forEach(m.locks::adopt); // a prepared vote of another replica must not be forgotten
        r.acceptors().forEach(m.commitAcceptors::merge);
        if (transactions != null) {
            r.transactions().forEach(t -> transactions.adoptParticipation(env, t));
        }
        pulls.remove(r.requestId());
        if (!r.last()) {
            sendPull(env, pull, r.items().get(r.items().size() - 1).key());
            return;
        }
        GroupView v = m.acceptor.installed();
        Set<Integer> vouched = new TreeSet<>(r.covered());
        Set<Integer> allowed = new TreeSet<>(indicesOf(v, from));
        allowed.addAll(m.handoffSources.getOrDefault(from, Set.of()));
        vouched.retainAll(allowed);
        m.covered.addAll(vouched);
        GroupView previous = r.history().isEmpty() ? null : r.history().get(r.history().size() - 1);
        addHandoffSources(env, m, v, previous);
        coverHeldThroughout(m, v, r.history());
        checkRecovered(m, v);
    }

    /**
     * We installed this view after a gap, so we cleared our positions: we could not tell whether we kept them in the
     * views we missed. A member's history shows those views: a position we held with complete data before the gap and
     * in every view since was never served by anyone else meanwhile (a write is acknowledged at a position only by its
     * holder, and we served nothing we had not installed), so our copy is still complete for it.
     */
    private void coverHeldThroughout(Member m, GroupView v, List<GroupView> history) {
        if (m.beforeGap == null) {
            return;
        }
        long from = m.beforeGap.epoch();
        Map<Long, GroupView> byEpoch = new HashMap<>();
        for (GroupView h : history) {
            byEpoch.put(h.epoch(), h);
        }
        for (long e = from + 1; e < v.epoch(); e++) {
            if (!byEpoch.containsKey(e)) {
                return; // the history does not reach back to our gap
            }
        }
        for (int i : m.activeBeforeGap) {
            boolean held = v.member(i).equals(self);
            for (long e = from + 1; held && e < v.epoch(); e++) {
                held = byEpoch.get(e).member(i).equals(self);
            }
            if (held) {
                m.covered.add(i);
            }
        }
    }

    /**
     * We skipped the view before ours (installed a later one directly), so we did not know whom our positions came
     * from. A current member that installed that view tells us: the member that held our position there, removed when
     * ours was chosen, keeps its frozen copy, which is complete for that position because nobody has served it since.
     */
    private void addHandoffSources(Environment env, Member m, GroupView v, GroupView previous) {
        if (previous == null || previous.epoch() != v.epoch() - 1 || previous.group() != v.group()) {
            return;
        }
        for (int i : indicesOf(v, self)) {
            NodeRef before = previous.member(i);
            if (m.covered.contains(i) || before.equals(self) || v.contains(before)) {
                continue; // covered already, or the holder is still a member (it vouches for its own positions)
            }
            if (m.handoffSources.computeIfAbsent(before.address(), k -> new TreeSet<>()).add(i)) {
                sendPull(env, new Pull(v, before.address()), null);
            }
        }
    }

    // ------------------------------------------------------------------ serving operations

    /** The member state of a group if this node serves it at {@code epoch}, else null. */
    Member servingMember(int group, long epoch) {
        Member m = members.get(group);
        if (m == null || m.recovering || m.acceptor.fenced() || m.acceptor.installed().epoch() != epoch) {
            return null;
        }
        return m;
    }

    private void onRead(Environment env, Address from, ReadRequest r) {
        Member m = servingMember(r.group(), r.epoch());
        if (m == null) {
            env.send(from, new NotServing(r.requestId(), r.group(), bestView(r.group())));
            return;
        }
        Item i = storage.get(r.group(), r.key());
        env.send(from, new ReadReply(r.requestId(), r.group(), r.epoch(), i == null ? Tag.ZERO : i.tag(),
                i == null ? null : i.value(), m.locks.writeLocked(r.key())));
    }

    private void onWrite(Environment env, Address from, WriteRequest w) {
        Member m = servingMember(w.group(), w.epoch());
        if (m == null) {
            env.send(from, new NotServing(w.requestId(), w.group(), bestView(w.group())));
            return;
        }
        Item current = storage.get(w.group(), w.item().key());
        boolean changes = current == null || w.item().tag().isAfter(current.tag());
        // as a transaction's votes: positions in quarantine acknowledge once it is over, the others as soon as our
        // own leases on the key are revoked, even when the write is here already (a repeated request)
        Positions at = positions(m, env.nowMillis());
        if (changes && holdWrite(env, m, w.group(), w.item().key(), w.item().tag(), () -> onWrite(env, from, w),
                at.positional())) {
            return;
        }
        storage.putIfNewer(w.group(), w.item());
        if (changes && w.offer()) {
            offerAfterWrite(env, m, w.group(), w.item().key());
        }
        Set<Integer> waiting = at.waiting();
        if (at.positional() && config.planted(ReplicaConfig.PlantedBug.VOTE_IN_QUARANTINE)) {
            waiting = Set.of(); // planted bug: the positions in quarantine acknowledge at once
        } else if (!waiting.isEmpty() && !afterQuarantine(env, m, w.group(), w.item().key(), w.item().tag(),
                new LateAck(from, w.requestId()), () -> {
                    if (servingMember(w.group(), w.epoch()) == m) {
                        env.send(from, new WriteReply(w.requestId(), w.group(), w.epoch(), List.copyOf(at.held())));
                    }
                })) {
            waiting = Set.of(); // over by now
        }
        List<Integer> now = new ArrayList<>(at.held());
        now.removeAll(waiting);
        if (!now.isEmpty()) {
            env.send(from, new WriteReply(w.requestId(), w.group(), w.epoch(), now));
        }
    }

    /** What identifies a write's late acknowledgement among the actions waiting for a quarantine's end. */
    private record LateAck(Address writer, long requestId) {
    }

    // ------------------------------------------------------------------ read leases (replica side)

    /**
     * {@code m} takes over positions {@code taken} of {@code view} whose previous holders may have granted read leases
     * it cannot know: it acknowledges no write until they have expired, or until each previous holder handed its
     * leases over ({@link #onLeaseHandoff}). {@code before} is the view just before {@code view}, or null if it is
     * not known for sure (views were missed): then nothing can lift the quarantine. Only when near reads are on
     * ({@code leaseMillis > 0}).
     */
    private void quarantine(Environment env, Member m, GroupView view, GroupView before, Set<Integer> taken) {
        if (config.leaseMillis() == 0) {
            return;
        }
        long until = env.nowMillis() + config.leaseMillis();
        if (before == null || before.epoch() != view.epoch() - 1 || before.group() != view.group()) {
            m.leases.quarantineUntil(until);
            return;
        }
        for (int i : taken) {
            NodeRef previous = before.member(i);
            if (previous.equals(self)) {
                m.leases.quarantineUntil(until); // held here before without this member state (a restart): forgotten
            } else {
                m.leases.awaitHandoff(previous.address(), until, Set.of(i));
                m.leaseSources.put(previous.address(), view);
            }
        }
        askForLeases(env, view.group());
    }

    /** Asks every previous holder whose handoff would still lift our quarantine; again later until they answer. */
    private void askForLeases(Environment env, int group) {
        Member m = members.get(group);
        if (m == null) {
            return;
        }
        long now = env.nowMillis();
        m.leaseSources.keySet().removeIf(a -> !m.leases.awaits(a, now));
        if (m.leaseSources.isEmpty()) {
            return;
        }
        for (Map.Entry<Address, GroupView> e : new TreeMap<>(m.leaseSources).entrySet()) {
            env.send(e.getKey(), new LeaseHandoffRequest(++nextId, e.getValue()));
        }
        if (!m.leaseRetryArmed) {
            m.leaseRetryArmed = true;
            env.setTimer(config.checkIntervalMillis(), new LeaseHandoffRetry(group));
        }
    }

    /**
     * A member that took over positions of ours asks for our leases. We install its view first if we had not, so we
     * serve (and grant) nothing at the old epoch afterwards: every lease we granted at the positions it took is in our
     * table now, or covered by our own quarantine, which we hand on too. We answer only from member state that existed
     * before that view (a member state created later does not know the leases of our earlier tenure).
     */
    private void onLeaseHandoffRequest(Environment env, Address from, LeaseHandoffRequest r) {
        int g = r.view().group();
        long epoch = r.view().epoch();
        Member m = members.get(g);
        if (m != null && epoch > m.acceptor.installed().epoch()) {
            install(env, r.view());
            m = members.get(g);
        }
        Member source = null;
        if (m != null && m.acceptor.installed().epoch() >= epoch && m.sinceEpoch < epoch) {
            source = m;
        } else if (m == null && retired.containsKey(g) && retired.get(g).removedAtEpoch() >= epoch
                && retired.get(g).member().sinceEpoch < epoch) {
            source = retired.get(g).member();
        }
        if (source == null) {
            return; // it waits out its quarantine
        }
        long now = env.nowMillis();
        if (config.planted(ReplicaConfig.PlantedBug.HAND_OVER_NO_LEASES)) {
            env.send(from, new LeaseHandoff(r.requestId(), g, epoch, List.of(), 0, true)); // planted bug
            return;
        }
        List<LeaseGrant> grants = source.leases.snapshot(now, MAX_HANDOFF_LEASES);
        long quarantine = source.leases.quarantineRemainingMillis(now);
        env.send(from, new LeaseHandoff(r.requestId(), g, epoch, grants == null ? List.of() : grants, quarantine,
                grants != null));
    }

    /**
     * A previous holder of positions we took over handed its leases over: we record them, and if it was the last one
     * we were waiting for, the quarantine ends. Writes parked meanwhile either go on now or revoke the leases
     * they meet, as a new write would.
     */
    private void onLeaseHandoff(Environment env, Address from, LeaseHandoff h) {
        Member m = members.get(h.group());
        GroupView asked = m == null ? null : m.leaseSources.get(from);
        if (asked == null || h.epoch() < asked.epoch()) {
            return;
        }
        m.leaseSources.remove(from);
        if (!h.complete()) {
            return; // too many leases to hand over: the quarantine awaiting it runs out by itself
        }
        long now = env.nowMillis();
        // no lease or quarantine is ever longer than leaseMillis: a larger figure is corrupt, and bounding it keeps the
        // arithmetic from wrapping
        m.leases.handoff(from, h.leases(), h.quarantineRemainingMillis(), now, config.leaseMillis());
        for (Key key : m.leases.parkedKeys()) {
            List<Address> holders = m.leases.holders(key, now);
            if (!holders.isEmpty()) {
                revoke(env, m, h.group(), key, null, holders);
                env.setTimer(Math.max(1, m.leases.recheckAtMillis(key, now) - now + 1),
                        new LeaseCheck(h.group(), key));
            }
            runAll(m.leases.release(key, env.nowMillis()));
        }
    }

    /**
     * Before a write changes {@code key} on member {@code m}: if read leases on the key may still be held elsewhere
     * (or {@code m} is new in the group), parks {@code resume}, tells the holders to drop the key, and returns true;
     * {@code resume} runs (on this event loop) once every holder answered or every lease expired. Returns false if the
     * write may go on at once. Transactions call it before a participant votes on a write.
     */
    boolean holdWrite(Environment env, Member m, int group, Key key, Tag writing, Runnable resume) {
        return holdWrite(env, m, group, key, writing, resume, false);
    }

    /**
     * As above; {@code positional}: the caller acts only for {@code m}'s positions that are not in quarantine
     * ({@link #quarantined}), so a quarantine of its other positions does not hold it back.
     */
    boolean holdWrite(Environment env, Member m, int group, Key key, Tag writing, Runnable resume,
            boolean positional) {
        if (config.planted(ReplicaConfig.PlantedBug.SKIP_LEASE_REVOCATION)) {
            return false; // planted bug: change leased keys without telling the holders
        }
        LeaseTable.Hold hold = m.leases.hold(key, env.nowMillis(), writing, resume, positional);
        if (hold == null) {
            return false;
        }
        env.setTimer(Math.max(1, hold.recheckAtMillis() - env.nowMillis() + 1), new LeaseCheck(group, key));
        revoke(env, m, group, key, writing, hold.revokeFrom());
        return true;
    }

    /**
     * A member's positions in its installed view ({@code held}), and those of them still in quarantine
     * ({@code waiting}): their votes and acknowledgements of writes wait until it ends (see {@link LeaseTable}).
     */
    record Positions(Set<Integer> held, Set<Integer> waiting) {
        /** Some positions may act on a write now while others wait for their quarantine's end. */
        boolean positional() {
            return !waiting.isEmpty() && waiting.size() < held.size();
        }
    }

    Positions positions(Member m, long nowMillis) {
        Set<Integer> held = indicesOf(m.acceptor.installed(), self.address());
        if (config.planted(ReplicaConfig.PlantedBug.SKIP_LEASE_REVOCATION)) {
            return new Positions(held, Set.of());
        }
        return new Positions(held, m.leases.quarantined(held, nowMillis));
    }

    /**
     * Runs {@code action} (named {@code id}) once every quarantine of member {@code m} is over and the leases on
     * {@code key} that a late handoff brought are revoked: a vote or acknowledgement of a position in quarantine. One
     * pass per key, parked on the member's lease table, runs every action gathered for the key meanwhile, so a key
     * written often during a quarantine parks one pass, not one per write. Returns false, running nothing, if nothing
     * has to wait (the quarantine ended meanwhile): the caller acts at once.
     */
    boolean afterQuarantine(Environment env, Member m, int group, Key key, Tag writing, Object id, Runnable action) {
        Deferred d = deferred.get(key);
        if (d != null && d.member() == m) {
            d.actions().put(id, action); // the pass parked already runs it too
            return true;
        }
        Map<Object, Runnable> actions = new LinkedHashMap<>();
        actions.put(id, action);
        Deferred mine = new Deferred(m, actions);
        deferred.put(key, mine); // replaces one of a member state since dropped, whose pass never runs
        Runnable pass = () -> {
            if (deferred.get(key) == mine) {
                deferred.remove(key);
                new ArrayList<>(actions.values()).forEach(Runnable::run);
            }
        };
        if (holdWrite(env, m, group, key, writing, pass, false)) {
            return true;
        }
        deferred.remove(key);
        return false;
    }

    /** The action {@code id} waiting on {@code key} is no longer needed (its transaction was decided). */
    void cancelAfterQuarantine(Key key, Object id) {
        Deferred d = deferred.get(key);
        if (d != null) {
            d.actions().remove(id);
        }
    }

    /** The actions waiting on one key for a quarantine's end, and the member whose lease table holds their pass. */
    private record Deferred(Member member, Map<Object, Runnable> actions) {
    }

    /**
     * Tells {@code holders} to drop {@code key} before the write of tag {@code writing} (null: not known); our own near
     * cache drops it here and now.
     */
    private void revoke(Environment env, Member m, int group, Key key, Tag writing, List<Address> holders) {
        if (holders.isEmpty()) {
            return; // told already, or only a quarantine holds the write
        }
        long nonce = ++revokeNonce;
        m.leases.told(key, holders, nonce);
        boolean selfHolds = false;
        for (Address holder : holders) {
            if (holder.equals(self.address())) {
                selfHolds = true;
            } else {
                env.send(holder, new Revoke(group, key, nonce, writing));
            }
        }
        if (selfHolds) {
            // our own near cache: drop the entry here and now (this may let the parked write run at once)
            Tag kept = dropUnlessAsNew(key, writing, env.nowMillis());
            taintLeaseOps(key);
            renewer.taint(key);
            offers.revoked(key, self.address(), nonce, env.nowMillis());
            runAll(m.leases.revoked(key, self.address(), nonce, kept, env.nowMillis()));
        }
    }

    /**
     * A revocation before the write of tag {@code writing}: the near-cache entry goes, unless it already holds that
     * write or a later one (installed from the offers of the replicas that stored it first). Returns {@code writing} if
     * the entry was kept (else null): the answer then says so, and the revoking replica lets that write go on but keeps
     * this node's lease, so that a later write there revokes the entry again. Null {@code writing}: the write is not
     * known, the entry goes.
     */
    private Tag dropUnlessAsNew(Key key, Tag writing, long nowMillis) {
        NearCache.Entry e = near.valid(key, nowMillis);
        if (e != null && writing != null && !writing.isAfter(e.tag())) {
            return writing;
        }
        near.revoke(key);
        return null;
    }

    /**
     * After member {@code m} stored a write to {@code key} that asked for it: offers the value now stored, under a
     * fresh read lease, to the holders whose leases on the key a recent write revoked here (they answered within half
     * a lease) and whose lease quorum this node is in ({@link #leaseQuorum}). Nothing is offered while another
     * transaction holds the key's write lock (its vote came after its revocations, so it would not revoke a lease
     * granted now) or while writes wait on the key's leases; a holder is skipped if the lease table is full. How the
     * holder dates the lease: {@link OfferBoard}.
     */
    void offerAfterWrite(Environment env, Member m, int group, Key key) {
        if (config.leaseMillis() == 0 || m.recovering || m.locks.writeLocked(key)
                || servingMember(group, m.acceptor.installed().epoch()) != m) {
            return;
        }
        long now = env.nowMillis();
        List<LeaseTable.Interest> to = m.leases.takeInterest(key, now, config.leaseMillis() / 2);
        if (to.isEmpty()) {
            return;
        }
        Item i = storage.get(group, key);
        Tag tag = i == null ? Tag.ZERO : i.tag();
        Bytes value = i == null ? null : i.value();
        GroupView view = m.acceptor.installed();
        long epoch = view.epoch();
        for (LeaseTable.Interest h : to) {
            if (!inLeaseQuorum(view, h.holder()) || !m.leases.grant(key, h.holder(), now, config.leaseMillis())) {
                continue; // the holder's other replicas offer it; our lease would only add a revocation to each write
            }
            LeaseOffer o = new LeaseOffer(group, epoch, key, tag, value, h.nonce());
            if (h.holder().equals(self.address())) {
                onLeaseOffer(env, self.address(), o);
            } else {
                env.send(h.holder(), o);
            }
        }
    }

    /** A replica offered a value under a lease: cached once a majority offered it (see {@link OfferBoard}). */
    private void onLeaseOffer(Environment env, Address from, LeaseOffer o) {
        if (config.maxNearEntries() == 0 || config.leaseMillis() == 0 || group(o.key()) != o.group()) {
            return; // a key offered in a group that is not its own (a corrupt offer): its entry would renew there
        }
        long now = env.nowMillis();
        OfferBoard.Install in = offers.offered(o, from, bestView(o.group()), now, config.leaseMillis(),
                self.address());
        if (in == null) {
            return;
        }
        NearCache.Entry current = near.valid(o.key(), now);
        long anchor = config.planted(ReplicaConfig.PlantedBug.OFFER_DATED_ON_ARRIVAL) ? now : in.anchorMillis(); // planted bug
        long until = nearValidUntil(anchor);
        if ((current != null && !in.tag().isAfter(current.tag())) || until <= now) {
            return;
        }
        // not a read itself: renewed if the key was read here before the write revoked it, or if something reads it
        // before its renewal time
        near.installOffered(o.key(), o.group(), in.tag(), in.value(), until, nearRenewAfter(anchor));
    }

    private void onLeaseRequest(Environment env, Address from, LeaseRequest r) {
        Member m = servingMember(r.group(), r.epoch());
        if (m == null) {
            env.send(from, new NotServing(r.requestId(), r.group(), bestView(r.group())));
            return;
        }
        Item i = storage.get(r.group(), r.key());
        Tag tag = i == null ? Tag.ZERO : i.tag();
        boolean granted = config.leaseMillis() > 0
                && !m.locks.writeLocked(r.key()) && m.leases.grant(r.key(), from, env.nowMillis(), config.leaseMillis());
        env.send(from, new LeaseReply(r.requestId(), r.group(), r.epoch(), tag, i == null ? null : i.value(), granted));
    }

    /**
     * The renewal requests of one holder's sweep for several groups served here: each part is answered as if it came
     * alone, and the answers go back in one message. A bundle of more than {@link LeaseRenewBundle#MAX_PARTS} parts is
     * malformed: the parts beyond are ignored, and their renewals time out at the holder.
     */
    private void onLeaseRenewBundle(Environment env, Address from, LeaseRenewBundle b) {
        List<LeaseRenewReply> replies = new ArrayList<>();
        int parts = Math.min(b.parts().size(), LeaseRenewBundle.MAX_PARTS);
        for (int i = 0; i < parts; i++) {
            LeaseRenewReply reply = renewReply(env, from, b.parts().get(i));
            if (reply != null) {
                replies.add(reply);
            }
        }
        if (!replies.isEmpty()) {
            env.send(from, new LeaseRenewReplyBundle(replies));
        }
    }

    /**
     * A holder asks to extend its leases on several keys of a group. Each is extended only on the value the holder has
     * (the key still has the tag it names), and not while a write holds or revokes it. Returns the answer, or null if
     * this node does not serve the group at that epoch (it sent {@link NotServing} instead).
     */
    private LeaseRenewReply renewReply(Environment env, Address from, LeaseRenew r) {
        Member m = servingMember(r.group(), r.epoch());
        if (m == null) {
            env.send(from, new NotServing(r.requestId(), r.group(), bestView(r.group())));
            return null;
        }
        List<Integer> granted = new ArrayList<>();
        long now = env.nowMillis();
        List<Renewal> keys = r.keys();
        for (int k = 0; k < keys.size(); k++) {
            Renewal renewal = keys.get(k);
            if (renewal == null || renewal.key() == null || renewal.tag() == null) {
                continue; // a corrupt request extends nothing
            }
            // The key's group is not checked (an MD5 per key and replica), as a lease request's key is not: a key of
            // another group renewed here only adds a lease record to this group's table, which no write to that key
            // consults, and which expires.
            Item i = storage.get(r.group(), renewal.key());
            Tag tag = i == null ? Tag.ZERO : i.tag();
            if (config.leaseMillis() > 0 && renewal.tag().equals(tag) && !m.locks.writeLocked(renewal.key())
                    && m.leases.grant(renewal.key(), from, now, config.leaseMillis())) {
                granted.add(k);
            }
        }
        return new LeaseRenewReply(r.requestId(), r.group(), r.epoch(), granted);
    }

    private static void runAll(List<Runnable> writes) {
        for (Runnable w : writes) {
            w.run();
        }
    }

    // ------------------------------------------------------------------ near cache (holder side)

    /** Mirrors this node's near cache to the runtime (which may serve valid entries without the event loop). */
    public void setNearCacheListener(NearCacheListener listener) {
        near.setListener(listener);
    }

    /** Entries in this node's near cache. */
    public int nearCacheSize() {
        return near.size();
    }

    /**
     * A linearizable read that may be answered from this node's near cache. On a miss it asks every replica of the
     * key's group for the value and a read lease; if a majority grants it with one tag and no revocation of the key
     * arrived meanwhile, the value is cached until shortly before the leases end, and every later write to the key
     * revokes it first (see {@link LeaseTable}). Otherwise it reads the ordinary way ({@link #read}).
     *
     * <p>Why it is linearizable: a write completes only once a majority of replicas stored it, each after its leases
     * on the key were answered or expired; the leases behind a cached entry come from a majority, which shares a
     * replica with that majority. So once a write has completed, no node still holds an entry with an older value.
     * A new member of a group acknowledges no write before it has the leases of the member it replaced (handed over)
     * or they have expired. While the entry is read, the renewal loop extends its leases in the background.
     */
    public void readNear(Environment env, Key key, OpCallback callback) {
        NearCache.Entry e = near.valid(key, env.nowMillis());
        if (e != null) {
            near.touch(key, e, env.nowMillis());
            callback.doneTagged(e.tag(), e.value());
            return;
        }
        int group = group(key);
        GroupView view = bestView(group);
        if (view == null || config.maxNearEntries() == 0 || config.leaseMillis() == 0) {
            read(env, key, callback);
            return;
        }
        if (!indicesOf(view, self.address()).isEmpty() && servingMember(group, view.epoch()) == null) {
            read(env, key, callback); // an entry here needs our own position's grant (onLeaseReply), which it refuses
            return;
        }
        LeaseOp op = new LeaseOp(++nextId, key, view, env.nowMillis(), callback);
        leaseOps.put(op.id, op);
        env.setTimer(config.opTimeoutMillis(), new LeaseTimeout(op.id));
        for (NodeRef n : distinct(op.view)) {
            env.send(n.address(), new LeaseRequest(op.id, op.view.group(), op.view.epoch(), op.key));
        }
    }

    /** The renewal loop's period: a twentieth of the lease. */
    private long renewSweepMillis() {
        return Math.max(1, config.leaseMillis() / 20);
    }

    /**
     * The end of a near-cache entry whose leases were asked for at {@code sentAtMillis}: a tenth before the replicas'
     * leases end, counted from when we asked (they count from later).
     */
    private long nearValidUntil(long sentAtMillis) {
        return sentAtMillis + config.leaseMillis() - config.leaseMillis() / 10;
    }

    /**
     * When the renewal loop starts renewing such an entry: at 7/10 of the lease, so the loop sends the request by 3/4
     * and the round trip has 3/20 of a lease (600 ms with the JPA adapter's 4 s) before the entry would end.
     */
    private long nearRenewAfter(long sentAtMillis) {
        return sentAtMillis + config.leaseMillis() * 7 / 10;
    }

    /**
     * The renewal loop: every entry of this node's near cache past its renewal time that was read within
     * {@code nearIdleMillis} asks the replicas of its group's lease quorum ({@link #leaseQuorum}) to extend its
     * leases, in one request per group and replica (at most {@link LeaseRenewer#MAX_KEYS_PER_BATCH} keys each).
     * Entries nobody reads any more are left to lapse.
     */
    private void renewDue(Environment env) {
        if (renewer.full()) {
            return;
        }
        long now = env.nowMillis();
        Map<Integer, List<Renewal>> due = new TreeMap<>();
        near.forEachDue(now, (key, e) -> {
            long used = NearCache.lastUsedMillis(e);
            if (used != Long.MIN_VALUE && now - used <= config.nearIdleMillis() && !renewer.renewing(key)) {
                due.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(new Renewal(key, e.tag()));
            }
        });
        Map<Address, List<LeaseRenew>> bundles = new LinkedHashMap<>();
        Map<Address, Long> bundleKeyBytes = new HashMap<>();
        groups:
        for (Map.Entry<Integer, List<Renewal>> g : due.entrySet()) {
            GroupView view = bestView(g.getKey());
            if (view == null) {
                continue;
            }
            EveryReplica every = renewAtEveryReplica.get(g.getKey());
            if (every != null && (every.epoch() != view.epoch() || now >= every.untilMillis())) {
                renewAtEveryReplica.remove(g.getKey()); // a new view, or time to try the lease quorum again
                every = null;
            }
            List<NodeRef> replicas = every != null ? distinct(view) : leaseQuorum(view, self.address());
            for (List<Renewal> keys : LeaseRenewer.chunks(g.getValue())) {
                if (renewer.full()) {
                    break groups; // the rest waits for the next sweep; what is collected so far still goes
                }
                LeaseRenewer.Batch b = renewer.start(++nextId, view, replicas.size(), now, keys);
                env.setTimer(config.opTimeoutMillis(), new RenewTimeout(b.id));
                LeaseRenew request = new LeaseRenew(b.id, view.group(), view.epoch(), keys);
                long bytes = LeaseRenewer.keyBytes(keys);
                for (NodeRef n : replicas) {
                    List<LeaseRenew> parts = bundles.computeIfAbsent(n.address(), a -> new ArrayList<>());
                    parts.add(request);
                    long total = bundleKeyBytes.merge(n.address(), bytes, Long::sum);
                    if (parts.size() >= LeaseRenewBundle.MAX_PARTS || total >= MAX_BUNDLE_KEY_BYTES) {
                        sendRenewals(env, n.address(), bundles.remove(n.address()));
                        bundleKeyBytes.remove(n.address());
                    }
                }
            }
        }
        for (Map.Entry<Address, List<LeaseRenew>> e : bundles.entrySet()) {
            sendRenewals(env, e.getKey(), e.getValue());
        }
    }

    /** One sweep's renewal requests for one node: alone, or as one bundle. */
    private static void sendRenewals(Environment env, Address to, List<LeaseRenew> parts) {
        env.send(to, parts.size() == 1 ? parts.get(0) : new LeaseRenewBundle(parts));
    }

    /** A majority extended {@code renewal}'s leases: the entry, if it still holds that tag, ends later. */
    private void extended(Environment env, LeaseRenewer.Batch batch, Renewal renewal) {
        near.extend(renewal.key(), renewal.tag(), nearValidUntil(batch.sentAtMillis),
                nearRenewAfter(batch.sentAtMillis), env.nowMillis());
    }

    private void onLeaseReply(Environment env, Address from, LeaseReply r) {
        LeaseOp op = leaseOps.get(r.requestId());
        if (op == null || op.view.epoch() != r.epoch()) {
            return;
        }
        if (!r.granted() || op.tainted || (op.tag != null && !op.tag.equals(r.tag()))) {
            leaseOps.remove(op.id);
            read(env, op.key, op.callback); // a lock, a revocation or disagreeing replicas: the ordinary read decides
            return;
        }
        op.tag = r.tag();
        op.value = r.value();
        op.granted.addAll(indicesOf(op.view, from));
        if (op.granted.size() >= op.view.majority() && grantedHere(op.view, op.granted)) {
            leaseOps.remove(op.id);
            // renewed (in the background) by the renewal loop while it is read
            near.install(op.key, op.view.group(), op.tag, op.value, nearValidUntil(op.sentAtMillis),
                    nearRenewAfter(op.sentAtMillis), env.nowMillis());
            op.callback.doneTagged(op.tag, op.value);
        }
    }

    /**
     * Whether {@code granted} (positions of {@code view}) includes one of this node's positions when it holds any: a
     * near-cache entry on a node that replicates the key's group is valid only with its own replica's lease. That
     * replica drops the entry when it votes on a write to the key and grants nothing while the write's lock stands
     * ({@link #dropOwnNear}), so an entry cannot come back from the other replicas' grants issued before they locked:
     * what lets a transaction's manager count this node's vote as its revocation.
     */
    private boolean grantedHere(GroupView view, Set<Integer> granted) {
        Set<Integer> own = indicesOf(view, self.address());
        if (own.isEmpty()) {
            return true;
        }
        for (int p : own) {
            if (granted.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * This node's replica of {@code key} votes to let a write of tag {@code writing} change it: this node's near cache
     * stops serving the key now (unless it holds that write or a later one already), and lease requests, renewals and
     * offers in flight for it are worthless. Its replica grants nothing on the key until the write is decided, and
     * afterwards only the new value, so no entry of the old value comes back here ({@link #grantedHere}, {@link
     * OfferBoard}). A transaction manager may therefore take this replica's prepared vote as this node's answer to a
     * revocation (see {@link TransactionManager}'s early votes).
     *
     * <p>The entry is set aside with its lease rather than dropped ({@link NearCache#suspend}): the replicas that
     * granted the lease keep it through the write when this node replicates the key (they need not revoke it, see
     * {@link TransactionManager}'s sticky leases), so once the decision reaches this node's replica the entry comes
     * back holding the replica's value ({@link #resumeOwnNear}).
     */
    void dropOwnNear(Key key, Tag writing, long nowMillis) {
        NearCache.Entry e = near.valid(key, nowMillis);
        if (e != null && (writing == null || writing.isAfter(e.tag()))) {
            near.suspend(key, e);
        }
        taintLeaseOps(key);
        renewer.taint(key);
        offers.dropOwn(key, self.address());
    }

    /**
     * A decision on {@code key} reached member {@code m} (this node's replica of the key's group), after its lock was
     * released: the near-cache entry that this replica's prepared vote set aside ({@link #dropOwnNear}) comes back,
     * with its lease's end unchanged, holding the value the replica now stores (the write's, or after an abort the one
     * it had). Safe because the leases behind the entry were not revoked: while they last, every write to the key needs
     * this replica's prepared vote before it commits (the replicas' early votes name this node), or this node's answer
     * to a revocation, which drops the entry for good; a commit that had neither waited for the leases to end, and the
     * entry is not resumed past its end. Nothing comes back while another write holds the key's lock here, or if the
     * member no longer serves the group.
     */
    void resumeOwnNear(Environment env, Member m, int group, Key key) {
        NearCache.Entry e = near.resume(key);
        long now = env.nowMillis();
        if (e == null || m == null || m.recovering || m.locks.writeLocked(key) || now >= e.validUntilMillis()
                || servingMember(group, m.acceptor.installed().epoch()) != m) {
            return;
        }
        Item i = storage.get(group, key);
        if (config.planted(ReplicaConfig.PlantedBug.RESUME_OLD_VALUE)) {
            i = new Item(key, e.tag(), e.value()); // planted bug: the entry comes back as it was
        }
        near.install(key, group, i == null ? Tag.ZERO : i.tag(), i == null ? null : i.value(), e.validUntilMillis(),
                e.renewAfterMillis(), NearCache.lastUsedMillis(e));
    }

    /** A revocation of {@code key} arrived: a lease request in flight may hold a grant issued before it. */
    private void taintLeaseOps(Key key) {
        for (LeaseOp op : leaseOps.values()) {
            if (op.key.equals(key)) {
                op.tainted = true;
            }
        }
    }

    private static final class LeaseOp {
        final long id;
        final Key key;
        final GroupView view;
        final long sentAtMillis;
        final OpCallback callback;
        final Set<Integer> granted = new TreeSet<>();
        Tag tag;
        Bytes value;
        boolean tainted;

        LeaseOp(long id, Key key, GroupView view, long sentAtMillis, OpCallback callback) {
            this.id = id;
            this.key = key;
            this.view = view;
            this.sentAtMillis = sentAtMillis;
            this.callback = callback;
        }
    }

    // ------------------------------------------------------------------ coordinating operations

    /** Linearizable read of {@code key}. */
    public void read(Environment env, Key key, OpCallback callback) {
        start(env, new Op(++nextId, key, group(key), false, null, callback));
    }

    /** Linearizable write; a null value deletes. */
    public void write(Environment env, Key key, Bytes value, OpCallback callback) {
        write(env, key, value, false, callback);
    }

    /**
     * Linearizable write; with {@code offer}, each replica then offers the value to the nodes whose near-cache leases
     * on the key a recent write revoked there ({@link #offerAfterWrite}).
     */
    public void write(Environment env, Key key, Bytes value, boolean offer, OpCallback callback) {
        Op op = new Op(++nextId, key, group(key), true, value, callback);
        op.offer = offer;
        start(env, op);
    }

    public int group(Key key) {
        return placement.groupOf(RingId.ofKey(key.toBytes()));
    }

    private void start(Environment env, Op op) {
        ops.put(op.id, op);
        op.view = bestView(op.group);
        env.setTimer(config.opTimeoutMillis(), new OpTimeout(op.id, op.attempt));
        if (op.view == null) {
            searchView(env, op.group);
            return;
        }
        query(env, op);
    }

    private void query(Environment env, Op op) {
        op.phase = Phase.QUERY;
        op.replied.clear();
        op.maxTag = null;
        op.maxValue = null;
        op.agree = true;
        for (NodeRef n : distinct(op.view)) {
            env.send(n.address(), new ReadRequest(op.id, op.group, op.view.epoch(), op.key));
        }
    }

    private void onReadReply(Environment env, Address from, ReadReply r) {
        Op op = ops.get(r.requestId());
        if (op == null || op.phase != Phase.QUERY || op.view.epoch() != r.epoch()) {
            return;
        }
        if (r.locked()) {
            // a transaction is deciding this key: its value may change at any moment, so ask again shortly
            if (!op.lockWait) {
                op.lockWait = true;
                env.setTimer(Math.min(1 + op.lockWaits++, LOCK_WAIT_MAX_MILLIS), new LockWait(op.id, op.attempt));
            }
            return;
        }
        if (op.maxTag != null && !op.maxTag.equals(r.tag())) {
            op.agree = false;
        }
        if (op.maxTag == null || r.tag().isAfter(op.maxTag)) {
            op.maxTag = r.tag();
            op.maxValue = r.value();
        }
        op.replied.addAll(indicesOf(op.view, from));
        if (op.replied.size() < op.view.majority()) {
            return;
        }
        if (!op.write && op.agree) {
            finish(op).doneTagged(op.maxTag, op.maxValue);
            return;
        }
        Item item = op.write ? new Item(op.key, op.maxTag.next(self.address(), incarnation + op.id), op.value)
                : new Item(op.key, op.maxTag, op.maxValue);
        op.phase = Phase.UPDATE;
        op.written = item;
        op.replied.clear();
        for (NodeRef n : distinct(op.view)) {
            env.send(n.address(), new WriteRequest(op.id, op.group, op.view.epoch(), item, op.write && op.offer));
        }
    }

    private void onWriteReply(Environment env, Address from, WriteReply w) {
        Op op = ops.get(w.requestId());
        if (op == null || op.phase != Phase.UPDATE || op.view.epoch() != w.epoch()) {
            return;
        }
        for (int i : w.positions()) {
            if (i >= 0 && i < op.view.replication() && op.view.member(i).address().equals(from)) {
                op.replied.add(i); // only the sender's own positions count
            }
        }
        if (op.replied.size() >= op.view.majority()) {
            finish(op).doneTagged(op.written.tag(), op.written.value());
        }
    }

    private void onNotServing(Environment env, NotServing n) {
        learnAndCatchUp(env, n.installed());
        LeaseOp lease = leaseOps.remove(n.requestId());
        if (lease != null) {
            read(env, lease.key, lease.callback);
            return;
        }
        renewer.end(n.requestId()); // a renewal sent at an old view: the next sweep asks the view just learnt
        Pull pull = pulls.remove(n.requestId());
        if (pull != null) {
            env.setTimer(config.checkIntervalMillis(), new PullRetry(pull));
            return;
        }
        Op op = ops.get(n.requestId());
        if (op == null || op.view == null) {
            return;
        }
        GroupView newer = bestView(op.group);
        if (newer != null && newer.epoch() > op.view.epoch()) {
            retry(env, op, "view changed");
        }
    }

    private void retry(Environment env, Op op, String reason) {
        if (op.attempt + 1 >= config.opMaxAttempts()) {
            finish(op).failed(Failure.UNAVAILABLE, "group " + op.group + " of key " + op.key + ": " + reason
                    + " (after " + config.opMaxAttempts() + " attempts; view " + op.view + ")");
            return;
        }
        op.attempt++;
        op.view = bestView(op.group);
        env.setTimer(config.opTimeoutMillis(), new OpTimeout(op.id, op.attempt));
        if (op.view == null) {
            searchView(env, op.group);
        } else {
            resend(env, op);
        }
    }

    /** Runs {@code op}'s current phase again on {@code op.view}. */
    private void resend(Environment env, Op op) {
        if (op.phase == Phase.UPDATE && op.write) {
            // the write's tag was chosen: finish storing that same item in the newer view
            op.replied.clear();
            for (NodeRef n : distinct(op.view)) {
                env.send(n.address(), new WriteRequest(op.id, op.group, op.view.epoch(), op.written, op.offer));
            }
        } else {
            query(env, op);
        }
    }

    private OpCallback finish(Op op) {
        ops.remove(op.id);
        return op.callback;
    }

    // ------------------------------------------------------------------ helpers

    /** The view's nodes, each once, in position order (a group has a handful: a list beats a hash set here). */
    static List<NodeRef> distinct(GroupView v) {
        List<NodeRef> out = new ArrayList<>(v.members().size());
        for (NodeRef n : v.members()) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The replicas at which {@code holder} keeps its read leases on the keys of group {@code v}: the fewest distinct
     * nodes whose positions make a majority, starting with the holder's own node when it is a member (a lease there
     * costs no message), then the nodes after it in position order (else from a node picked by the group, to spread
     * the load). A write revokes the leases each of its replicas granted, so every lease held beyond a majority costs
     * each write to the key a revocation and its answer, and every renewal a request and its answer, while adding no
     * safety: a lease is valid on a majority's grants, and any majority shares a replica with the write's. The holder
     * renews there only, and a replica offers a value after a write only to holders whose quorum it is in. A first
     * lease request still asks every replica, so that one slow or failed replica does not hold up a miss.
     */
    static List<NodeRef> leaseQuorum(GroupView v, Address holder) {
        List<NodeRef> nodes = distinct(v);
        int start = Math.floorMod(v.group(), nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).address().equals(holder)) {
                start = i;
                break;
            }
        }
        List<NodeRef> out = new ArrayList<>(nodes.size());
        int positions = 0;
        for (int j = 0; j < nodes.size() && positions < v.majority(); j++) {
            NodeRef n = nodes.get((start + j) % nodes.size());
            out.add(n);
            for (NodeRef member : v.members()) {
                if (member.address().equals(n.address())) {
                    positions++; // counted here, not through indicesOf's set: this runs for every offer after a write
                }
            }
        }
        return out;
    }

    /** Whether this node is one of {@code holder}'s lease quorum in view {@code v} ({@link #leaseQuorum}). */
    private boolean inLeaseQuorum(GroupView v, Address holder) {
        return containsAddress(leaseQuorum(v, holder), self.address());
    }

    /** Whether one of {@code nodes} has address {@code a}. */
    static boolean containsAddress(List<NodeRef> nodes, Address a) {
        for (NodeRef n : nodes) {
            if (n.address().equals(a)) {
                return true;
            }
        }
        return false;
    }

    private static Set<Integer> indicesOf(GroupView v, NodeRef n) {
        return indicesOf(v, n.address());
    }

    static Set<Integer> indicesOf(GroupView v, Address a) {
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < v.replication(); i++) {
            if (v.member(i).address().equals(a)) {
                out.add(i);
            }
        }
        return out;
    }

    private enum Phase { QUERY, UPDATE }

    /** This node's membership of one group. */
    static final class Member {
        final ViewAcceptor acceptor;
        /** Paxos Commit: the locks this replica granted, and the acceptors of transactions hashed to this group. */
        final io.homeostat.txn.LockTable locks = new io.homeostat.txn.LockTable();
        final io.homeostat.txn.CommitAcceptor commitAcceptors = new io.homeostat.txn.CommitAcceptor();
        /** Positions held with complete data. */
        final Set<Integer> activeIndices = new TreeSet<>();
        /** Positions whose data the current recovery has pulled (or already held). */
        final Set<Integer> covered = new TreeSet<>();
        /** Positions we held with complete data and that moved to another member since. */
        final Set<Integer> handedOver = new TreeSet<>();
        /** Replaced members we may pull from, and for which of our new positions their frozen copy counts. */
        final Map<Address, Set<Integer>> handoffSources = new HashMap<>();
        boolean recovering;
        long nextHandoverMillis;
        long fencedSinceMillis = -1;
        /** The views installed before the current one without a gap, oldest first, at most {@code HISTORY_VIEWS}. */
        final List<GroupView> history = new ArrayList<>();
        /** After a gap: the view before it and the positions complete then; null if the last install had no gap. */
        GroupView beforeGap;
        final Set<Integer> activeBeforeGap = new TreeSet<>();

        /** Read leases granted here, and writes waiting for them. */
        final LeaseTable leases;

        /** The epoch this member state was created at: its lease table knows no lease granted before. */
        final long sinceEpoch;
        /** Previous holders of positions taken over whose lease handoff we await, with the view that replaced them. */
        final Map<Address, GroupView> leaseSources = new HashMap<>();
        boolean leaseRetryArmed;

        Member(ViewAcceptor acceptor, int maxLeases) {
            this.acceptor = acceptor;
            this.leases = new LeaseTable(maxLeases);
            this.sinceEpoch = acceptor.installed().epoch();
        }
    }

    private static final class Proposal {
        final long id;
        final GroupView base;
        final Ballot ballot;
        final Set<Integer> promised = new TreeSet<>();
        /** Positions of {@code base} whose holders promised while serving: complete state-transfer sources. */
        final Set<Integer> serving = new TreeSet<>();
        final Set<Integer> accepted = new TreeSet<>();
        Ballot highestAccepted;
        GroupView value;
        boolean accepting;

        Proposal(long id, GroupView base, GroupView value, Ballot ballot) {
            this.id = id;
            this.base = base;
            this.value = value;
            this.ballot = ballot;
        }
    }

    record Pull(GroupView view, Address from) {
    }

    /** Renewals of a group go to every replica while its view has {@code epoch}, until {@code untilMillis}. */
    private record EveryReplica(long epoch, long untilMillis) {
    }

    /**
     * Data kept after removal from a group, as a state-transfer source: the items in storage, and the member's locks,
     * commit-acceptor state and transactions (a prepared vote must reach the new member as surely as the data).
     */
    private record Retired(long removedAtEpoch, Set<Integer> indices, long expiresAtMillis, Member member) {
    }

    private static final class ViewSearch {
        final int group;
        int replies;

        ViewSearch(int group) {
            this.group = group;
        }
    }

    private static final class Op {
        final long id;
        final Key key;
        final int group;
        final boolean write;
        final Bytes value;
        final OpCallback callback;
        GroupView view;
        Phase phase = Phase.QUERY;
        int attempt;
        final Set<Integer> replied = new TreeSet<>();
        Tag maxTag;
        Bytes maxValue;
        boolean agree;
        Item written;
        /** A write whose replicas offer the value to recent lease holders once stored. */
        boolean offer;
        boolean lockWait;
        int lockWaits;

        Op(long id, Key key, int group, boolean write, Bytes value, OpCallback callback) {
            this.id = id;
            this.key = key;
            this.group = group;
            this.write = write;
            this.value = value;
            this.callback = callback;
        }
    }
}
