package io.homeostat.jpa;

/**
 * Names of the {@code homeostat.*} properties read by {@link HomeostatRegionFactory} (from {@code persistence.xml} or
 * the Hibernate settings map). Every one is optional; the defaults make an embedded single-host cluster. An unknown
 * {@code homeostat.*} name, or a value that does not parse, fails startup with a message naming it and listing the
 * valid names. Every duration carries its unit in its name. See the module README for the full table.
 */
public final class HomeostatSettings {

    /** Short name for {@code hibernate.cache.region.factory_class}. */
    public static final String SHORT_NAME = "homeostat";

    /** Prefix of every property of this adapter. */
    public static final String PREFIX = "homeostat.";

    /** Name of the cluster to join; factories with the same name form one cluster. Default {@code homeostat}. */
    public static final String CLUSTER_NAME = "homeostat.cluster.name";

    /**
     * Name of this node within the cluster. Factories in one JVM with the same cluster and node name share one node;
     * a different node name gives a factory its own node. Default {@code node-1}.
     */
    public static final String NODE_NAME = "homeostat.node.name";

    /**
     * Whether this node founds the cluster: {@code auto} (default), {@code true} or {@code false}. Exactly one node of
     * a new cluster may found it. {@code auto} founds when no other node of the cluster runs in this JVM and, with the
     * JGroups transport, no other member of the cluster is visible once JGroups discovery has finished. Two nodes
     * started at the very same moment with {@code auto} may both found (two separate caches): give multi-process
     * deployments an explicit founder.
     */
    public static final String FOUNDER = "homeostat.founder";

    /** Replicas per key, odd: 1, 3 (default) or 5. */
    public static final String REPLICATION_FACTOR = "homeostat.replication.factor";

    /** log2 of the number of replica groups, 0..12. Default 6 (64 groups). */
    public static final String REPLICATION_GROUPS_LOG2 = "homeostat.replication.groups-log2";

    /**
     * Transport: {@code jgroups} (default: a JGroups channel per node, the {@code loopback} stack unless
     * {@link #TRANSPORT_STACK} says otherwise) or {@code local} (in-JVM only, for quick tests).
     */
    public static final String TRANSPORT = "homeostat.transport";

    /**
     * JGroups stack: {@code loopback} (default: TCP on 127.0.0.1, TCPPING over {@link #TRANSPORT_PORT} ..
     * port + {@link #TRANSPORT_PORT_RANGE}), {@code lan}, {@code cloud}, or the path of a JGroups XML file.
     */
    public static final String TRANSPORT_STACK = "homeostat.transport.stack";

    /**
     * First port of the cluster's port range: a node binds the first free port of port .. port + range, and (loopback
     * stack) probes all of them on the bind address to find the others. Default 7800.
     */
    public static final String TRANSPORT_PORT = "homeostat.transport.port";

    /** Further ports after {@link #TRANSPORT_PORT} to bind and probe, 0..1000. Default 20. */
    public static final String TRANSPORT_PORT_RANGE = "homeostat.transport.port-range";

    /**
     * Comma-separated {@code host[port]} TCPPING seeds, each probed over {@link #TRANSPORT_PORT_RANGE}. Default: the
     * bind address at {@link #TRANSPORT_PORT} for the loopback stack, the stack's own otherwise.
     */
    public static final String TRANSPORT_INITIAL_MEMBERS = "homeostat.transport.initial-members";

    /** Address to bind to (transport {@code jgroups} only). Default {@code 127.0.0.1}. */
    public static final String TRANSPORT_BIND_ADDRESS = "homeostat.transport.bind-address";

    /**
     * Path of the cluster credential, a PKCS12 keystore made by {@code io.homeostat.jgroups.Keygen}: TLS with client
     * authentication between nodes (TCP stacks only). Default none: an open cluster.
     */
    public static final String TRANSPORT_CREDENTIAL = "homeostat.transport.credential";

    /** Password of {@link #TRANSPORT_CREDENTIAL}; required with it, never logged. */
    public static final String TRANSPORT_CREDENTIAL_PASSWORD = "homeostat.transport.credential-password";

    /** Time limit of one cache operation against the store, in ms. Default 5000. */
    public static final String OPERATION_TIMEOUT_MILLIS = "homeostat.timeout.operation-millis";

    /**
     * How long a node may serve a cache entry from its own memory after the replicas leased it, in ms. Default 4/5 of
     * {@link #OPERATION_TIMEOUT_MILLIS} (4000 with its default); the same on every node. Longer leases make more reads local; a write to an entry that a node unreachable
     * to the writer holds waits up to this long, and so do writes to a replica group right after one of its replicas
     * moved (after a crash, a join or a leave). It must be below {@link #OPERATION_TIMEOUT_MILLIS}.
     */
    public static final String NEAR_CACHE_LEASE_MILLIS = "homeostat.near-cache.lease-millis";

    /**
     * How long an entry a node holds in memory stays there without being read, in ms, 0..3600000: while it is read
     * within this bound, the node renews its lease in the background (in bulk with the other entries of its replica
     * group), so a working set stays local however rarely each entry is read; once unread for longer, it lapses at the
     * end of its lease. 0: no renewal (every entry lapses a lease period after it was fetched). Default 60000. Each
     * renewed entry costs a little background work every 3/4 of a lease on this node and on its replicas.
     */
    public static final String NEAR_CACHE_IDLE_MILLIS = "homeostat.near-cache.idle-millis";

    /**
     * Whether a hit on an unchanged near-cache entry returns the object decoded by the first hit, {@code true} or
     * {@code false}. The decoded object is kept with the engine's near-cache entry and dropped with it (on any write to
     * the key, before the write completes, or when its lease lapses), so memory is bounded by the near cache. Only
     * Hibernate's entity and collection cache entries are kept, which Hibernate never changes (it assembles new
     * objects from them); anything else is decoded on every read. Default {@code true}.
     */
    public static final String NEAR_CACHE_REUSE_DECODED = "homeostat.near-cache.reuse-decoded";

    /**
     * How long startup waits for the node to serve reads and writes, in ms, counted from the start of the node: it
     * covers asking the cluster for a ring position (a node that is not the founder waits for a member to answer, up to
     * 45 s) and the first write and read through the cluster. Default 60000.
     */
    public static final String STARTUP_TIMEOUT_MILLIS = "homeostat.timeout.startup-millis";

    /**
     * How long closing the last factory of a node waits for the graceful leave to hand the node's data off to the
     * others, in ms; then the node stops anyway. Default 30000.
     */
    public static final String LEAVE_TIMEOUT_MILLIS = "homeostat.timeout.leave-millis";

    /** How long closing waits for the node's event loop to end after the leave, in ms. Default 5000. */
    public static final String STOP_TIMEOUT_MILLIS = "homeostat.timeout.stop-millis";

    /** Largest cache entry stored, in bytes; larger entries are not cached. Default 1048576. */
    public static final String MAX_ENTRY_BYTES = "homeostat.store.max-entry-bytes";

    /**
     * READ_WRITE after-commit steps (publish the new value or release the lock) queued or running off the committing
     * thread, per factory, 0..65536; past it the committing thread runs its step itself. 0: every step runs before the
     * commit returns. Either way no node reads the old state once the commit returned (the entry stays locked, a miss
     * everywhere, until the step ran). Default 256.
     */
    public static final String ASYNC_RELEASE_MAX_IN_FLIGHT = "homeostat.store.async-release-max-in-flight";

    /** Attempts of one conditional cache write that keeps conflicting, 1..1000. Default 64. */
    public static final String MAX_ATTEMPTS = "homeostat.store.max-attempts";

    /**
     * Extra classes the deserialization filter allows, as comma-separated {@link java.io.ObjectInputFilter} patterns
     * ({@code com.example.Money}, {@code com.example.model.*}, {@code com.example.**}). Default empty.
     */
    public static final String SERIALIZATION_ALLOW = "homeostat.serialization.allow";

    private HomeostatSettings() {
    }
}
