package io.homeostat.jpa;

import io.homeostat.ClientOptions;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.LocalTransport;
import io.homeostat.runtime.threaded.NodeOptions;
import io.homeostat.runtime.threaded.ThreadedClient;
import io.homeostat.runtime.threaded.ThreadedDriver;
import io.homeostat.runtime.threaded.ThreadedNode;
import io.homeostat.store.MemoryStorage;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import org.hibernate.cache.CacheException;

/**
 * All node bootstrapping of the adapter, in one place so the transport can be swapped: today every cluster lives in
 * this JVM on a {@link LocalTransport} (one transport and one driver per cluster name, kept in a static registry); the
 * JGroups transport will replace {@link #newCluster} and the founder rule.
 *
 * <p>Factories with the same cluster and node name share one node (reference counted); the last to release it makes
 * the node leave the ring gracefully and stops it. Thread-safe (one lock for the registry).
 */
final class NodeRegistry {

    private static final Logger LOG = Logger.getLogger(NodeRegistry.class.getName());
    /** Pause between two readiness probes that failed at once. */
    private static final long PROBE_BACKOFF_MILLIS = 20;
    /** Time limit of one readiness probe operation. */
    private static final long PROBE_TIMEOUT_MILLIS = 2_000;

    private static final Map<String, Cluster> CLUSTERS = new HashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private NodeRegistry() {
    }

    /** One cluster hosted in this JVM. */
    private static final class Cluster {
        final LocalTransport transport = new LocalTransport();
        final ThreadedDriver driver;
        final Map<String, Shared> nodes = new LinkedHashMap<>();

        Cluster(NodeOptions options) {
            this.driver = new ThreadedDriver(transport, null, options);
        }
    }

    /** One node and the factories using it. */
    private static final class Shared {
        final String clusterName;
        final String nodeName;
        final Config config;
        final ThreadedNode node;
        final HomeostatNode protocol;
        int references;

        Shared(String clusterName, String nodeName, Config config, ThreadedNode node, HomeostatNode protocol) {
            this.clusterName = clusterName;
            this.nodeName = nodeName;
            this.config = config;
            this.node = node;
            this.protocol = protocol;
        }
    }

    /** A factory's use of a node: its client, released once. */
    static final class Handle implements AutoCloseable {
        private final Shared shared;
        private final Homeostat client;
        private boolean released;

        private Handle(Shared shared, Homeostat client) {
            this.shared = shared;
            this.client = client;
        }

        Homeostat client() {
            return client;
        }

        /** The node's position on the ring (tests use it to reason about replica placement). */
        RingId ringId() {
            return shared.protocol.ring().self().id();
        }

        String nodeName() {
            return shared.nodeName;
        }

        @Override
        public void close() {
            synchronized (NodeRegistry.class) {
                if (released) {
                    return;
                }
                released = true;
                release(shared);
            }
        }
    }

    /** The node of {@code config}'s cluster and node name, started (and the cluster founded or joined) if needed. */
    static Handle acquire(Config config) {
        if (config.transport().equals("jgroups")) {
            throw Config.invalid(HomeostatSettings.TRANSPORT + "=jgroups: the JGroups transport is not available "
                    + "in this build yet; use local");
        }
        Shared shared;
        boolean started = false;
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
                NodeOptions options = NodeOptions.defaults().withStopTimeoutMillis(config.stopTimeoutMillis());
                if (cluster == null) {
                    cluster = newCluster(options);
                    CLUSTERS.put(config.clusterName(), cluster);
                }
                boolean founder = config.founder().equals("auto") ? cluster.nodes.isEmpty()
                        : Boolean.parseBoolean(config.founder());
                ReplicaConfig rc = ReplicaConfig.defaults().withReplication(config.replicationFactor())
                        .withGroupsLog2(config.groupsLog2()).withFounder(founder);
                Address address = new Address(config.clusterName() + "/" + config.nodeName(), 0);
                HomeostatNode protocol = new HomeostatNode(RingId.random(RANDOM), address, RingConfig.defaults(), rc,
                        new MemoryStorage());
                ThreadedNode node = cluster.driver.addNode(address, protocol, options);
                shared = new Shared(config.clusterName(), config.nodeName(), config, node, protocol);
                cluster.nodes.put(config.nodeName(), shared);
                started = true;
                LOG.info(() -> "Homeostat L2 cache: started node " + address + (founder ? " (founder)" : ""));
            }
            shared.references++;
        }
        Handle handle = new Handle(shared, client(shared, config, config.operationTimeoutMillis()));
        if (started) {
            try {
                awaitReady(shared, config);
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
        }
        return handle;
    }

    /** Today: an in-JVM transport per cluster name. The JGroups transport plugs in here. */
    private static Cluster newCluster(NodeOptions options) {
        return new Cluster(options);
    }

    private static Homeostat client(Shared shared, Config config, long timeoutMillis) {
        return new ThreadedClient(shared.node, shared.protocol,
                new ClientOptions(config.maxEntryBytes(), config.maxAttempts(), 2, timeoutMillis));
    }

    /** Waits until the node writes and reads back a probe key through the cluster, or fails with the reason. */
    private static void awaitReady(Shared shared, Config config) {
        Homeostat probeClient = client(shared, config, Math.min(PROBE_TIMEOUT_MILLIS, config.startupTimeoutMillis()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.startupTimeoutMillis());
        byte[] key = Homeostat.utf8("hs/probe/" + shared.nodeName);
        byte[] value = {1};
        HomeostatException last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                probeClient.put(key, value);
                if (probeClient.get(key).isPresent()) {
                    return;
                }
            } catch (HomeostatException e) {
                last = e;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PROBE_BACKOFF_MILLIS));
        }
        throw new CacheException("Homeostat node '" + shared.nodeName + "' of cluster '" + shared.clusterName
                + "' could not serve reads and writes within " + HomeostatSettings.STARTUP_TIMEOUT_MILLIS + "="
                + config.startupTimeoutMillis() + (shared.config.founder().equals("false")
                        ? " (it is not the founder: is a founder node of this cluster running?)" : ""), last);
    }

    private static void release(Shared shared) {
        if (--shared.references > 0) {
            return;
        }
        Cluster cluster = CLUSTERS.get(shared.clusterName);
        cluster.nodes.remove(shared.nodeName);
        shared.node.execute(env -> shared.protocol.leave(env));
        shared.node.stop(); // graceful: the queued leave runs before the loop ends
        LOG.info(() -> "Homeostat L2 cache: node " + shared.node.self() + " left the cluster");
        if (cluster.nodes.isEmpty()) {
            cluster.driver.close();
            CLUSTERS.remove(shared.clusterName);
        }
    }

    /** Node names currently running in {@code clusterName} in this JVM (for tests and diagnostics). */
    static synchronized java.util.Set<String> runningNodes(String clusterName) {
        Cluster c = CLUSTERS.get(Objects.requireNonNull(clusterName));
        return c == null ? java.util.Set.of() : java.util.Set.copyOf(c.nodes.keySet());
    }

}
