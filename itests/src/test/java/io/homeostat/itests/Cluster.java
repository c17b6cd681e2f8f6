package io.homeostat.itests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A cluster of node processes on 127.0.0.1 with free ports, and the waits the tests need: every wait polls the nodes'
 * {@code /status} at a short interval up to a deadline, never sleeps unboundedly.
 */
final class Cluster implements AutoCloseable {

    static final int REPLICATION = 3;
    /** 64 groups (the adapter's default) rather than the launcher's 256: a cluster settles 4x faster on 2 cores. */
    static final int GROUPS = 64;
    static final long OP_TIMEOUT_MILLIS = 5_000;
    static final long HTTP_TIMEOUT_MILLIS = 8_000;
    static final long STATUS_TIMEOUT_MILLIS = 2_000;
    static final long POLL_INTERVAL_MILLIS = 200;
    static final long START_DEADLINE_MILLIS = 120_000;

    final List<NodeProcess> nodes = new ArrayList<>();
    private final List<String> joinList = new ArrayList<>();
    private final Path logs;

    Cluster(String testName, int size) throws IOException {
        String cluster = "it-" + testName + "-" + UUID.randomUUID().toString().substring(0, 8);
        logs = Path.of(System.getProperty("homeostat.itest.logs", "target/itest-logs"), testName);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < size; i++) {
            NodeProcess n = new NodeProcess("n" + i, freePort(ports), freePort(ports), cluster, logs);
            nodes.add(n);
            joinList.add("127.0.0.1:" + n.port);
        }
    }

    /**
     * Starts the founder, then the others joining through everyone; waits until every group is healthy and its
     * replicas are on distinct nodes. Right after the others join, the founder still holds two or three positions of
     * many groups (the founding views put every replica on it, and the joiners take them over one view change at a
     * time): a fault injected then would test a double failure, not the one the tests mean.
     */
    long start() throws Exception {
        long t0 = System.nanoTime();
        nodes.get(0).start(List.of(), OP_TIMEOUT_MILLIS);
        awaitStatus(nodes.get(0), START_DEADLINE_MILLIS);
        for (int i = 1; i < nodes.size(); i++) {
            nodes.get(i).start(joinList, OP_TIMEOUT_MILLIS);
        }
        long healthy = awaitHealthy(START_DEADLINE_MILLIS, "the cluster to start");
        long balanced = awaitBalanced(START_DEADLINE_MILLIS, "every group's replicas on distinct nodes after the start");
        System.out.printf("[cluster] %s started: groups at R after %d ms, on distinct nodes %d ms later%n",
                logs.getFileName(), healthy, balanced);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * Restarts a stopped node: it joins (never founds again) under the same name, with a fresh transport address and
     * the ring position a member proposes: to the others it is a new node.
     */
    void restart(NodeProcess n) throws IOException {
        n.start(joinList, OP_TIMEOUT_MILLIS);
    }

    List<NodeProcess> live() {
        List<NodeProcess> out = new ArrayList<>();
        for (NodeProcess n : nodes) {
            if (n.alive()) {
                out.add(n);
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            try {
                n.kill9();
            } catch (Exception e) {
                // best effort; the shutdown hook tries again
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ status

    static JsonNode status(NodeProcess n) {
        Http.Response r = Http.get(n.httpPort, "/status", STATUS_TIMEOUT_MILLIS);
        return r.status() == 200 ? r.json() : null;
    }

    private void awaitStatus(NodeProcess n, long deadlineMillis) throws InterruptedException {
        long end = System.nanoTime() + deadlineMillis * 1_000_000;
        while (status(n) == null) {
            if (System.nanoTime() > end || !n.alive()) {
                throw new AssertionError(n + " did not serve /status within " + deadlineMillis + " ms (alive="
                        + n.alive() + "); see its log under target/itest-logs");
            }
            Thread.sleep(POLL_INTERVAL_MILLIS);
        }
    }

    /**
     * Why the cluster is not healthy, or null if it is: every live node answers /status and every group's newest view
     * (highest epoch any live node reports) has {@value #REPLICATION} replicas, all on live nodes, each of which
     * reports serving that view: every key is back at R live replicas.
     */
    String unhealthy(List<NodeProcess> live) {
        return unhealthy(live, false);
    }

    /**
     * As {@link #unhealthy(List)}; with {@code distinctReplicas}, also no node may hold two replicas of a group and every
     * live node must hold one.
     */
    String unhealthy(List<NodeProcess> live, boolean distinctReplicas) {
        Map<String, JsonNode> statuses = new HashMap<>();
        Map<String, String> addresses = new HashMap<>();
        for (NodeProcess n : live) {
            JsonNode s = status(n);
            if (s == null) {
                return n.name + " does not answer /status";
            }
            // keyed by transport address, which group views list (a node's address changes with every start)
            statuses.put(s.get("address").asText(), s);
            addresses.put(n.name, s.get("address").asText());
        }
        // group -> node -> (epoch, serving, members)
        Map<Integer, Map<String, JsonNode>> views = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : statuses.entrySet()) {
            for (JsonNode g : e.getValue().get("replication").get("groups")) {
                views.computeIfAbsent(g.get("group").asInt(), k -> new HashMap<>()).put(e.getKey(), g);
            }
        }
        int unhealthy = 0;
        String first = null;
        for (int g = 0; g < GROUPS; g++) {
            Map<String, JsonNode> byNode = views.getOrDefault(g, Map.of());
            JsonNode newest = null;
            for (JsonNode v : byNode.values()) {
                if (newest == null || v.get("epoch").asLong() > newest.get("epoch").asLong()) {
                    newest = v;
                }
            }
            String why = null;
            if (newest == null) {
                why = "no live node holds group " + g;
            } else if (newest.get("members").size() != REPLICATION) {
                why = "group " + g + " has " + newest.get("members").size() + " replicas";
            } else if (distinctReplicas && distinct(newest.get("members")) != REPLICATION) {
                // positions are chosen so replicas land on distinct nodes; until the claims settle, one node may
                // still hold two replicas of a group, and its crash would take that group's majority
                why = "group " + g + " epoch " + newest.get("epoch") + " has two replicas on one node: "
                        + newest.get("members");
            } else {
                for (JsonNode m : newest.get("members")) {
                    JsonNode held = byNode.get(m.asText());
                    if (held == null) {
                        why = "group " + g + " epoch " + newest.get("epoch") + " has member " + m.asText()
                                + " which is not live or does not hold it";
                        break;
                    }
                    if (held.get("epoch").asLong() != newest.get("epoch").asLong() || !held.get("serving").asBoolean()) {
                        why = "group " + g + ": member " + m.asText() + " is at epoch " + held.get("epoch")
                                + " serving=" + held.get("serving") + ", newest epoch " + newest.get("epoch");
                        break;
                    }
                }
            }
            if (why != null) {
                unhealthy++;
                if (first == null) {
                    first = why;
                }
            }
        }
        if (unhealthy > 0) {
            return unhealthy + " unhealthy groups, e.g. " + first;
        }
        if (!distinctReplicas) {
            return null;
        }
        // balanced also means every live node holds a replica of some group's newest view (a restarted node has taken
        // its share); a node can hold none when it was placed on another's slot boundary: wasteful, not unsafe
        Set<String> holding = new HashSet<>();
        for (Map<String, JsonNode> byNode : views.values()) {
            long newest = byNode.values().stream().mapToLong(v -> v.get("epoch").asLong()).max().orElse(-1);
            byNode.forEach((node, v) -> {
                if (v.get("epoch").asLong() == newest && v.get("serving").asBoolean()) {
                    v.get("members").forEach(m -> holding.add(m.asText()));
                }
            });
        }
        for (NodeProcess n : live) {
            if (!holding.contains(addresses.get(n.name))) {
                return n.name + " holds no replica of any group's newest view yet";
            }
        }
        return null;
    }

    private static long distinct(JsonNode members) {
        Set<String> seen = new HashSet<>();
        members.forEach(m -> seen.add(m.asText()));
        return seen.size();
    }

    /** Polls until healthy; returns the milliseconds waited, or fails naming what was still wrong. */
    long awaitHealthy(long deadlineMillis, String what) throws InterruptedException {
        return awaitHealthy(deadlineMillis, what, false);
    }

    /** As {@link #awaitHealthy(long, String)}, and every group's replicas on distinct nodes. */
    long awaitBalanced(long deadlineMillis, String what) throws InterruptedException {
        return awaitHealthy(deadlineMillis, what, true);
    }

    private long awaitHealthy(long deadlineMillis, String what, boolean distinctReplicas)
            throws InterruptedException {
        return pollUntil(deadlineMillis, () -> unhealthy(live(), distinctReplicas),
                why -> "timed out after " + deadlineMillis + " ms waiting for " + what + ": " + why
                        + "; every live node's /status is in " + dumpStatuses("unhealthy"));
    }

    /**
     * Asks {@code whyNot} every {@link #POLL_INTERVAL_MILLIS} until it answers null (a real cluster's state, read over
     * HTTP: there is no event to wait on); returns the milliseconds that took. After {@code deadlineMillis} fails with
     * {@code failure} of the last answer.
     */
    private static long pollUntil(long deadlineMillis, java.util.function.Supplier<String> whyNot,
            java.util.function.UnaryOperator<String> failure) throws InterruptedException {
        long t0 = System.nanoTime();
        long end = t0 + deadlineMillis * 1_000_000;
        String why;
        while ((why = whyNot.get()) != null) {
            if (System.nanoTime() > end) {
                throw new AssertionError(failure.apply(why));
            }
            Thread.sleep(POLL_INTERVAL_MILLIS);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /**
     * The Paxos Commit acceptor instances the live nodes keep for their groups, summed over them ({@code
     * transactions.acceptorInstances} of /status); -1 if a node does not answer.
     */
    long acceptorInstances() {
        long sum = 0;
        for (NodeProcess n : live()) {
            JsonNode s = status(n);
            if (s == null) {
                return -1;
            }
            sum += s.get("transactions").get("acceptorInstances").asLong();
        }
        return sum;
    }

    /**
     * Waits until the live nodes keep at most {@code max} acceptor instances in all; returns the count then. Fails
     * after {@code deadlineMillis} with the count last seen.
     */
    long awaitAcceptorInstancesAtMost(long max, long deadlineMillis) throws InterruptedException {
        long[] seen = {-1};
        pollUntil(deadlineMillis, () -> {
            seen[0] = acceptorInstances();
            return seen[0] < 0 ? "a live node does not answer /status" : seen[0] > max ? seen[0] + " instances" : null;
        }, why -> "the live nodes still keep " + why + " (Paxos Commit acceptor instances) after " + deadlineMillis
                + " ms (at most " + max + " expected once decisions are acknowledged); every live node's /status is in "
                + dumpStatuses("acceptors"));
        return seen[0];
    }

    /** Writes every live node's /status to a file for the post-mortem; returns its path. */
    Path dumpStatuses(String why) {
        Path f = logs.resolve(why + "-status-" + System.currentTimeMillis() + ".json");
        StringBuilder sb = new StringBuilder();
        for (NodeProcess n : live()) {
            JsonNode s = status(n);
            sb.append(n.name).append(' ').append(s == null ? "null" : s.toString()).append('\n');
        }
        try {
            java.nio.file.Files.createDirectories(logs);
            java.nio.file.Files.writeString(f, sb.toString());
        } catch (IOException e) {
            return Path.of("(could not write " + f + ": " + e + ")");
        }
        return f;
    }

    /** Null if the live nodes' first successors form one cycle through all of them, else why not. */
    String notOneRing(List<NodeProcess> live) {
        Map<String, String> succ = new HashMap<>();
        String start = null;
        for (NodeProcess n : live) {
            JsonNode s = status(n);
            if (s == null) {
                return n.name + " does not answer /status";
            }
            JsonNode list = s.get("ring").get("successors");
            if (list.isEmpty()) {
                return n.name + " has no successor";
            }
            succ.put(s.get("address").asText(), list.get(0).asText());
            if (start == null) {
                start = s.get("address").asText();
            }
        }
        Set<String> seen = new HashSet<>();
        String at = start;
        for (int i = 0; i < live.size(); i++) {
            if (!seen.add(at)) {
                return "successor cycle " + seen + " misses some of " + succ.keySet() + " (" + succ + ")";
            }
            at = succ.get(at);
            if (at == null) {
                return "a successor is not a live node: " + succ;
            }
        }
        return at.equals(start) && seen.size() == live.size() ? null : "successors do not form one ring: " + succ;
    }

    long awaitOneRing(long deadlineMillis) throws InterruptedException {
        return pollUntil(deadlineMillis, () -> notOneRing(live()),
                why -> "no single ring within " + deadlineMillis + " ms: " + why);
    }

    /** The members of each group's newest view, as the live nodes report them. */
    Map<Integer, List<String>> groupMembers() {
        Map<Integer, List<String>> out = new HashMap<>();
        Map<Integer, Long> epochs = new HashMap<>();
        for (NodeProcess n : live()) {
            JsonNode s = status(n);
            if (s == null) {
                continue;
            }
            for (JsonNode g : s.get("replication").get("groups")) {
                int id = g.get("group").asInt();
                long e = g.get("epoch").asLong();
                if (e > epochs.getOrDefault(id, -1L)) {
                    epochs.put(id, e);
                    List<String> m = new ArrayList<>();
                    g.get("members").forEach(x -> m.add(x.asText()));
                    out.put(id, m);
                }
            }
        }
        return out;
    }

    private static int freePort(Set<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                int p = s.getLocalPort();
                if (taken.add(p)) {
                    return p;
                }
            }
        }
        throw new IOException("no free port on 127.0.0.1 after 100 attempts");
    }
}
