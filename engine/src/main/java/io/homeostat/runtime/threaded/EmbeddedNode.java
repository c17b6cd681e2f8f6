package io.homeostat.runtime.threaded;

import io.homeostat.ClientOptions;
import io.homeostat.Homeostat;
import io.homeostat.node.ActionLog;
import io.homeostat.node.BootstrappingNode;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.GroupView;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.MemoryStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One Homeostat node running in this JVM on its own event-loop thread, over any {@link Transport} (in-JVM or
 * JGroups): the ring overlay, replication and transactions, plus a {@link Homeostat} client bound to it. This is
 * what a launcher, an application server or the Hibernate cache adapter starts.
 *
 * <p>Exactly one node of a brand-new cluster is the {@linkplain Settings#founder() founder}: it creates the first
 * views of every replica group. Every other node, and the founder itself when it restarts, joins through the
 * addresses its {@link Discovery} returns. Thread-safe.
 */
public final class EmbeddedNode implements AutoCloseable {

    /**
     * How to run a node.
     *
     * @param address        this node's address on the transport
     * @param ringId         its ring position, or null (the default) to take the one a member proposes, which
     *                       places replicas on distinct nodes
     * @param founder        create the first views of a new cluster (one node, on its first start only)
     * @param replication    replicas per key (odd: 3 or 5)
     * @param groupsLog2     2^groupsLog2 replica groups
     * @param client         the client's limits, retries and timeouts
     * @param node           event-loop limits
     * @param leaseMillis    read leases behind near reads ({@link Homeostat#getNear}); the same on every node
     * @param nearIdleMillis a near-cache entry read within this long keeps its leases renewed in the background; one
     *                       unread for longer lapses (0: no renewal)
     */
    public record Settings(Address address, RingId ringId, boolean founder, int replication, int groupsLog2,
            ClientOptions client, NodeOptions node, long leaseMillis, long nearIdleMillis) {

        public Settings {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(node, "node");
            ReplicaConfig.defaults().withReplication(replication).withGroupsLog2(groupsLog2)
                    .withLeaseMillis(leaseMillis).withNearIdleMillis(nearIdleMillis); // validates all four
        }

        /** Defaults: a position proposed by the cluster, not the founder, R=3, 256 groups, no read leases. */
        public static Settings of(Address address) {
            return new Settings(address, null, false, 3, 8, ClientOptions.defaults(), NodeOptions.defaults(),
                    ReplicaConfig.defaults().leaseMillis(), ReplicaConfig.defaults().nearIdleMillis());
        }

        public Settings withFounder(boolean f) {
            return new Settings(address, ringId, f, replication, groupsLog2, client, node, leaseMillis, nearIdleMillis);
        }

        public Settings withReplication(int r) {
            return new Settings(address, ringId, founder, r, groupsLog2, client, node, leaseMillis, nearIdleMillis);
        }

        public Settings withGroupsLog2(int log2) {
            return new Settings(address, ringId, founder, replication, log2, client, node, leaseMillis, nearIdleMillis);
        }

        public Settings withRingId(RingId id) {
            return new Settings(address, id, founder, replication, groupsLog2, client,
                    node, leaseMillis, nearIdleMillis);
        }

        public Settings withLeaseMillis(long millis) {
            return new Settings(address, ringId, founder, replication, groupsLog2, client,
                    node, millis, nearIdleMillis);
        }

        public Settings withNearIdleMillis(long millis) {
            return new Settings(address, ringId, founder, replication, groupsLog2, client, node, leaseMillis, millis);
        }

        public Settings withClient(ClientOptions c) {
            return new Settings(address, ringId, founder, replication, groupsLog2, c,
                    node, leaseMillis, nearIdleMillis);
        }
    }

    /** A replica group this node is a member of: the view it has installed and whether it serves it yet. */
    public record GroupStatus(int group, long epoch, List<String> members, boolean serving) {
        public GroupStatus {
            members = List.copyOf(members);
        }
    }

    /**
     * A snapshot of the node for operators: its ring neighbours, the replica groups it holds, its event loop's
     * counters, and the recent actions of its self-management loops (oldest first, at most
     * {@link ActionLog#MAX_ACTIONS}; {@code atMillis} on the node's monotonic clock, compare with {@code nowMillis}),
     * how many keys its near cache holds under read leases, and how many Paxos Commit acceptor instances it keeps for
     * the groups it serves ({@code acceptorInstances}: those of transactions in flight, plus what a transaction whose
     * manager crashed left behind; it should not grow with the number of transactions).
     */
    public record Status(String address, String ringId, String predecessor, List<String> successors,
            List<GroupStatus> groups, int activeTransactions, List<String> locks, long handledMessages,
            long droppedMessages, long handlerFailures, int queuedInboxMessages, long nowMillis,
            List<ActionLog.Action> recentActions, int nearCacheEntries, long acceptorInstances) {
        public Status {
            successors = List.copyOf(successors);
            groups = List.copyOf(groups);
            locks = List.copyOf(locks);
            recentActions = List.copyOf(recentActions);
        }
    }

    private final ThreadedDriver driver;
    private final ThreadedNode node;
    private final HomeostatNode protocol;
    private final ThreadedClient client;

    private EmbeddedNode(ThreadedDriver driver, ThreadedNode node, HomeostatNode protocol, ClientOptions options) {
        this.driver = driver;
        this.node = node;
        this.protocol = protocol;
        this.client = new ThreadedClient(node, protocol, options);
    }

    /**
     * Starts a node on {@code transport}; it joins the cluster that {@code discovery} points at in the background.
     *
     * <p>Without a fixed {@link Settings#ringId()}, the node first asks the members it can reach where to stand on the
     * ring, so that replicas land on distinct nodes ({@link BootstrappingNode}); this call returns once the position
     * is chosen: at once for the first node, after one round trip normally, and within
     * {@link BootstrappingNode.Config#maxMillis()} at worst.
     */
    public static EmbeddedNode start(Transport transport, Discovery discovery, Settings s) {
        return start(transport, discovery, s, BootstrappingNode.Config.defaults());
    }

    /**
     * As {@link #start(Transport, Discovery, Settings)}, choosing the position under {@code boot} (for instance with
     * a shorter {@link BootstrappingNode.Config#withMaxMillis bound} for a caller that must fail fast).
     */
    public static EmbeddedNode start(Transport transport, Discovery discovery, Settings s,
            BootstrappingNode.Config boot) {
        ReplicaConfig rc = ReplicaConfig.defaults().withReplication(s.replication()).withGroupsLog2(s.groupsLog2())
                .withFounder(s.founder()).withLeaseMillis(s.leaseMillis()).withNearIdleMillis(s.nearIdleMillis());
        Function<RingId, HomeostatNode> factory =
                id -> new HomeostatNode(id, s.address(), RingConfig.defaults(), rc, new MemoryStorage());
        ThreadedDriver driver = new ThreadedDriver(transport, discovery, s.node());
        if (s.ringId() != null) {
            HomeostatNode protocol = factory.apply(s.ringId());
            return new EmbeddedNode(driver, driver.addNode(s.address(), protocol), protocol, s.client());
        }
        CompletableFuture<HomeostatNode> started = new CompletableFuture<>();
        ThreadedNode node = driver.addNode(s.address(),
                new BootstrappingNode(s.address(), boot, s.founder(), factory, started::complete));
        long waitMillis = boot.maxMillis() + 10_000;
        try {
            return new EmbeddedNode(driver, node, started.get(waitMillis, TimeUnit.MILLISECONDS), s.client());
        } catch (InterruptedException e) {
            driver.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while node " + s.address() + " chose its ring position", e);
        } catch (ExecutionException | TimeoutException e) {
            driver.close();
            throw new IllegalStateException("node " + s.address() + " did not choose its ring position within "
                    + waitMillis + " ms: its event loop is blocked or failing (see the log)", e);
        }
    }

    /** The data API, served through this node. */
    public Homeostat client() {
        return client;
    }

    public Address address() {
        return node.self();
    }

    /** This node's ring position (fixed for the node's life). */
    public RingId ringId() {
        return protocol.ring().self().id();
    }

    /** A consistent snapshot taken on the node's thread; fails if the node does not answer within the timeout. */
    public Status status(long timeoutMillis) {
        try {
            return node.query(p -> snapshot()).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the status of " + node.self(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("node " + node.self() + " did not report its status within "
                    + timeoutMillis + " ms", e);
        }
    }

    private Status snapshot() {
        ReplicaManager r = protocol.replicas();
        List<GroupStatus> groups = new ArrayList<>();
        for (int g = 0; g < r.placement().groups(); g++) {
            GroupView v = r.installedView(g);
            if (v != null) {
                List<String> members = new ArrayList<>();
                for (NodeRef m : v.members()) {
                    members.add(m.address().toString());
                }
                groups.add(new GroupStatus(g, v.epoch(), members, r.serving(g)));
            }
        }
        NodeRef pred = protocol.ring().predecessor();
        List<String> succ = new ArrayList<>();
        for (NodeRef n : protocol.ring().successors()) {
            succ.add(n.address().toString());
        }
        return new Status(node.self().toString(), protocol.ring().self().id().toString(),
                pred == null ? null : pred.address().toString(), succ, groups,
                protocol.transactions().activeTransactions(), protocol.transactions().describeLocks(),
                node.handledMessages(), node.droppedMessages(), node.handlerFailures(), node.queuedInboxMessages(),
                node.nowMillis(), protocol.actions().recent(), r.nearCacheSize(),
                protocol.transactions().acceptorInstances());
    }

    /**
     * Graceful leave: the ring splices this node out and its successors take over its replica positions, pulling the
     * data from the remaining replicas and from this node, which keeps serving as a state-transfer source until it
     * holds no position any more or {@code timeoutMillis} passes. Then the node stops.
     *
     * @return true if every position was handed over in time
     */
    public boolean leave(long timeoutMillis) {
        CompletableFuture<Boolean> handedOff = new CompletableFuture<>();
        node.execute(env -> protocol.leave(env, () -> handedOff.complete(true)));
        boolean done;
        try {
            done = handedOff.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        } catch (ExecutionException | TimeoutException e) {
            done = false;
        }
        close();
        return done;
    }

    /** Stops the node at once (like a crash, as far as the others can tell); prefer {@link #leave}. */
    @Override
    public void close() {
        driver.close();
    }
}
