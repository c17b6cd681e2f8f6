package io.homeostat.itests;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.check.Operation;
import io.homeostat.check.Operation.Value;
import io.homeostat.replica.Placement;
import io.homeostat.ring.RingId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Five node processes split 2 | 3 with the fault-injection endpoint (each side drops the other's messages). During
 * the partition, writes through the minority to keys whose replica group has its majority on the majority side must
 * never be acknowledged (they answer 503 or time out). After the heal the nodes must form one ring within 10 s, every
 * key must read the same on every node, and the histories must check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionIT {

    private static final int NODES = 5;
    private static final int PROBE_KEYS = 40;
    private static final int PROBE_THREADS_PER_SIDE = 3;
    private static final long PARTITION_MILLIS = 15_000;
    private static final long ONE_RING_BOUND_MILLIS = 10_000;
    private static final long HEAL_DEADLINE_MILLIS = 90_000;
    /** Acknowledged workload requests that end a phase (before the cut, after the heal), and the bound on waiting. */
    private static final long PHASE_ACKS = 50;
    private static final long PHASE_TIMEOUT_MILLIS = 30_000;

    private Cluster cluster;

    @AfterAll
    void killAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void minorityWritesAreNeverAcknowledgedAndTheHealedRingDoesNotDiverge() throws Exception {
        cluster = new Cluster("partition", NODES);
        cluster.start();
        List<NodeProcess> all = new ArrayList<>(cluster.nodes);
        List<NodeProcess> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new java.util.Random(System.nanoTime()));
        List<NodeProcess> minority = List.copyOf(shuffled.subList(0, 2));
        List<NodeProcess> majority = List.copyOf(shuffled.subList(2, NODES));
        Set<String> minorityNames = names(minority);
        Set<String> majorityNames = names(majority); // read now: during the cut a node may be slow to answer /status

        AtomicBoolean partitioned = new AtomicBoolean();
        Workload w = new Workload(() -> partitioned.get() ? majority : cluster.live(), 4, 11);
        w.start();
        w.awaitAcknowledged(PHASE_ACKS, PHASE_TIMEOUT_MILLIS, "history before the cut");

        // which probe keys have their group's majority on the majority side, from the views just before the cut (the
        // cluster started balanced, so no view changes but the workload's own: none move replicas)
        Map<Integer, List<String>> members = cluster.groupMembers();
        Placement placement = new Placement(Cluster.REPLICATION, Integer.numberOfTrailingZeros(Cluster.GROUPS));
        List<String> majorityOwned = new ArrayList<>();
        List<String> probeKeys = new ArrayList<>();
        for (int i = 0; i < PROBE_KEYS; i++) {
            String key = "p" + i;
            probeKeys.add(key);
            int group = placement.groupOf(RingId.ofKey(key.getBytes(StandardCharsets.UTF_8)));
            long onMinority = members.get(group).stream().filter(minorityNames::contains).count();
            if (onMinority * 2 < Cluster.REPLICATION) {
                majorityOwned.add(key);
            }
        }
        assertThat(majorityOwned).as("probe keys owned by majority-side groups").isNotEmpty();


        // cut: each side drops the other
        for (NodeProcess n : minority) {
            assertThat(Http.post(n.httpPort, "/admin/partition?drop=" + String.join(",", majorityNames), null,
                    Cluster.HTTP_TIMEOUT_MILLIS).status()).isEqualTo(200);
        }
        for (NodeProcess n : majority) {
            assertThat(Http.post(n.httpPort, "/admin/partition?drop=" + String.join(",", minorityNames), null,
                    Cluster.HTTP_TIMEOUT_MILLIS).status()).isEqualTo(200);
        }
        partitioned.set(true);
        System.out.printf("[partition] cut %s | %s; %d of %d probe keys belong to majority-side groups%n",
                minorityNames, majorityNames, majorityOwned.size(), PROBE_KEYS);

        Map<String, AtomicLong> minorityOutcomes = new ConcurrentHashMap<>();
        AtomicLong minorityAckedOnMajorityKeys = new AtomicLong();
        AtomicLong minorityAttemptsOnMajorityKeys = new AtomicLong();
        AtomicLong majorityAcked = new AtomicLong();
        Map<String, AtomicLong> majorityOutcomes = new ConcurrentHashMap<>();
        AtomicLong seq = new AtomicLong();
        List<Thread> probes = new ArrayList<>();
        long end = System.nanoTime() + PARTITION_MILLIS * 1_000_000;
        for (int t = 0; t < PROBE_THREADS_PER_SIDE * 2; t++) {
            boolean onMinority = t < PROBE_THREADS_PER_SIDE;
            int client = 500 + t;
            Thread th = new Thread(() -> {
                int i = client;
                while (System.nanoTime() < end) {
                    List<NodeProcess> side = onMinority ? minority : majority;
                    NodeProcess n = side.get(i % side.size());
                    // both sides write the keys whose groups keep a majority on the majority side
                    String key = majorityOwned.get(i % majorityOwned.size());
                    i += 7;
                    String value = (onMinority ? "m-" : "M-") + seq.incrementAndGet();
                    long t0 = System.nanoTime();
                    Http.Response r = Http.send(n.httpPort, "PUT", "/kv/" + key,
                            value.getBytes(StandardCharsets.UTF_8), Cluster.HTTP_TIMEOUT_MILLIS);
                    long t1 = System.nanoTime();
                    Operation op = Operation.write(client, key, Value.of(value), t0, t1);
                    w.record(r.status() == 204 ? op : op.unknown());
                    if (onMinority) {
                        minorityAttemptsOnMajorityKeys.incrementAndGet();
                        minorityOutcomes.computeIfAbsent(Integer.toString(r.status()), k -> new AtomicLong())
                                .incrementAndGet();
                        if (r.status() >= 200 && r.status() < 300) {
                            minorityAckedOnMajorityKeys.incrementAndGet();
                        }
                    } else {
                        majorityOutcomes.computeIfAbsent(Integer.toString(r.status()), k -> new AtomicLong())
                                .incrementAndGet();
                        if (r.status() == 204) {
                            majorityAcked.incrementAndGet();
                        }
                    }
                }
            }, "probe-" + t);
            th.setDaemon(true);
            probes.add(th);
            th.start();
        }
        for (Thread th : probes) {
            th.join(PARTITION_MILLIS + 2 * Cluster.HTTP_TIMEOUT_MILLIS);
        }

        // heal
        for (NodeProcess n : all) {
            assertThat(Http.post(n.httpPort, "/admin/heal", null, Cluster.HTTP_TIMEOUT_MILLIS).status()).isEqualTo(200);
        }
        long healedAt = System.nanoTime();
        long oneRing;
        try {
            oneRing = cluster.awaitOneRing(ONE_RING_BOUND_MILLIS);
        } finally {
            partitioned.set(false);
        }
        long healthy = cluster.awaitHealthy(HEAL_DEADLINE_MILLIS, "every group healthy after the heal");
        long healthyAfterHeal = (System.nanoTime() - healedAt) / 1_000_000;
        w.awaitAcknowledged(PHASE_ACKS, PHASE_TIMEOUT_MILLIS, "the healed cluster serving every client");
        w.stop();

        System.out.printf("[partition] minority writes to majority-owned keys: %d attempts, answers %s; majority-side "
                + "probe writes acknowledged: %d, answers %s%n", minorityAttemptsOnMajorityKeys.get(), minorityOutcomes,
                majorityAcked.get(), majorityOutcomes);
        assertThat(minorityAttemptsOnMajorityKeys.get()).as("minority writes were attempted").isGreaterThan(0);
        assertThat(minorityAckedOnMajorityKeys.get()).as("minority writes acknowledged: " + minorityOutcomes).isZero();
        assertThat(minorityOutcomes.keySet()).as("minority answers are 503, 504 or a client timeout")
                .allSatisfy(s -> assertThat(s).isIn("503", "504", "-1"));
        assertThat(majorityAcked.get()).as("the majority side kept accepting writes").isPositive();
        assertThat(oneRing).isLessThanOrEqualTo(ONE_RING_BOUND_MILLIS);

        // no divergence on the probe keys (recorded as reads for the checker too)
        Map<String, String> agreed = new HashMap<>();
        for (NodeProcess n : all) {
            for (String key : probeKeys) {
                long t0 = System.nanoTime();
                Http.Response r = Http.get(n.httpPort, "/kv/" + key, Cluster.HTTP_TIMEOUT_MILLIS);
                long t1 = System.nanoTime();
                assertThat(r.status()).as("read of " + key + " on " + n.name).isIn(200, 404);
                String v = r.status() == 200 ? r.text() : null;
                w.record(Operation.read(999, key, Value.of(v), t0, t1));
                String before = agreed.putIfAbsent(key, v == null ? "<absent>" : v);
                assertThat(before == null ? (v == null ? "<absent>" : v) : before)
                        .as("every node reads the same " + key).isEqualTo(v == null ? "<absent>" : v);
            }
        }
        // during the cut many requests wait out their 5 s timeout: an operation needs its item's group with a majority
        // on the majority side (a transaction every item's group; its acceptors are its first item's group)
        String summary = w.finalChecks(all, 10);
        System.out.printf("[partition] one ring %d ms after the heal; all groups healthy %d ms after the heal "
                + "(%d ms after one ring); %s%n", oneRing, healthyAfterHeal, healthy, summary);
    }

    /** The nodes' transport addresses (which change with every start), as group views and fault injection name them. */
    private static Set<String> names(List<NodeProcess> nodes) {
        Set<String> out = new java.util.LinkedHashSet<>();
        nodes.forEach(n -> out.add(Cluster.status(n).get("address").asText()));
        return out;
    }
}
