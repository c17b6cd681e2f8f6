package io.homeostat.server;

import io.homeostat.ClientOptions;
import io.homeostat.jgroups.JGroupsConfigException;
import io.homeostat.jgroups.JGroupsOptions;
import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.node.BootstrappingNode;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/homeostat node}: one Homeostat node as an operating-system process. Starts the JGroups transport, the
 * engine node and the HTTP endpoint; on SIGTERM or Ctrl-C leaves the cluster gracefully (bounded by
 * {@code --leave-timeout-millis}) and exits. See node/README.md.
 *
 * <p>Exit codes: 2 for a bad command line (the message names the flag and the fix), 1 when the node cannot start
 * (port taken, credential unusable, ...), and the JVM's 128 + signal (143 for SIGTERM, 130 for Ctrl-C) after a
 * graceful stop.
 */
public final class NodeMain {

    static final int EXIT_CANNOT_START = 1;
    static final int EXIT_USAGE = 2;

    private NodeMain() {
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.out, System.err);
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Starts the node; returns an exit code if it could not start, or -1 once it runs (the caller then waits). */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        NodeConfig c;
        try {
            c = NodeConfig.parse(args, env);
        } catch (NodeConfig.UsageException e) {
            if (e.getMessage().equals("help")) {
                out.println(NodeConfig.USAGE);
                return 0;
            }
            err.println("homeostat node: " + e.getMessage());
            return EXIT_USAGE;
        }
        JGroupsOptions options;
        try {
            options = jgroupsOptions(c);
        } catch (JGroupsConfigException e) {
            err.println("homeostat node: " + e.getMessage() + " (set through --bind, --port, --join, --credential, "
                    + "--cluster)");
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("homeostat node: cannot prepare the JGroups stack for --bind " + c.bind() + ": " + e);
            return EXIT_CANNOT_START;
        }
        Running r;
        try {
            r = start(c, options);
        } catch (StartFailure e) {
            err.println("homeostat node: " + e.getMessage());
            return EXIT_CANNOT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(r::stopGracefully, "homeostat-shutdown"));
        out.println("homeostat node " + c.name() + " running: JGroups " + c.bind() + ":" + c.port() + ", HTTP http://127.0.0.1:"
                + r.http.port() + (c.founder() ? ", FOUNDED a new cluster" : ", joining through " + c.join()));
        out.flush();
        try {
            new CountDownLatch(1).await(); // until a signal ends the JVM; the shutdown hook leaves gracefully
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    static final class StartFailure extends Exception {
        StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A started node and what it needs to stop. */
    static final class Running {
        private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);
        final NodeConfig config;
        final JGroupsTransport transport;
        final EmbeddedNode node;
        final HttpApi http;

        Running(NodeConfig config, JGroupsTransport transport, EmbeddedNode node, HttpApi http) {
            this.config = config;
            this.transport = transport;
            this.node = node;
            this.http = http;
        }

        /** Graceful leave, bounded by --leave-timeout-millis, then everything closed. */
        void stopGracefully() {
            LOG.info("stopping: leaving the cluster gracefully (at most {} ms)", config.leaveTimeoutMillis());
            http.close();
            boolean handedOff = node.leave(config.leaveTimeoutMillis());
            if (handedOff) {
                LOG.info("left: every replica position was handed over");
            } else {
                LOG.warn("left without handing over every replica position within {} ms (--leave-timeout-millis); "
                        + "the remaining replicas re-replicate the data", config.leaveTimeoutMillis());
            }
            transport.close();
        }
    }

    static JGroupsOptions jgroupsOptions(NodeConfig c) throws IOException {
        JGroupsOptions.Builder b = JGroupsOptions.builder()
                .clusterName(c.cluster())
                // a fresh address per start: replicas must never mistake a restarted, empty node for its former self
                .nodeName(c.name() + "-" + HexFormat.of().toHexDigits(new SecureRandom().nextInt()))
                .stack(isLoopback(c.bind()) ? "loopback" : tcpStackFile().toString())
                .bindAddress(c.bind())
                .bindPort(c.port())
                .portRange(0)
                // a founder probes only itself, so it never wanders into another cluster on a default port
                .initialMembers(c.founder() ? java.util.List.of(hostPort(c.bind(), c.port())) : c.join());
        if (c.credential() != null) {
            b.credential(c.credential(), c.keystorePassword());
        }
        return b.build();
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    static boolean isLoopback(String bind) {
        return bind.startsWith("127.") || bind.equals("::1") || bind.equals("loopback");
    }

    /** The node's TCP + TCPPING stack for non-loopback addresses, copied out of the jar for JGroups to read. */
    private static Path tcpStackFile() throws IOException {
        Path f = Files.createTempFile("homeostat-tcp-", ".xml");
        f.toFile().deleteOnExit();
        try (InputStream in = NodeMain.class.getResourceAsStream("/homeostat/node/tcp.xml")) {
            if (in == null) {
                throw new IOException("resource homeostat/node/tcp.xml is missing from the node jar");
            }
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
        }
        return f;
    }

    static Running start(NodeConfig c, JGroupsOptions options) throws StartFailure {
        Logger log = LoggerFactory.getLogger(NodeMain.class);
        log.info("starting {}", c);
        if (c.founder()) {
            log.warn("no --join given: FOUNDING a new cluster '{}'. Do this only on the first start of the first node "
                    + "of a cluster; every other node, and this one when it restarts, must be started with --join",
                    c.cluster());
        }
        if (c.allowFaultInjection()) {
            log.warn("--allow-fault-injection is on: POST /admin/partition can cut this node off. For tests only");
        }
        JGroupsTransport transport;
        try {
            transport = JGroupsTransport.start(options); // logs the "cluster is OPEN" warning without a credential
        } catch (RuntimeException e) {
            throw new StartFailure("cannot start the JGroups transport on " + c.bind() + ":" + c.port() + ": "
                    + e.getMessage() + " (check --port, --bind, --credential)", e);
        }
        FaultInjectingTransport wire = new FaultInjectingTransport(transport, transport);
        ClientOptions client = new ClientOptions(ClientOptions.DEFAULT_MAX_VALUE_BYTES, 16, 2, c.opTimeoutMillis());
        EmbeddedNode.Settings s = EmbeddedNode.Settings.of(transport.address(0))
                .withFounder(c.founder())
                .withReplication(c.replication())
                .withGroupsLog2(c.groupsLog2())
                .withClient(client);
        if (!c.founder()) {
            log.info("asking the members JGroups found for a ring position (JGroups view {}); without an answer this "
                    + "waits up to {} ms, then starts a ring of its own that ring merge joins later",
                    transport.viewEndpoints(), BootstrappingNode.Config.defaults().maxMillis());
        }
        EmbeddedNode node = EmbeddedNode.start(wire, wire, s);
        HttpApi http;
        try {
            http = new HttpApi(node, c.allowFaultInjection() ? wire : null, () -> extraStatus(c, transport),
                    c.httpPort(), c.httpThreads(), client.maxValueBytes());
        } catch (IOException | RuntimeException e) {
            node.close();
            transport.close();
            throw new StartFailure("cannot serve HTTP on 127.0.0.1:" + c.httpPort() + ": " + e
                    + " (choose another --http-port)", e);
        }
        return new Running(c, transport, node, http);
    }

    private static Map<String, Object> extraStatus(NodeConfig c, JGroupsTransport transport) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("cluster", c.cluster());
        cfg.put("replication", c.replication());
        cfg.put("groups", 1 << c.groupsLog2());
        cfg.put("foundedCluster", c.founder());
        cfg.put("secured", c.credential() != null);
        m.put("config", cfg);
        m.put("transport", transport.counters());
        m.put("jgroupsView", new java.util.TreeSet<>(transport.viewEndpoints()));
        return m;
    }
}
