package io.homeostat.wiki;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.h2.tools.Server;

/**
 * A wiki cluster on this host: one H2 TCP server on 127.0.0.1 holding the shared in-memory database, and N wiki
 * nodes, each its own JVM ({@code java -cp <app jar> io.homeostat.wiki.Main node}) with its own HTTP port. Node 1 is
 * the founder of the Homeostat cluster and seeds the pages; the others join. A node's output goes to
 * {@code <logDir>/node-N.log}; it counts as started when it prints {@link Main#READY}. Used by {@link Demo} and by the
 * browser test. Thread-safe.
 */
final class Cluster implements AutoCloseable {

    /** How to run the cluster. */
    record Options(Path appJar, Path logDir, int nodes, int firstHttpPort, String clusterName, int jgroupsPort,
            int seedPages, String controlUrl, List<String> javaOptions, long startTimeoutMillis) {
    }

    enum State { STARTING, RUNNING, STOPPING, STOPPED, KILLED, FAILED }

    private final class NodeProcess {
        final int index;
        volatile Process process;
        volatile State state = State.STOPPED;
        volatile CompletableFuture<String> ready = new CompletableFuture<>();

        NodeProcess(int index) {
            this.index = index;
        }
    }

    private final Options options;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private Server h2;
    private Connection keepAlive;
    private String dbUrl;
    private volatile boolean closed;

    Cluster(Options options) {
        this.options = options;
        for (int i = 1; i <= options.nodes(); i++) {
            nodes.add(new NodeProcess(i));
        }
    }

    String url(int index) {
        return "http://127.0.0.1:" + (options.firstHttpPort() + index - 1);
    }

    List<String> urls() {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= options.nodes(); i++) {
            out.add(url(i));
        }
        return out;
    }

    String dbUrl() {
        return dbUrl;
    }

    /** Starts the database, then node 1 (founder, seeds), then the others in parallel; waits until all serve. */
    synchronized void start() throws IOException, SQLException {
        Files.createDirectories(options.logDir());
        int dbPort = freePort();
        // the H2 server binds to this address only
        System.setProperty("h2.bindAddress", "127.0.0.1");
        // the in-memory database lives in this JVM; the connection keeps it alive, the TCP server shares it
        keepAlive = DriverManager.getConnection("jdbc:h2:mem:wiki;DB_CLOSE_DELAY=-1", "sa", "");
        h2 = Server.createTcpServer("-tcpPort", String.valueOf(dbPort)).start();
        dbUrl = "jdbc:h2:tcp://127.0.0.1:" + dbPort + "/mem:wiki";
        launch(1, true);
        awaitReady(1);
        for (int i = 2; i <= options.nodes(); i++) {
            launch(i, false);
        }
        for (int i = 2; i <= options.nodes(); i++) {
            awaitReady(i);
        }
    }

    /** The process states by node index ("1" → "running"), for the console. */
    Map<String, String> states() {
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeProcess n : nodes) {
            out.put(String.valueOf(n.index), n.state.name().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    State state(int index) {
        return node(index).state;
    }

    /** SIGTERM: the node stops Jetty and its cache node leaves gracefully. Returns once the process has exited. */
    void stop(int index) throws InterruptedException {
        NodeProcess n = node(index);
        Process p = n.process;
        if (p == null || !p.isAlive()) {
            return;
        }
        n.state = State.STOPPING;
        // through the ProcessHandle: Process.destroy() would also close our end of the node's output, losing its
        // shutdown log (and the proof that its cache node left gracefully)
        p.toHandle().destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.toHandle().destroyForcibly();
            p.waitFor();
        }
        n.state = State.STOPPED;
    }

    /** SIGKILL: a crash as far as the other nodes can tell. Returns once the process is gone. */
    void kill(int index) throws InterruptedException {
        NodeProcess n = node(index);
        Process p = n.process;
        if (p == null || !p.isAlive()) {
            return;
        }
        n.state = State.KILLED;
        p.toHandle().destroyForcibly();
        p.waitFor();
    }

    /** Starts a stopped node again; it joins the running cluster (a restarted node is never the founder). */
    void restart(int index) throws IOException {
        NodeProcess n = node(index);
        synchronized (this) {
            if (n.process != null && n.process.isAlive()) {
                return;
            }
            launch(index, false);
        }
        awaitReady(index);
    }

    private NodeProcess node(int index) {
        if (index < 1 || index > nodes.size()) {
            throw new IllegalArgumentException("no node " + index + "; nodes are 1.." + nodes.size());
        }
        return nodes.get(index - 1);
    }

    private void launch(int index, boolean founder) throws IOException {
        NodeProcess n = node(index);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options.javaOptions());
        cmd.add("-Dwiki.node.index=" + index);
        cmd.add("-Dwiki.http.port=" + (options.firstHttpPort() + index - 1));
        cmd.add("-Dwiki.peers=" + String.join(",", urls()));
        if (options.controlUrl() != null) {
            cmd.add("-Dwiki.control=" + options.controlUrl());
        }
        cmd.add("-Dwiki.db.url=" + dbUrl);
        if (founder && options.seedPages() > 0) {
            cmd.add("-Dwiki.seed=" + options.seedPages());
        }
        cmd.add("-Dhomeostat.node.name=node-" + index);
        cmd.add("-Dhomeostat.founder=" + founder);
        cmd.add("-Dhomeostat.cluster.name=" + options.clusterName());
        cmd.add("-Dhomeostat.transport.port=" + options.jgroupsPort());
        cmd.add("-Dhomeostat.transport.port-range=" + Math.max(options.nodes() + 2, 5));
        cmd.add("-cp");
        cmd.add(options.appJar().toString());
        cmd.add(Main.class.getName());
        cmd.add("node");
        Path log = options.logDir().resolve("node-" + index + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        n.ready = new CompletableFuture<>();
        n.state = State.STARTING;
        Process p = pb.start();
        n.process = p;
        CompletableFuture<String> ready = n.ready;
        Thread pump = new Thread(() -> pump(p, log, ready), "wiki-node-" + index + "-output");
        pump.setDaemon(true);
        pump.start();
        p.onExit().thenRun(() -> {
            ready.completeExceptionally(new IllegalStateException("node " + index + " exited with code "
                    + p.exitValue() + " before it served; see " + log));
            if (n.process == p && (n.state == State.RUNNING || n.state == State.STARTING)) {
                n.state = closed ? State.STOPPED : State.FAILED;
            }
        });
    }

    /** Copies the node's output to its log and completes {@code ready} on the ready line. */
    private static void pump(Process p, Path log, CompletableFuture<String> ready) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                if (line.startsWith(Main.READY)) {
                    ready.complete(line.substring(Main.READY.length()).strip());
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    private void awaitReady(int index) throws IOException {
        NodeProcess n = node(index);
        try {
            n.ready.get(options.startTimeoutMillis(), TimeUnit.MILLISECONDS);
            n.state = State.RUNNING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting node " + index, e);
        } catch (ExecutionException e) {
            n.state = State.FAILED;
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            n.state = State.FAILED;
            throw new IOException("node " + index + " did not serve within " + options.startTimeoutMillis()
                    + " ms; see " + options.logDir().resolve("node-" + index + ".log"), e);
        }
    }

    /** Stops every node gracefully, all at once (each leave hands off to whoever is still up), then the database. */
    @Override
    public void close() {
        closed = true;
        List<Thread> stoppers = new ArrayList<>();
        for (NodeProcess n : nodes) {
            Thread t = new Thread(() -> {
                try {
                    stop(n.index);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "wiki-stop-" + n.index);
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (h2 != null) {
                h2.stop();
                h2 = null;
            }
            if (keepAlive != null) {
                try {
                    keepAlive.close();
                } catch (SQLException e) {
                    // the database goes away with this JVM anyway
                }
                keepAlive = null;
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
