package io.homeostat.node;

import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.ReplicaMessage;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TxnMessage;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage;
import io.homeostat.ring.RingNode;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import io.homeostat.store.Storage;

/**
 * The composition root of one node: the ring overlay, the replication layer and the transaction manager on one event
 * loop. Messages and timer
 * ticks are routed to the component that owns their type; the components talk to each other by direct calls on this
 * same thread.
 */
public final class HomeostatNode implements Protocol {

    private final RingNode ring;
    private final ReplicaManager replicas;
    private final TransactionManager transactions;
    private final PositionAdvisor positions;
    private final ActionLog actions = new ActionLog();
    private Runnable onHandedOff;

    public HomeostatNode(RingId id, Address address, RingConfig ringConfig, ReplicaConfig replicaConfig,
            Storage storage) {
        this.ring = new RingNode(id, address, ringConfig, actions);
        this.replicas = new ReplicaManager(replicaConfig, ring, storage);
        replicas.setActionListener(actions);
        this.transactions = new TransactionManager(replicas, replicaConfig.opTimeoutMillis(),
                replicaConfig.opMaxAttempts(), 4 * replicaConfig.checkIntervalMillis());
        this.positions = new PositionAdvisor(replicas.placement(), ringConfig.successorListLength(), actions);
    }

    /**
     * This node stands where {@code offerer} told it to: it joins the offerer's ring first, and advises no other node
     * until it is in that ring (see {@link PositionAdvisor}). Call before {@link #start}.
     */
    void placedBy(Address offerer) {
        positions.placedBy(offerer);
        ring.firstContact(offerer);
    }

    /** What the self-management loops did lately; read it on the event loop. */
    public ActionLog actions() {
        return actions;
    }

    public TransactionManager transactions() {
        return transactions;
    }

    public RingNode ring() {
        return ring;
    }

    public ReplicaManager replicas() {
        return replicas;
    }

    @Override
    public void start(Environment env) {
        actions.tick(env.nowMillis());
        ring.start(env);
        replicas.start(env);
        transactions.start(env);
    }

    @Override
    public void onMessage(Environment env, Address from, Message message) {
        actions.tick(env.nowMillis());
        if (message instanceof ReplicaMessage m) {
            if (!handedOff()) {
                replicas.onMessage(env, from, m);
            }
        } else if (message instanceof TxnMessage m) {
            if (!handedOff()) {
                transactions.onMessage(env, from, m);
            }
        } else if (message instanceof RingMessage.PositionProbe p) {
            positions.onProbe(env, from, p, ring, replicas.memberGroups() > 0);
        } else if (message instanceof RingMessage) {
            ring.onMessage(env, from, message);
            positions.observe(ring, replicas.memberGroups() > 0);
        }
    }

    @Override
    public void onTimer(Environment env, Object tag) {
        actions.tick(env.nowMillis());
        if (tag instanceof ReplicaManager.ReplicaTick t) {
            if (!handedOff()) {
                replicas.onTimer(env, t);
            }
            if (ring.isStopped() && onHandedOff != null && replicas.memberGroups() == 0
                    && replicas.handoffsServed(env.nowMillis())) {
                Runnable done = onHandedOff;
                onHandedOff = null;
                done.run();
            }
        } else if (tag instanceof TransactionManager.TxTick t) {
            if (!handedOff()) {
                transactions.onTimer(env, t);
            }
        } else {
            ring.onTimer(env, tag);
            positions.observe(ring, replicas.memberGroups() > 0);
        }
    }

    /** Left the ring and holds no replica position any more: nothing left to do here. */
    private boolean handedOff() {
        return ring.isStopped() && replicas.memberGroups() == 0 && replicas.retiredGroups() == 0;
    }

    /** Graceful leave, as {@link #leave(Environment, Runnable)} without being told when it is done. */
    public void leave(Environment env) {
        leave(env, null);
    }

    /**
     * Graceful leave: the ring splices this node out and its successors claim its replica positions. Until it holds
     * none, this node keeps answering the view changes that replace it and serves its data to the new members (a
     * handoff: they copy from it rather than only from the remaining replicas). {@code onHandedOff} runs on this
     * node's event loop once it is a member of no group and its frozen copies were pulled (or had time to be, see
     * {@link ReplicaManager#handoffsServed}); the node may then stop.
     */
    public void leave(Environment env, Runnable onHandedOff) {
        actions.tick(env.nowMillis());
        this.onHandedOff = onHandedOff;
        ring.leave(env);
    }
}
