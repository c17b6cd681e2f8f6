package io.homeostat.server;

import io.homeostat.ClientOptions;
import io.homeostat.replica.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The command line of {@code bin/homeostat node}, parsed and validated. Every error is a {@link UsageException} whose
 * message names the flag and the fix. Bounds carry their unit in the name.
 *
 * @param name                 the node's stable, cluster-unique name: JGroups logical name, engine endpoint, and the
 *                             seed of its ring position
 * @param port                 JGroups TCP port (exact: no port range is probed)
 * @param httpPort             HTTP admin and key-value port, always on 127.0.0.1
 * @param join                 {@code host:port} of existing members; empty means "found a new cluster"
 * @param replication          replicas per key (odd)
 * @param groupsLog2           2^groupsLog2 replica groups
 * @param credential           the cluster credential (PKCS12 keystore), or null for an open cluster
 * @param keystorePassword     its password, from {@code HOMEOSTAT_KEYSTORE_PASSWORD}; null without a credential
 * @param cluster              JGroups cluster name
 * @param bind                 the address JGroups binds to
 * @param opTimeoutMillis      time limit of one client call (a key-value request or a transaction), retries included
 * @param leaveTimeoutMillis   how long a graceful leave (SIGTERM, Ctrl-C) may take before the node stops anyway
 * @param httpThreads          HTTP handler threads
 * @param allowFaultInjection  serve {@code /admin/partition} and {@code /admin/heal} (tests only)
 */
public record NodeConfig(String name, int port, int httpPort, List<String> join, int replication, int groupsLog2,
        Path credential, String keystorePassword, String cluster, String bind, long opTimeoutMillis,
        long leaveTimeoutMillis, int httpThreads, boolean allowFaultInjection) {

    /** The environment variable holding the keystore password. */
    public static final String PASSWORD_ENV = "HOMEOSTAT_KEYSTORE_PASSWORD";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,128}");
    private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]):(\\d{1,5})");

    public static final String USAGE = String.join("\n",
            "usage: bin/homeostat node --name N --port P --http-port H [--join HOST:PORT,...] [options]",
            "  --name N                   stable, cluster-unique node name (letters, digits, ._@-); fixes its ring position",
            "  --port P                   JGroups TCP port of this node",
            "  --http-port H              HTTP admin and key-value port (bound to 127.0.0.1)",
            "  --join HOST:PORT,...       members to join through; without it the node FOUNDS a new cluster",
            "  --replication R            replicas per key, odd (default 3); the same on every node",
            "  --groups-log2 G            2^G replica groups (default 8); the same on every node",
            "  --credential FILE          cluster credential (PKCS12, see Keygen); password from $" + PASSWORD_ENV,
            "  --cluster NAME             JGroups cluster name (default homeostat)",
            "  --bind ADDR                address to bind JGroups to (default 127.0.0.1)",
            "  --op-timeout-millis T      time limit of one request to the store (default 30000)",
            "  --leave-timeout-millis T   bound of the graceful leave on SIGTERM/Ctrl-C (default 10000)",
            "  --http-threads N           HTTP handler threads (default 16)",
            "  --data DIR                 not supported yet: the engine keeps data in memory only",
            "  --allow-fault-injection    serve /admin/partition and /admin/heal (TESTS ONLY; off by default)",
            "exit codes: 2 bad command line, 1 could not start, 143 (SIGTERM) or 130 (Ctrl-C) after a graceful leave");

    /** A bad command line. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    /** Parses {@code args}; {@code env} supplies {@value #PASSWORD_ENV}. */
    public static NodeConfig parse(String[] args, Map<String, String> env) throws UsageException {
        String name = null;
        Integer port = null;
        Integer httpPort = null;
        List<String> join = List.of();
        int replication = 3;
        int groupsLog2 = 8;
        Path credential = null;
        String cluster = "homeostat";
        String bind = "127.0.0.1";
        long opTimeoutMillis = ClientOptions.defaults().timeoutMillis();
        long leaveTimeoutMillis = 10_000;
        int httpThreads = 16;
        boolean faults = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String inline = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                inline = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (flag.equals("--allow-fault-injection")) {
                if (inline != null) {
                    throw new UsageException("--allow-fault-injection takes no value; write just --allow-fault-injection");
                }
                faults = true;
                continue;
            }
            if (flag.equals("--help") || flag.equals("-h")) {
                throw new UsageException("help");
            }
            if (!KNOWN.contains(flag)) {
                throw new UsageException("unknown flag '" + flag + "'; see bin/homeostat node --help");
            }
            String v;
            if (inline != null) {
                v = inline;
            } else {
                if (i + 1 >= args.length) {
                    throw new UsageException(flag + " needs a value; for example " + EXAMPLES.get(flag));
                }
                v = args[++i];
            }
            switch (flag) {
                case "--name" -> {
                    if (!NAME.matcher(v).matches()) {
                        throw new UsageException("--name '" + v + "' must be 1-128 letters, digits or ._@-; "
                                + "for example --name node-1");
                    }
                    name = v;
                }
                case "--port" -> port = port(flag, v);
                case "--http-port" -> httpPort = port(flag, v);
                case "--join" -> {
                    List<String> members = new ArrayList<>();
                    for (String m : v.split(",")) {
                        String t = m.trim();
                        if (t.isEmpty()) {
                            continue;
                        }
                        var mm = HOST_PORT.matcher(t);
                        if (!mm.matches() || Integer.parseInt(mm.group(2)) < 1 || Integer.parseInt(mm.group(2)) > 65_535) {
                            throw new UsageException("--join entry '" + t + "' must be HOST:PORT with a port in "
                                    + "1..65535; for example --join 127.0.0.1:7800,127.0.0.1:7801");
                        }
                        members.add(t);
                    }
                    if (members.isEmpty()) {
                        throw new UsageException("--join needs at least one HOST:PORT; omit --join only to found a "
                                + "new cluster");
                    }
                    join = List.copyOf(members);
                }
                case "--replication" -> replication = integer(flag, v, 1, 15);
                case "--groups-log2" -> groupsLog2 = integer(flag, v, 0, 20);
                case "--credential" -> credential = Path.of(v);
                case "--cluster" -> {
                    if (v.isBlank()) {
                        throw new UsageException("--cluster must not be empty; for example --cluster orders");
                    }
                    cluster = v;
                }
                case "--bind" -> {
                    if (v.isBlank()) {
                        throw new UsageException("--bind must be an IP address; for example --bind 127.0.0.1");
                    }
                    bind = v;
                }
                case "--op-timeout-millis" -> opTimeoutMillis = integer(flag, v, 100, 600_000);
                case "--leave-timeout-millis" -> leaveTimeoutMillis = integer(flag, v, 0, 600_000);
                case "--http-threads" -> httpThreads = integer(flag, v, 1, 256);
                case "--data" -> throw new UsageException("--data is not supported yet: the engine keeps data in "
                        + "memory only, and durability comes from the R replicas on other nodes (a node that restarts "
                        + "gets its data back from them). Remove --data");
                default -> throw new AssertionError(flag);
            }
        }
        if (name == null) {
            throw new UsageException("--name is required: a stable, cluster-unique name such as --name node-1");
        }
        if (port == null) {
            throw new UsageException("--port is required: the JGroups TCP port, for example --port 7800");
        }
        if (httpPort == null) {
            throw new UsageException("--http-port is required: the HTTP port on 127.0.0.1, for example --http-port 8080");
        }
        if (port.equals(httpPort)) {
            throw new UsageException("--port and --http-port must differ, both are " + port);
        }
        try {
            Placement.validate(replication, groupsLog2);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--replication: " + e.getMessage());
        }
        String password = null;
        if (credential != null) {
            if (!Files.isRegularFile(credential)) {
                throw new UsageException("--credential " + credential + " is not a readable file; create one with "
                        + "io.homeostat.jgroups.Keygen (see jgroups-transport/README.md)");
            }
            password = env.get(PASSWORD_ENV);
            if (password == null || password.isEmpty()) {
                throw new UsageException("--credential needs the keystore password in the environment variable "
                        + PASSWORD_ENV + "; set it (never pass the password on the command line)");
            }
        }
        return new NodeConfig(name, port, httpPort, join, replication, groupsLog2, credential, password, cluster, bind,
                opTimeoutMillis, leaveTimeoutMillis, httpThreads, faults);
    }

    /** Founds a new cluster: no {@code --join}. */
    public boolean founder() {
        return join.isEmpty();
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "NodeConfig[name=" + name + ", port=" + port + ", httpPort=" + httpPort + ", join=" + join
                + ", founder=" + founder() + ", replication=" + replication + ", groupsLog2=" + groupsLog2
                + ", credential=" + credential + ", cluster=" + cluster + ", bind=" + bind + ", opTimeoutMillis="
                + opTimeoutMillis + ", leaveTimeoutMillis=" + leaveTimeoutMillis + ", httpThreads=" + httpThreads
                + ", allowFaultInjection=" + allowFaultInjection + "]";
    }

    private static final Map<String, String> EXAMPLES = Map.ofEntries(
            Map.entry("--name", "--name node-1"), Map.entry("--port", "--port 7800"),
            Map.entry("--http-port", "--http-port 8080"), Map.entry("--join", "--join 127.0.0.1:7800"),
            Map.entry("--replication", "--replication 3"), Map.entry("--groups-log2", "--groups-log2 8"),
            Map.entry("--credential", "--credential cluster.p12"), Map.entry("--cluster", "--cluster orders"),
            Map.entry("--bind", "--bind 127.0.0.1"), Map.entry("--op-timeout-millis", "--op-timeout-millis 30000"),
            Map.entry("--leave-timeout-millis", "--leave-timeout-millis 10000"),
            Map.entry("--http-threads", "--http-threads 16"), Map.entry("--data", "(not supported)"));

    private static final java.util.Set<String> KNOWN = EXAMPLES.keySet();

    private static int port(String flag, String v) throws UsageException {
        return integer(flag, v, 1, 65_535);
    }

    private static int integer(String flag, String v, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(flag + " '" + v + "' must be a whole number in " + min + ".." + max + "; for example "
                + EXAMPLES.get(flag));
    }
}
