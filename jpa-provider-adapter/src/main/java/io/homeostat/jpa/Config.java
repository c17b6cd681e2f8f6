package io.homeostat.jpa;

import static io.homeostat.jpa.HomeostatSettings.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.hibernate.cache.CacheException;

/**
 * The validated {@code homeostat.*} settings of one factory. {@link #NODE_SETTINGS} must agree between factories that
 * share a node.
 */
record Config(String clusterName, String nodeName, String founder, int replicationFactor, int groupsLog2,
        String transport, String transportStack, int port, int portRange, List<String> initialMembers,
        String bindAddress, String credential, String credentialPassword, long operationTimeoutMillis,
        long startupTimeoutMillis, long leaveTimeoutMillis, long stopTimeoutMillis, int maxEntryBytes,
        int maxAttempts, List<String> serializationAllow, long leaseMillis, long nearIdleMillis, boolean reuseDecoded,
        int asyncReleaseMaxInFlight) {

    /** Every valid property and its default ("" where there is none). */
    static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(CLUSTER_NAME, "homeostat");
        d.put(NODE_NAME, "node-1");
        d.put(FOUNDER, "auto");
        d.put(REPLICATION_FACTOR, "3");
        d.put(REPLICATION_GROUPS_LOG2, "6");
        d.put(TRANSPORT, "jgroups");
        d.put(TRANSPORT_STACK, "loopback");
        d.put(TRANSPORT_PORT, "7800");
        d.put(TRANSPORT_PORT_RANGE, "20");
        d.put(TRANSPORT_INITIAL_MEMBERS, "");
        d.put(TRANSPORT_BIND_ADDRESS, "127.0.0.1");
        d.put(TRANSPORT_CREDENTIAL, "");
        d.put(TRANSPORT_CREDENTIAL_PASSWORD, "");
        d.put(OPERATION_TIMEOUT_MILLIS, "5000");
        d.put(NEAR_CACHE_LEASE_MILLIS, "4000");
        d.put(NEAR_CACHE_IDLE_MILLIS, "60000");
        d.put(NEAR_CACHE_REUSE_DECODED, "true");
        d.put(STARTUP_TIMEOUT_MILLIS, "60000");
        d.put(LEAVE_TIMEOUT_MILLIS, "30000");
        d.put(STOP_TIMEOUT_MILLIS, "5000");
        d.put(MAX_ENTRY_BYTES, "1048576");
        d.put(MAX_ATTEMPTS, "64");
        d.put(ASYNC_RELEASE_MAX_IN_FLIGHT, "256");
        d.put(SERIALIZATION_ALLOW, "");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    /** Settings that shape the node itself; factories sharing a node must agree on them. */
    static final List<String> NODE_SETTINGS = List.of(REPLICATION_FACTOR, REPLICATION_GROUPS_LOG2, TRANSPORT,
            TRANSPORT_STACK, TRANSPORT_PORT, TRANSPORT_PORT_RANGE, TRANSPORT_INITIAL_MEMBERS, TRANSPORT_BIND_ADDRESS,
            TRANSPORT_CREDENTIAL, FOUNDER, OPERATION_TIMEOUT_MILLIS, MAX_ENTRY_BYTES, MAX_ATTEMPTS,
            LEAVE_TIMEOUT_MILLIS, STOP_TIMEOUT_MILLIS, NEAR_CACHE_LEASE_MILLIS, NEAR_CACHE_IDLE_MILLIS);

    private static boolean fromSystemProperties(String key, Object value) {
        String system = System.getProperty(key);
        return system != null && value != null && system.equals(value.toString());
    }

    /** Settings that mean something only with {@code homeostat.transport=jgroups}. */
    static final List<String> JGROUPS_ONLY = List.of(TRANSPORT_STACK, TRANSPORT_PORT, TRANSPORT_PORT_RANGE,
            TRANSPORT_INITIAL_MEMBERS, TRANSPORT_BIND_ADDRESS, TRANSPORT_CREDENTIAL, TRANSPORT_CREDENTIAL_PASSWORD);

    /**
     * Parses the {@code homeostat.*} entries of Hibernate's settings map; anything else is ignored. Hibernate merges
     * the JVM's system properties into that map: an unknown {@code homeostat.*} name that is also a system property
     * with the same value came from the command line (a JGroups stack variable, a test switch) rather than from the
     * persistence unit, so it is ignored instead of failing startup.
     */
    static Config from(Map<String, ?> settings) {
        Map<String, String> given = new TreeMap<>();
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            if (e.getKey() != null && e.getKey().startsWith(PREFIX)) {
                if (!DEFAULTS.containsKey(e.getKey()) && fromSystemProperties(e.getKey(), e.getValue())) {
                    continue;
                }
                if (!DEFAULTS.containsKey(e.getKey())) {
                    throw invalid("unknown property '" + e.getKey() + "'");
                }
                given.put(e.getKey(), e.getValue() == null ? "" : e.getValue().toString().trim());
            }
        }
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        v.putAll(given);
        String transport = v.get(TRANSPORT).toLowerCase(Locale.ROOT);
        if (!transport.equals("local") && !transport.equals("jgroups")) {
            throw invalid(TRANSPORT + "='" + v.get(TRANSPORT) + "' is not one of local, jgroups");
        }
        if (transport.equals("local")) {
            for (String jgroupsOnly : JGROUPS_ONLY) {
                if (given.containsKey(jgroupsOnly)) {
                    throw invalid(jgroupsOnly + " applies only with " + TRANSPORT + "=jgroups");
                }
            }
        }
        if (v.get(TRANSPORT_STACK).isEmpty()) {
            throw invalid(TRANSPORT_STACK + " must not be empty: loopback, lan, cloud or the path of a JGroups XML "
                    + "file");
        }
        if (v.get(TRANSPORT_BIND_ADDRESS).isEmpty()) {
            throw invalid(TRANSPORT_BIND_ADDRESS + " must not be empty");
        }
        int port = intIn(v, TRANSPORT_PORT, 1, 65_535);
        int portRange = intIn(v, TRANSPORT_PORT_RANGE, 0, 1_000);
        if (port + portRange > 65_535) {
            throw invalid(TRANSPORT_PORT + " + " + TRANSPORT_PORT_RANGE + " must not exceed 65535, were " + port
                    + " + " + portRange);
        }
        List<String> members = new ArrayList<>();
        for (String m : v.get(TRANSPORT_INITIAL_MEMBERS).split(",")) {
            String t = m.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("[^\\s\\[\\]]+(\\[\\d{1,5}]|:\\d{1,5})")) {
                throw invalid(TRANSPORT_INITIAL_MEMBERS + " entry '" + t + "' is not host[port] or host:port");
            }
            members.add(t);
        }
        if (v.get(TRANSPORT_CREDENTIAL).isEmpty() != v.get(TRANSPORT_CREDENTIAL_PASSWORD).isEmpty()) {
            throw invalid(TRANSPORT_CREDENTIAL + " and " + TRANSPORT_CREDENTIAL_PASSWORD + " go together: set both "
                    + "or neither");
        }
        String founder = v.get(FOUNDER).toLowerCase(Locale.ROOT);
        if (!List.of("auto", "true", "false").contains(founder)) {
            throw invalid(FOUNDER + "='" + v.get(FOUNDER) + "' is not one of auto, true, false");
        }
        int r = intIn(v, REPLICATION_FACTOR, 1, 5);
        if (r % 2 == 0) {
            throw invalid(REPLICATION_FACTOR + "='" + r + "' must be odd (1, 3 or 5)");
        }
        List<String> allow = new ArrayList<>();
        for (String p : v.get(SERIALIZATION_ALLOW).split(",")) {
            String t = p.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("[A-Za-z_$][\\w$.]*(\\.\\*\\*?)?") || t.startsWith("!")) {
                throw invalid(SERIALIZATION_ALLOW + " entry '" + t
                        + "' is not a class name, package.* or package.** pattern");
            }
            allow.add(t);
        }
        long operationTimeout = longIn(v, OPERATION_TIMEOUT_MILLIS, 1, 600_000);
        long lease;
        if (given.containsKey(NEAR_CACHE_LEASE_MILLIS)) {
            lease = longIn(v, NEAR_CACHE_LEASE_MILLIS, 100, 60_000);
            if (lease >= operationTimeout) {
                throw invalid(NEAR_CACHE_LEASE_MILLIS + "=" + lease + " must be below " + OPERATION_TIMEOUT_MILLIS + "="
                        + operationTimeout + ": a write held up by a crashed node's leases must finish in one operation");
            }
        } else {
            // the default: 4/5 of the operation timeout (4 s with its default of 5 s)
            lease = Math.max(100, Math.min(60_000, operationTimeout * 4 / 5));
        }
        return new Config(name(v, CLUSTER_NAME), name(v, NODE_NAME), founder, r,
                intIn(v, REPLICATION_GROUPS_LOG2, 0, 12), transport, v.get(TRANSPORT_STACK), port, portRange,
                List.copyOf(members), v.get(TRANSPORT_BIND_ADDRESS), v.get(TRANSPORT_CREDENTIAL),
                v.get(TRANSPORT_CREDENTIAL_PASSWORD), longIn(v, OPERATION_TIMEOUT_MILLIS, 1, 600_000),
                longIn(v, STARTUP_TIMEOUT_MILLIS, 1, 3_600_000), longIn(v, LEAVE_TIMEOUT_MILLIS, 0, 3_600_000),
                longIn(v, STOP_TIMEOUT_MILLIS, 0, 600_000), intIn(v, MAX_ENTRY_BYTES, 64, 64 << 20),
                intIn(v, MAX_ATTEMPTS, 1, 1_000), List.copyOf(allow), lease,
                longIn(v, NEAR_CACHE_IDLE_MILLIS, 0, 3_600_000),
                bool(v, NEAR_CACHE_REUSE_DECODED), intIn(v, ASYNC_RELEASE_MAX_IN_FLIGHT, 0, 65_536));
    }

    /** The values of {@link #NODE_SETTINGS}, to compare factories sharing a node. */
    Map<String, Object> nodeSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(REPLICATION_FACTOR, replicationFactor);
        m.put(REPLICATION_GROUPS_LOG2, groupsLog2);
        m.put(TRANSPORT, transport);
        m.put(TRANSPORT_STACK, transportStack);
        m.put(TRANSPORT_PORT, port);
        m.put(TRANSPORT_PORT_RANGE, portRange);
        m.put(TRANSPORT_INITIAL_MEMBERS, initialMembers);
        m.put(TRANSPORT_BIND_ADDRESS, bindAddress);
        m.put(TRANSPORT_CREDENTIAL, credential);
        m.put(FOUNDER, founder);
        m.put(OPERATION_TIMEOUT_MILLIS, operationTimeoutMillis);
        m.put(MAX_ENTRY_BYTES, maxEntryBytes);
        m.put(MAX_ATTEMPTS, maxAttempts);
        m.put(LEAVE_TIMEOUT_MILLIS, leaveTimeoutMillis);
        m.put(STOP_TIMEOUT_MILLIS, stopTimeoutMillis);
        m.put(NEAR_CACHE_LEASE_MILLIS, leaseMillis);
        m.put(NEAR_CACHE_IDLE_MILLIS, nearIdleMillis);
        return m;
    }

    @Override
    public String toString() {
        return "Config[cluster=" + clusterName + ", node=" + nodeName + ", transport=" + transport + ", R="
                + replicationFactor + "]"; // never print the credential password
    }

    private static String name(Map<String, String> v, String key) {
        String s = v.get(key);
        if (!s.matches("[A-Za-z0-9._-]{1,64}")) {
            throw invalid(key + "='" + s + "' must be 1..64 characters of A-Z a-z 0-9 . _ -");
        }
        return s;
    }

    private static boolean bool(Map<String, String> v, String key) {
        String s = v.get(key).trim().toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw invalid(key + "='" + v.get(key) + "' is not true or false");
        }
        return s.equals("true");
    }

    private static int intIn(Map<String, String> v, String key, int min, int max) {
        return (int) longIn(v, key, min, max);
    }

    private static long longIn(Map<String, String> v, String key, long min, long max) {
        String s = v.get(key);
        long n;
        try {
            n = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw invalid(key + "='" + s + "' is not a number");
        }
        if (n < min || n > max) {
            throw invalid(key + "='" + s + "' is not in " + min + ".." + max);
        }
        return n;
    }

    static CacheException invalid(String what) {
        return new CacheException("Invalid Homeostat second-level cache configuration: " + what
                + ". Valid properties (default): " + describeDefaults());
    }

    static String describeDefaults() {
        StringBuilder b = new StringBuilder();
        DEFAULTS.forEach((k, d) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(" (")
                .append(d.isEmpty() ? "none" : d).append(')'));
        return b.toString();
    }

    Config {
        Objects.requireNonNull(serializationAllow);
        Objects.requireNonNull(initialMembers);
    }
}
