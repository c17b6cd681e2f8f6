package io.homeostat.itests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One node as a real JVM process ({@code io.homeostat.server.NodeMain}) on 127.0.0.1. Every process started here is
 * registered so that a JVM shutdown hook kills it even when a test fails or the run is interrupted.
 */
final class NodeProcess {

    private static final Set<Process> ALL = ConcurrentHashMap.newKeySet();
    private static final long KILL_WAIT_MILLIS = 10_000;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : ALL) {
                p.destroyForcibly();
            }
        }, "itests-kill-nodes"));
    }

    final String name;
    final int port;
    final int httpPort;
    private final String cluster;
    private final Path logDir;
    private Process process;
    private int incarnation;
    private Path log;

    NodeProcess(String name, int port, int httpPort, String cluster, Path logDir) {
        this.name = name;
        this.port = port;
        this.httpPort = httpPort;
        this.cluster = cluster;
        this.logDir = logDir;
    }

    /** Starts the process; {@code join} empty founds the cluster. */
    synchronized void start(List<String> join, long opTimeoutMillis) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", classpath(), "io.homeostat.server.NodeMain",
                "--name", name, "--port", Integer.toString(port), "--http-port", Integer.toString(httpPort),
                "--cluster", cluster, "--op-timeout-millis", Long.toString(opTimeoutMillis),
                "--leave-timeout-millis", "2000", "--allow-fault-injection",
                "--groups-log2", Integer.toString(Integer.numberOfTrailingZeros(Cluster.GROUPS))));
        if (!join.isEmpty()) {
            cmd.add("--join");
            cmd.add(String.join(",", join));
        }
        Files.createDirectories(logDir);
        log = logDir.resolve(name + "-" + (++incarnation) + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        process = pb.start();
        ALL.add(process);
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process.pid();
    }

    /** kill -9, and wait until the process is gone. */
    synchronized void kill9() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(KILL_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not die within " + KILL_WAIT_MILLIS + " ms of SIGKILL");
        }
        ALL.remove(process);
    }

    /** Waits up to {@code millis} for the process to exit; its exit code, or null if it still runs. */
    Integer awaitExit(long millis) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (!p.waitFor(millis, TimeUnit.MILLISECONDS)) {
            return null;
        }
        ALL.remove(p);
        return p.exitValue();
    }

    /** The current incarnation's output. */
    synchronized String logText() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Sends a signal by name (STOP, CONT) with kill(1). */
    synchronized void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
        if (!k.waitFor(KILL_WAIT_MILLIS, TimeUnit.MILLISECONDS) || k.exitValue() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    /** The node classpath that the build wrote (maven-dependency-plugin build-classpath of this module). */
    private static String classpath() throws IOException {
        String file = System.getProperty("homeostat.node.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property homeostat.node.classpath.file is not set; run the "
                    + "integration tests through Maven (mvn verify), which writes target/node.classpath");
        }
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
    }

    @Override
    public String toString() {
        return name + "(jgroups " + port + ", http " + httpPort + ")";
    }
}
