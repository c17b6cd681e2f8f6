package io.homeostat.itests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.homeostat.check.LinearizabilityChecker;
import io.homeostat.check.LinearizabilityResult;
import io.homeostat.check.ListAppendChecker;
import io.homeostat.check.ListAppendChecker.Op;
import io.homeostat.check.ListAppendChecker.Txn;
import io.homeostat.check.Operation;
import io.homeostat.check.Operation.Value;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A mixed client workload through the HTTP endpoint, recorded as histories for the engine's checkers:
 * per-key registers (GET, PUT, compare-and-set via POST ?cas) for {@link LinearizabilityChecker}, and Elle-style
 * list-append transactions (POST /txn, an append being "expect the list read, put it with one more element") for
 * {@link ListAppendChecker} with strict serializability. Times are the test JVM's nanoTime around each request.
 *
 * <p>Outcomes: a 2xx answer is acknowledged; 409 and a failed expectation certainly had no effect; 503, 504 and a
 * failed exchange (refused, reset, client timeout) are unknown (the write may still take effect).
 */
final class Workload {

    static final List<String> REGISTERS = List.of("r0", "r1", "r2", "r3", "r4", "r5");
    static final List<String> LISTS = List.of("l0", "l1", "l2", "l3", "l4");
    private static final long THINK_MILLIS = 5;
    private static final long JOIN_MILLIS = 30_000;
    private static final long CHECK_BUDGET_STEPS_PER_KEY = 5_000_000;

    private final Supplier<List<NodeProcess>> targets;
    private final int threads;
    private final long seed;
    private final List<Operation> registerOps = Collections.synchronizedList(new ArrayList<>());
    private final List<Txn> txns = Collections.synchronizedList(new ArrayList<>());
    private final Set<Long> ackedAppends = Collections.synchronizedSet(new HashSet<>());
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong nextElement = new AtomicLong(1);
    private final AtomicLong nextTxnId = new AtomicLong(1);
    final AtomicLong acknowledged = new AtomicLong();
    final AtomicLong notAcknowledged = new AtomicLong();
    /** Notified on every acknowledged request. */
    private final Object progress = new Object();
    /** HTTP status (-1: no answer) -> {requests, total nanoseconds}: where the clients' time went. */
    private final Map<Integer, long[]> outcomes = new java.util.TreeMap<>();

    private void outcome(int status, long nanos) {
        synchronized (outcomes) {
            long[] c = outcomes.computeIfAbsent(status, k -> new long[2]);
            c[0]++;
            c[1] += nanos;
        }
    }

    /** Requests per HTTP status, with their mean latency: "200 x812 (14 ms), 504 x9 (5003 ms)". */
    String outcomes() {
        StringBuilder b = new StringBuilder();
        synchronized (outcomes) {
            outcomes.forEach((status, c) -> b.append(b.length() == 0 ? "" : ", ").append(status).append(" x")
                    .append(c[0]).append(" (").append(c[1] / c[0] / 1_000_000).append(" ms)"));
        }
        return b.toString();
    }
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> workers = new ArrayList<>();

    /** {@code targets} gives the nodes a client may talk to now (read on every operation). */
    Workload(Supplier<List<NodeProcess>> targets, int threads, long seed) {
        this.targets = targets;
        this.threads = threads;
        this.seed = seed;
    }

    void start() {
        running.set(true);
        for (int t = 0; t < threads; t++) {
            int client = t;
            Thread th = new Thread(() -> loop(client), "workload-" + t);
            th.setDaemon(true);
            workers.add(th);
            th.start();
        }
    }

    /** Counts an acknowledged request and wakes {@link #awaitAcknowledged} waiters. */
    private void countAcknowledged() {
        acknowledged.incrementAndGet();
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Lets the workload run until {@code more} further requests have been acknowledged: the phases of a fault test
     * ("some history before the fault", "the healed cluster serves again") end on progress, not after a fixed time.
     * Fails the test if that takes longer than {@code timeoutMillis}.
     */
    void awaitAcknowledged(long more, long timeoutMillis, String phase) throws InterruptedException {
        long target = acknowledged.get() + more;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (progress) {
            while (acknowledged.get() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    org.assertj.core.api.Assertions.fail(more + " more acknowledged requests within " + timeoutMillis
                            + " ms (" + phase + "); acknowledged so far " + acknowledged.get() + ", not acknowledged "
                            + notAcknowledged.get() + ", answers " + outcomes());
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
        }
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : workers) {
            t.join(JOIN_MILLIS);
            assertThat(t.isAlive()).as(t.getName() + " stops within " + JOIN_MILLIS + " ms").isFalse();
        }
    }

    private void loop(int client) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + client);
        Map<String, Value> lastSeen = new HashMap<>();
        long seq = 0;
        while (running.get()) {
            List<NodeProcess> ts = targets.get();
            if (ts.isEmpty()) {
                pause(50);
                continue;
            }
            NodeProcess n = ts.get(rnd.nextInt(ts.size()));
            int dice = rnd.nextInt(10);
            if (dice < 6) {
                String key = REGISTERS.get(rnd.nextInt(REGISTERS.size()));
                String value = "c" + client + "-" + (++seq);
                if (dice < 2) {
                    read(client, n, key, lastSeen);
                } else if (dice < 4) {
                    write(client, n, key, value, lastSeen);
                } else {
                    cas(client, n, key, lastSeen.getOrDefault(key, Value.ABSENT), value, lastSeen);
                }
            } else {
                listAppend(client, n, rnd);
            }
            pause(THINK_MILLIS);
        }
    }

    // ------------------------------------------------------------------------------------------------ registers

    private void read(int client, NodeProcess n, String key, Map<String, Value> lastSeen) {
        long t0 = System.nanoTime();
        Http.Response r = Http.get(n.httpPort, "/kv/" + key, Cluster.HTTP_TIMEOUT_MILLIS);
        long t1 = System.nanoTime();
        outcome(r.status(), t1 - t0);
        if (r.status() == 200 || r.status() == 404) {
            Value v = r.status() == 200 ? Value.of(r.body()) : Value.ABSENT;
            registerOps.add(Operation.read(client, key, v, t0, t1));
            lastSeen.put(key, v);
            countAcknowledged();
        } else {
            classify("GET " + key + " on " + n.name, r);
        }
    }

    private void write(int client, NodeProcess n, String key, String value, Map<String, Value> lastSeen) {
        long t0 = System.nanoTime();
        Http.Response r = Http.send(n.httpPort, "PUT", "/kv/" + key, value.getBytes(StandardCharsets.UTF_8),
                Cluster.HTTP_TIMEOUT_MILLIS);
        long t1 = System.nanoTime();
        outcome(r.status(), t1 - t0);
        Operation op = Operation.write(client, key, Value.of(value), t0, t1);
        if (r.status() == 204) {
            registerOps.add(op);
            lastSeen.put(key, Value.of(value));
            countAcknowledged();
        } else {
            registerOps.add(classify("PUT " + key + " on " + n.name, r) ? op.unknown() : op.failed());
        }
    }

    private void cas(int client, NodeProcess n, String key, Value expected, String value, Map<String, Value> lastSeen) {
        String q = expected.isAbsent() ? "?cas-absent"
                : "?cas=" + URLEncoder.encode(new String(expected.bytes(), StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        Http.Response r = Http.post(n.httpPort, "/kv/" + key + q, value.getBytes(StandardCharsets.UTF_8),
                Cluster.HTTP_TIMEOUT_MILLIS);
        long t1 = System.nanoTime();
        outcome(r.status(), t1 - t0);
        if (r.status() == 200) {
            boolean swapped = r.json().get("swapped").asBoolean();
            registerOps.add(Operation.cas(client, key, expected, Value.of(value), swapped, t0, t1));
            countAcknowledged();
            if (swapped) {
                lastSeen.put(key, Value.of(value));
            } else {
                lastSeen.remove(key);
            }
        } else {
            Operation op = Operation.cas(client, key, expected, Value.of(value), false, t0, t1);
            registerOps.add(classify("CAS " + key + " on " + n.name, r) ? op.unknown() : op.failed());
        }
    }

    /**
     * Counts a non-acknowledged answer; returns true if the outcome is unknown (503, 504, no answer), false if the
     * operation certainly had no effect (409). Anything else is unexpected and recorded for the test to fail on.
     */
    private boolean classify(String what, Http.Response r) {
        notAcknowledged.incrementAndGet();
        switch (r.status()) {
            case 409:
                return false;
            case 503:
            case 504:
            case -1:
                return true;
            default:
                unexpected.add(what + " -> " + r.status() + " " + r.text());
                return true;
        }
    }

    // ------------------------------------------------------------------------------------------------ list-append

    private void listAppend(int client, NodeProcess n, SplittableRandom rnd) {
        List<String> keys = new ArrayList<>(LISTS);
        Collections.shuffle(keys, new java.util.Random(rnd.nextLong()));
        keys = keys.subList(0, 1 + rnd.nextInt(3));
        List<Boolean> isAppend = new ArrayList<>();
        List<String> toAppend = new ArrayList<>();
        for (String k : keys) {
            boolean a = rnd.nextBoolean();
            isAppend.add(a);
            if (a) {
                toAppend.add(k);
            }
        }
        // The lists to append to, read first (a read-only transaction, itself recorded).
        Map<String, String> current = new HashMap<>();
        if (!toAppend.isEmpty()) {
            List<List<Long>> read = readLists(client, n, toAppend);
            if (read == null) {
                return;
            }
            for (int i = 0; i < toAppend.size(); i++) {
                current.put(toAppend.get(i), encode(read.get(i)));
            }
        }
        ArrayNode body = Http.JSON.createArrayNode();
        List<Op> unobserved = new ArrayList<>();
        List<Long> elements = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            if (isAppend.get(i)) {
                long e = nextElement.getAndIncrement();
                elements.add(e);
                String old = current.get(k);
                ObjectNode expect = body.addObject().put("op", "expect").put("key", k);
                if (old == null) {
                    expect.put("absent", true);
                } else {
                    expect.put("value", old);
                }
                body.addObject().put("op", "put").put("key", k).put("value", old == null ? Long.toString(e)
                        : old + "," + e);
                unobserved.add(Op.append(k, e));
            } else {
                body.addObject().put("op", "get").put("key", k);
                unobserved.add(Op.read(k));
            }
        }
        long id = nextTxnId.getAndIncrement();
        long t0 = System.nanoTime();
        Http.Response r = Http.post(n.httpPort, "/txn", body.toString().getBytes(StandardCharsets.UTF_8),
                Cluster.HTTP_TIMEOUT_MILLIS);
        long t1 = System.nanoTime();
        outcome(r.status(), t1 - t0);
        if (r.status() == 200) {
            JsonNode j = r.json();
            if (!j.get("committed").asBoolean()) {
                txns.add(new Txn(id, client, t0, t1, ListAppendChecker.Outcome.ABORTED, unobserved));
                notAcknowledged.incrementAndGet();
                return;
            }
            List<Op> ops = new ArrayList<>();
            int result = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (isAppend.get(i)) {
                    ops.add(unobserved.get(i));
                } else {
                    ops.add(Op.read(keys.get(i), decode(j.get("results").get(result++).get("value"))));
                }
            }
            txns.add(new Txn(id, client, t0, t1, ListAppendChecker.Outcome.COMMITTED, ops));
            ackedAppends.addAll(elements);
            countAcknowledged();
        } else {
            boolean unknown = classify("txn on " + n.name, r);
            txns.add(new Txn(id, client, t0, unknown ? Long.MAX_VALUE : t1,
                    unknown ? ListAppendChecker.Outcome.UNKNOWN : ListAppendChecker.Outcome.ABORTED, unobserved));
        }
    }

    /** Reads lists in one read-only transaction, recorded; null if it failed. */
    private List<List<Long>> readLists(int client, NodeProcess n, List<String> keys) {
        ArrayNode body = Http.JSON.createArrayNode();
        for (String k : keys) {
            body.addObject().put("op", "get").put("key", k);
        }
        long id = nextTxnId.getAndIncrement();
        long t0 = System.nanoTime();
        Http.Response r = Http.post(n.httpPort, "/txn", body.toString().getBytes(StandardCharsets.UTF_8),
                Cluster.HTTP_TIMEOUT_MILLIS);
        long t1 = System.nanoTime();
        outcome(r.status(), t1 - t0);
        if (r.status() != 200) {
            classify("read txn on " + n.name, r);
            return null;
        }
        List<List<Long>> out = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        JsonNode results = r.json().get("results");
        for (int i = 0; i < keys.size(); i++) {
            List<Long> l = decode(results.get(i).get("value"));
            out.add(l);
            ops.add(Op.read(keys.get(i), l));
        }
        txns.add(new Txn(id, client, t0, t1, ListAppendChecker.Outcome.COMMITTED, ops));
        return out;
    }

    private static String encode(List<Long> l) {
        if (l.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Long e : l) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(e);
        }
        return sb.toString();
    }

    private static List<Long> decode(JsonNode value) {
        List<Long> out = new ArrayList<>();
        if (value == null || value.isNull() || value.asText().isEmpty()) {
            return out;
        }
        for (String s : value.asText().split(",")) {
            out.add(Long.parseLong(s));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ checks

    /** Records an operation made outside the client threads (a probe); it joins the register history. */
    void record(Operation op) {
        registerOps.add(op);
    }

    /**
     * With the workload stopped and the cluster healthy: reads every key from every live node (recorded, so the
     * checkers see them), asserts the nodes agree, that no acknowledged append is missing, and that both histories
     * check. Returns a one-line summary.
     */
    /**
     * Attempts of each final read. "Healthy" means every group has R live serving replicas; the cluster may still be
     * moving positions to a restarted node then, and a read that meets a view change answers 503, 504 or 409 (its
     * transaction aborted): such answers are retried, a bounded number of times.
     */
    private static final int FINAL_READ_ATTEMPTS = 20;
    private static final long FINAL_READ_RETRY_MILLIS = 500;
    private static final Set<Integer> RETRYABLE = Set.of(409, 503, 504);

    private static void pauseBeforeRetry() {
        try {
            Thread.sleep(FINAL_READ_RETRY_MILLIS); // a real cluster reconfiguring: nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during the final reads", e);
        }
    }

    String finalChecks(List<NodeProcess> live) {
        return finalChecks(live, 100);
    }

    /**
     * As {@link #finalChecks(List)}, requiring more than {@code minAcknowledged} acknowledged requests, so the checkers
     * saw a history worth checking.
     */
    String finalChecks(List<NodeProcess> live, long minAcknowledged) {
        assertThat(unexpected).as("answers other than 2xx, 404, 409, 503, 504").isEmpty();
        int finalClient = 1_000;
        Map<String, Value> agreed = new HashMap<>();
        for (NodeProcess n : live) {
            for (String key : REGISTERS) {
                long t0 = 0;
                long t1 = 0;
                Http.Response r = null;
                for (int attempt = 1; attempt <= FINAL_READ_ATTEMPTS; attempt++) {
                    if (attempt > 1) {
                        pauseBeforeRetry();
                    }
                    t0 = System.nanoTime();
                    r = Http.get(n.httpPort, "/kv/" + key, Cluster.HTTP_TIMEOUT_MILLIS);
                    t1 = System.nanoTime();
                    if (!RETRYABLE.contains(r.status())) {
                        break;
                    }
                }
                assertThat(r.status()).as("final read of " + key + " on " + n.name + ": " + r.text()).isIn(200, 404);
                Value v = r.status() == 200 ? Value.of(r.body()) : Value.ABSENT;
                registerOps.add(Operation.read(finalClient, key, v, t0, t1));
                Value before = agreed.putIfAbsent(key, v);
                assertThat(before == null ? v : before).as("every node reads the same " + key + " (divergence)")
                        .isEqualTo(v);
            }
            List<List<Long>> lists = null;
            for (int attempt = 1; lists == null && attempt <= FINAL_READ_ATTEMPTS; attempt++) {
                if (attempt > 1) {
                    pauseBeforeRetry();
                }
                lists = readLists(finalClient, n, LISTS);
            }
            assertThat(lists).as("final list read on " + n.name + " (" + FINAL_READ_ATTEMPTS + " attempts)")
                    .isNotNull();
            Set<Long> seen = new HashSet<>();
            lists.forEach(seen::addAll);
            Set<Long> lost = new HashSet<>(ackedAppends);
            lost.removeAll(seen);
            assertThat(lost).as("acknowledged appends missing from the lists read on " + n.name).isEmpty();
        }
        List<Operation> history;
        synchronized (registerOps) {
            history = new ArrayList<>(registerOps);
        }
        LinearizabilityResult lin = LinearizabilityChecker.check(history, CHECK_BUDGET_STEPS_PER_KEY);
        assertThat(lin.violations()).as("linearizability violations: " + lin.summary()).isEmpty();
        assertThat(lin.isOk()).as("linearizability verdict: " + lin.summary()).isTrue();
        List<Txn> txnHistory;
        synchronized (txns) {
            txnHistory = new ArrayList<>(txns);
        }
        ListAppendChecker.Result la = ListAppendChecker.check(txnHistory,
                ListAppendChecker.Options.strictSerializable());
        assertThat(la.ok()).as("list-append (strict serializability): " + la.describe()).isTrue();
        assertThat(acknowledged.get()).as("the workload made progress").isGreaterThan(minAcknowledged);
        return String.format("history: %d register operations (%d checked), %d transactions (%d committed), "
                + "%d acknowledged appends, %d acknowledged / %d not acknowledged requests; linearizable, strictly "
                + "serializable, 0 lost acknowledged writes; requests by HTTP status: %s", history.size(),
                lin.operationsChecked(), txnHistory.size(), la.committed(), ackedAppends.size(), acknowledged.get(),
                notAcknowledged.get(), outcomes());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
