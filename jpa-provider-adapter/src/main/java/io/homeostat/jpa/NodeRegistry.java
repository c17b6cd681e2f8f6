package io.homeostat.jpa;

import io.homeostat.ClientOptions;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.jgroups.JGroupsOptions;
import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.node.BootstrappingNode;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.Discovery;
import io.homeostat.runtime.threaded.EmbeddedNode;
import io.homeostat.runtime.threaded.LocalTransport;
import io.homeostat.runtime.threaded.NodeOptions;
import io.homeostat.runtime.threaded.Transport;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.cache.CacheException;

/**
 * All node bootstrapping of the adapter. Every node is an {@link EmbeddedNode}: by default over its own
 * {@link JGroupsTransport} (one JGroups channel per node, so factories in one JVM and in other JVMs find each other
 * the same way), or, with {@code homeostat.transport=local}, over one in-JVM {@link LocalTransport} per cluster name.
 *
 * <p>Factories with the same cluster and node name share one node (reference counted); the last to release it makes
 * the node leave the cluster gracefully (handing its data off), then stops it and its transport. Starts are serialized
 * by one lock for the registry, so the {@code auto} founder rule is deterministic within a JVM; leaves run outside it.
 */
final class NodeRegistry {

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class.getName());
    /** Pause between two readiness probes that failed at once. */
    private static final long PROBE_BACKOFF_MILLIS = 20;
    /** Time limit of a status query made while leaving. */
    private static final long STATUS_TIMEOUT_MILLIS = 2_000;

    private static final Map<String, Cluster> CLUSTERS = new HashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private NodeRegistry() {
    }

    /** The nodes of one cluster hosted in this JVM, and the in-JVM transport when it is {@code local}. */
    private static final class Cluster {
        final Map<String, Shared> nodes = new LinkedHashMap<>();
        LocalTransport local;
    }

    /** One node and the factories using it. */
    private static final class Shared {
        final String clusterName;
        final String nodeName;
        final Config config;
        final EmbeddedNode node;
        final RingId ringId;
        final boolean founder;
        /** The node's own JGroups channel, or null on the local transport. */
        final JGroupsTransport jgroups;
        int references;

        Shared(String clusterName, String nodeName, Config config, EmbeddedNode node, RingId ringId, boolean founder,
                JGroupsTransport jgroups) {
            this.clusterName = clusterName;
            this.nodeName = nodeName;
            this.config = config;
            this.node = node;
            this.ringId = ringId;
            this.founder = founder;
            this.jgroups = jgroups;
        }
    }

    /** A factory's use of a node: its client, released once. */
    static final class Handle implements AutoCloseable {
        private final Shared shared;
        private boolean released;

        private Handle(Shared shared) {
            this.shared = shared;
        }

        Homeostat client() {
            return shared.node.client();
        }

        /** The node's position on the ring (tests use it to reason about replica placement). */
        RingId ringId() {
            return shared.ringId;
        }

        String nodeName() {
            return shared.nodeName;
        }

        /** The node's engine address (its endpoint is the JGroups logical name on that transport). */
        Address address() {
            return shared.node.address();
        }

        /** Whether this node founded the cluster. */
        boolean founder() {
            return shared.founder;
        }

        /** A snapshot of the node (diagnostics). */
        EmbeddedNode.Status status(long timeoutMillis) {
            return shared.node.status(timeoutMillis);
        }

        /** The JGroups endpoints this node's channel sees, itself included; empty on the local transport. */
        Set<String> transportView() {
            return shared.jgroups == null ? Set.of() : shared.jgroups.viewEndpoints();
        }

        @Override
        public void close() {
            Shared toStop;
            synchronized (NodeRegistry.class) {
                if (released) {
                    return;
                }
                released = true;
                toStop = release(shared);
            }
            if (toStop != null) {
                stop(toStop);
            }
        }
    }

    /** The node of {@code config}'s cluster and node name, started (and the cluster founded or joined) if needed. */
    static Handle acquire(Config config) {
        Shared shared;
        boolean started = false;
        long startedAtNanos = 0;
        synchronized (NodeRegistry.class) {
            Cluster cluster = CLUSTERS.get(config.clusterName());
            shared = cluster == null ? null : cluster.nodes.get(config.nodeName());
            if (shared != null) {
                if (!shared.config.nodeSettings().equals(config.nodeSettings())) {
                    throw Config.invalid("node '" + config.nodeName() + "' of cluster '" + config.clusterName()
                            + "' is already running with " + shared.config.nodeSettings() + ", not "
                            + config.nodeSettings() + "; give this factory another " + HomeostatSettings.NODE_NAME);
                }
            } else {
                if (cluster == null) {
                    cluster = new Cluster();
                    CLUSTERS.put(config.clusterName(), cluster);
                }
                startedAtNanos = System.nanoTime();
                try {
                    shared = start(cluster, config);
                } catch (RuntimeException e) {
                    if (cluster.nodes.isEmpty()) {
                        CLUSTERS.remove(config.clusterName());
                    }
                    throw e;
                }
                cluster.nodes.put(config.nodeName(), shared);
                started = true;
            }
            shared.references++;
        }
        Handle handle = new Handle(shared);
        if (started) {
            try {
                awaitReady(shared, config, startedAtNanos);
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
        }
        return handle;
    }

    /** Starts the transport and the node; the caller holds the registry lock. */
    private static Shared start(Cluster cluster, Config config) {
        boolean othersInThisJvm = !cluster.nodes.isEmpty();
        JGroupsTransport jgroups = null;
        Transport transport;
        Discovery discovery;
        Address address;
        boolean othersVisible;
        if (config.transport().equals("local")) {
            if (cluster.local == null) {
                cluster.local = new LocalTransport();
            }
            LocalTransport local = cluster.local;
            transport = local;
            discovery = () -> List.copyOf(local.registeredAddresses());
            address = new Address(config.clusterName() + "/" + config.nodeName(), 0);
            othersVisible = othersInThisJvm;
        } else {
            jgroups = JGroupsTransport.start(jgroupsOptions(config));
            transport = jgroups;
            discovery = jgroups;
            address = jgroups.address(0);
            // After connect, JGroups discovery is over: the view holds every member that answered.
            othersVisible = othersInThisJvm || jgroups.viewEndpoints().size() > 1;
        }
        boolean founder = config.founder().equals("auto") ? !othersVisible : Boolean.parseBoolean(config.founder());
        EmbeddedNode node;
        try {
            EmbeddedNode.Settings settings = new EmbeddedNode.Settings(address, null, founder,
                    config.replicationFactor(), config.groupsLog2(), clientOptions(config),
                    NodeOptions.defaults().withStopTimeoutMillis(config.stopTimeoutMillis()), config.leaseMillis(),
                    config.nearIdleMillis());
            // the position wait counts against the startup bound: a node that is not the founder waits for members
            node = EmbeddedNode.start(transport, discovery, settings,
                    BootstrappingNode.Config.defaults().withMaxMillis(config.startupTimeoutMillis()));
        } catch (RuntimeException e) {
            if (jgroups != null) {
                jgroups.close();
            }
            throw e;
        }
        JGroupsTransport view = jgroups;
        LOG.info(() -> "Homeostat L2 cache: started node " + address + " of cluster '" + config.clusterName() + "'"
                + (founder ? " as the founder" : "") + (view == null ? " (local transport)"
                        : " (JGroups stack " + config.transportStack() + ", view " + view.viewEndpoints() + ")"));
        return new Shared(config.clusterName(), config.nodeName(), config, node, node.ringId(), founder, jgroups);
    }

    /**
     * The JGroups options of a node: the cluster name is the JGroups cluster; the logical name (the engine endpoint) is
     * the node name plus a random suffix, new on every start, since a restarted node holds no data (memory storage)
     * and two processes may use the same node name.
     */
    static JGroupsOptions jgroupsOptions(Config config) {
        String endpoint = config.nodeName() + "-" + HexFormat.of().toHexDigits(RANDOM.nextInt());
        List<String> seeds = config.initialMembers();
        boolean loopback = config.transportStack().equals("loopback");
        if (seeds.isEmpty() && loopback) {
            seeds = List.of(config.bindAddress() + "[" + config.port() + "]");
        }
        JGroupsOptions.Builder b = JGroupsOptions.builder().clusterName(config.clusterName())
                .stack(config.transportStack()).nodeName(endpoint).bindAddress(config.bindAddress())
                .bindPort(config.port()).portRange(config.portRange()).initialMembers(seeds)
                .maxFrameBytes(Math.max(JGroupsOptions.MIN_MAX_FRAME_BYTES, 2 * config.maxEntryBytes() + 64 * 1024));
        if (!config.credential().isEmpty()) {
            b.credential(Path.of(config.credential()), config.credentialPassword());
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            throw Config.invalid("the JGroups transport rejected the settings: " + e.getMessage());
        }
    }

    private static ClientOptions clientOptions(Config config) {
        return new ClientOptions(config.maxEntryBytes(), config.maxAttempts(), 2, config.operationTimeoutMillis());
    }

    /**
     * Waits until the node writes and reads back a probe key through the cluster, or fails with the reason; the
     * startup bound runs from {@code startedAtNanos}, when the node began to start.
     */
    private static void awaitReady(Shared shared, Config config, long startedAtNanos) {
        Homeostat probeClient = shared.node.client();
        long deadline = startedAtNanos + TimeUnit.MILLISECONDS.toNanos(config.startupTimeoutMillis());
        byte[] key = Homeostat.utf8("hs/probe/" + shared.node.address().endpoint());
        byte[] value = {1};
        HomeostatException last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                probeClient.put(key, value);
                if (probeClient.get(key).isPresent()) {
                    probeClient.delete(key);
                    return;
                }
            } catch (HomeostatException e) {
                last = e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PROBE_BACKOFF_MILLIS));
        }
        throw new CacheException("Homeostat node '" + shared.nodeName + "' of cluster '" + shared.clusterName
                + "' could not serve reads and writes within " + HomeostatSettings.STARTUP_TIMEOUT_MILLIS + "="
                + config.startupTimeoutMillis() + (shared.founder ? ""
                        : " (it is not the founder: is a founder node of this cluster running and reachable? "
                                + (shared.jgroups == null ? "" : "JGroups sees " + shared.jgroups.viewEndpoints())
                                + ")"), last);
    }

    /** Drops one reference; returns the node to stop if it was the last. The caller holds the registry lock. */
    private static Shared release(Shared shared) {
        if (--shared.references > 0) {
            return null;
        }
        Cluster cluster = CLUSTERS.get(shared.clusterName);
        cluster.nodes.remove(shared.nodeName);
        if (cluster.nodes.isEmpty()) {
            CLUSTERS.remove(shared.clusterName);
        }
        return shared;
    }

    /**
     * Leaves gracefully (bounded by {@code homeostat.timeout.leave-millis}) unless no other node is there to take the
     * data, then stops the node and closes its transport.
     */
    private static void stop(Shared shared) {
        // Either view may lag behind a node that just left; a leave with nobody to hand off to would wait in vain.
        boolean alone = (shared.jgroups != null && shared.jgroups.viewEndpoints().size() <= 1) || aloneOnRing(shared);
        try {
            if (alone) {
                shared.node.close();
                LOG.info(() -> "Homeostat L2 cache: node " + shared.node.address() + " stopped (the last of cluster '"
                        + shared.clusterName + "' it could see)");
            } else {
                long t0 = System.nanoTime();
                boolean handedOff = shared.node.leave(shared.config.leaveTimeoutMillis());
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                if (handedOff) {
                    LOG.info(() -> "Homeostat L2 cache: node " + shared.node.address() + " left the cluster, data "
                            + "handed off in " + ms + " ms");
                } else {
                    LOG.warning(() -> "Homeostat L2 cache: node " + shared.node.address() + " stopped without "
                            + "completing the handoff within " + HomeostatSettings.LEAVE_TIMEOUT_MILLIS + "="
                            + shared.config.leaveTimeoutMillis() + "; the others rebuild its replicas from theirs");
                }
            }
        } finally {
            if (shared.jgroups != null) {
                shared.jgroups.close();
            }
        }
    }

    /** Whether the node's ring has no other node. */
    private static boolean aloneOnRing(Shared shared) {
        try {
            EmbeddedNode.Status s = shared.node.status(STATUS_TIMEOUT_MILLIS);
            String self = s.address();
            List<String> others = new ArrayList<>(s.successors());
            others.removeIf(self::equals);
            return others.isEmpty() && (s.predecessor() == null || s.predecessor().equals(self));
        } catch (IllegalStateException e) {
            LOG.log(Level.FINE, "no status while stopping; leaving anyway", e);
            return false;
        }
    }

    /** The nodes running in this JVM (this class loader), keyed by "cluster/node name", in start order. */
    static synchronized Map<String, EmbeddedNode> runningNodes() {
        Map<String, EmbeddedNode> all = new LinkedHashMap<>();
        CLUSTERS.forEach((cluster, c) -> c.nodes.forEach((name, shared) -> all.put(cluster + "/" + name, shared.node)));
        return all;
    }

    /** Node names currently running in {@code clusterName} in this JVM (for tests and diagnostics). */
    static synchronized Set<String> runningNodes(String clusterName) {
        Cluster c = CLUSTERS.get(Objects.requireNonNull(clusterName));
        return c == null ? Set.of() : Set.copyOf(c.nodes.keySet());
    }
}
