package io.homeostat.node;

import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.ReplicaMessage;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TxnMessage;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingListener;
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

    public HomeostatNode(RingId id, Address address, RingConfig ringConfig, ReplicaConfig replicaConfig,
            Storage storage) {
        this.ring = new RingNode(id, address, ringConfig, RingListener.NONE);
        this.replicas = new ReplicaManager(replicaConfig, ring, storage);
        this.transactions = new TransactionManager(replicas, replicaConfig.opTimeoutMillis(),
                replicaConfig.opMaxAttempts(), 4 * replicaConfig.checkIntervalMillis());
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
        ring.start(env);
        replicas.start(env);
        transactions.start(env);
    }

    @Override
    public void onMessage(Environment env, Address from, Message message) {
        if (message instanceof ReplicaMessage m) {
            if (!ring.isStopped()) {
                replicas.onMessage(env, from, m);
            }
        } else if (message instanceof TxnMessage m) {
            if (!ring.isStopped()) {
                transactions.onMessage(env, from, m);
            }
        } else if (message instanceof RingMessage) {
            ring.onMessage(env, from, message);
        }
    }

    @Override
    public void onTimer(Environment env, Object tag) {
        if (tag instanceof ReplicaManager.ReplicaTick t) {
            if (!ring.isStopped()) {
                replicas.onTimer(env, t);
            }
        } else if (tag instanceof TransactionManager.TxTick t) {
            if (!ring.isStopped()) {
                transactions.onTimer(env, t);
            }
        } else {
            ring.onTimer(env, tag);
        }
    }

    /** Graceful leave: the ring splices this node out and the successors take over its slots. */
    public void leave(Environment env) {
        ring.leave(env);
    }
}
