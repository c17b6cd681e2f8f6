package io.homeostat.bench;

import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.GroupView;
import io.homeostat.replica.Placement;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.WallClock;
import io.homeostat.sim.Json;
import io.homeostat.sim.Simulator;
import io.homeostat.sim.Trace;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.MemoryStorage;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Paxos Commit measured on the deterministic simulator: one-way message delays from the commit call to the decision,
 * messages per committed transaction, and committed transactions per simulated second, for a cluster of N nodes.
 *
 * <pre>
 * TxnBenchmark [--nodes N] [--seed S] [--clients-per-node C] [--keys K] [--seconds T] [--latency-us L]
 * </pre>
 *
 * The network delivers every message after exactly L µs (no jitter, loss or reordering), so a delay measured in
 * virtual time divided by L is a count of one-way message delays. Each client runs transfers in a closed loop: two
 * quorum reads of random keys (their tags), then a commit that writes both. The simulator charges no processing time,
 * so throughput here is bounded by message delays and conflicts only, not by CPU: it shows how the protocol scales
 * with the number of nodes at a fixed load per node, not what a real machine sustains. Prints human-readable lines,
 * then one JSON object as the last line. Exit status 0 when the cluster settled and transactions committed.
 */
public final class TxnBenchmark {

    private static final long SECOND = 1_000_000;
    /** Messages of the commit protocol proper (reads and ring maintenance are counted apart). */
    private static final Set<String> COMMIT_MESSAGES = Set.of("TxPrepare", "TxVote", "TxAccepted", "TxDecide");
    private static final Set<String> READ_MESSAGES = Set.of("ReadRequest", "ReadReply");

    private final int nodes;
    private final long seed;
    private final int clientsPerNode;
    private final int keys;
    private final long seconds;
    private final long latencyMicros;
    private final Simulator sim;
    private final ReplicaConfig config = ReplicaConfig.defaults();
    private final Placement placement = config.placement();
    private final TreeMap<RingId, Address> ring = new TreeMap<>();
    private final List<Address> addresses = new ArrayList<>();

    private boolean measuring;
    private long committed;
    private long aborted;
    private final List<Long> decisionMicros = new ArrayList<>();
    private final List<Long> readMicros = new ArrayList<>();

    private TxnBenchmark(int nodes, long seed, int clientsPerNode, int keys, long seconds, long latencyMicros) {
        this.nodes = nodes;
        this.seed = seed;
        this.clientsPerNode = clientsPerNode;
        this.keys = keys;
        this.seconds = seconds;
        this.latencyMicros = latencyMicros;
        this.sim = new Simulator(seed, Trace.digestOnly());
        sim.network().latency(latencyMicros, 0);
    }

    public static void main(String[] args) {
        TxnBenchmark b;
        try {
            b = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("txn benchmark: " + e.getMessage());
            System.err.println("usage: TxnBenchmark [--nodes N] [--seed S] [--clients-per-node C] [--keys K] "
                    + "[--seconds T] [--latency-us L]");
            System.exit(2);
            return;
        }
        System.exit(b.run() ? 0 : 1);
    }

    private boolean run() {
        long wallStart = WallClock.nanos();
        for (int i = 0; i < nodes; i++) {
            Address a = Address.sim(i);
            RingId id = RingId.random(sim.random());
            ReplicaConfig rc = config.withFounder(i == 0);
            sim.addNode(a, () -> new HomeostatNode(id, a, RingConfig.defaults(), rc, new MemoryStorage()));
            ring.put(id, a);
            addresses.add(a);
            sim.at(i * 20_000L, () -> sim.start(a));
        }
        boolean settled = sim.runUntil(this::settled, SECOND, nodes * 20_000L + 300 * SECOND);
        say("bootstrap: %d nodes, %d groups of R=%d, settled=%s after %.1f simulated s", nodes, placement.groups(),
                placement.replication(), settled, sim.nowMicros() / (double) SECOND);
        if (!settled) {
            return false;
        }
        // warm-up: every node reads one key of every group, so that it knows every group's view (a manager looks up
        // the view of a group it has not used yet, which costs a ring lookup: that is start-up cost, not the
        // commit path), then a second of load that is not measured
        Map<Integer, String> keyOfGroup = new TreeMap<>();
        for (int i = 0; keyOfGroup.size() < placement.groups(); i++) {
            keyOfGroup.putIfAbsent(node(addresses.get(0)).replicas().group(Key.of("warm" + i)), "warm" + i);
        }
        int[] pending = {0};
        for (Address at : addresses) {
            for (String key : keyOfGroup.values()) {
                pending[0]++;
                sim.at(sim.nowMicros() + pending[0], () -> read(at, key, tag -> pending[0]--, () -> pending[0]--));
            }
        }
        sim.runUntil(() -> pending[0] == 0, SECOND / 10, sim.nowMicros() + 60 * SECOND);
        for (int c = 0; c < nodes * clientsPerNode; c++) {
            Address at = addresses.get(c % nodes);
            sim.at(sim.nowMicros() + c, () -> transfer(at));
        }
        sim.runUntil(sim.nowMicros() + SECOND);
        measuring = true;
        Map<String, Long> before = sim.messagesByType();
        long t0 = sim.nowMicros();
        sim.runUntil(t0 + seconds * SECOND);
        measuring = false;
        Map<String, Long> during = new TreeMap<>();
        sim.messagesByType().forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d > 0) {
                during.put(k, d);
            }
        });
        long commitMessages = sum(during, COMMIT_MESSAGES);
        long readMessages = sum(during, READ_MESSAGES);
        long all = during.values().stream().mapToLong(Long::longValue).sum();
        double[] decision = delays(decisionMicros);
        double[] read = delays(readMicros);
        double tps = committed / (double) seconds;
        say("load: %d clients (%d per node), %d keys, %d simulated s at %d us one-way latency", nodes * clientsPerNode,
                clientsPerNode, keys, seconds, latencyMicros);
        say("committed %d, aborted %d (%.1f%%): %.0f committed transactions per simulated second (%.1f per node)",
                committed, aborted, 100.0 * aborted / Math.max(1, committed + aborted), tps, tps / nodes);
        long withinFour = decisionMicros.stream().filter(m -> m <= 4 * latencyMicros).count();
        double withinFourShare = withinFour / (double) Math.max(1, decisionMicros.size());
        say("decision after commit: %.2f one-way delays at p50, %.2f at p99, %.2f max; %.3f%% within 4 delays "
                + "(a message a node sends itself takes 1 us: items whose replicas and acceptors are all local cost "
                + "nothing)", decision[0], decision[1],
                decision[2], 100 * withinFourShare);
        say("quorum read: %.2f one-way delays at p50, %.2f at p99", read[0], read[1]);
        say("messages per committed transaction: %.1f commit protocol (prepare, vote, accepted, decide), %.1f reads, "
                + "%.1f all traffic including ring maintenance", commitMessages / (double) committed,
                readMessages / (double) committed, all / (double) committed);
        during.forEach((k, v) -> say("  %-16s %10.2f per committed transaction", k, v / (double) committed));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodes", nodes);
        out.put("seed", seed);
        out.put("groups", placement.groups());
        out.put("replication", placement.replication());
        out.put("clients", nodes * clientsPerNode);
        out.put("keys", keys);
        out.put("simulatedSeconds", seconds);
        out.put("latencyMicros", latencyMicros);
        out.put("committed", committed);
        out.put("aborted", aborted);
        out.put("committedPerSimulatedSecond", tps);
        out.put("decisionDelaysP50", decision[0]);
        out.put("decisionDelaysP99", decision[1]);
        out.put("decisionDelaysMax", decision[2]);
        out.put("decisionsWithinFourDelays", withinFourShare);
        out.put("readDelaysP50", read[0]);
        out.put("readDelaysP99", read[1]);
        out.put("commitMessagesPerCommitted", commitMessages / (double) committed);
        out.put("readMessagesPerCommitted", readMessages / (double) committed);
        out.put("allMessagesPerCommitted", all / (double) committed);
        out.put("wallSeconds", (WallClock.nanos() - wallStart) / 1e9);
        out.put("traceDigest", sim.trace().digest());
        System.out.println(Json.object(out));
        return committed > 0 && decision[1] <= 4.0;
    }

    /** One transfer by a client at {@code at}: read two keys, commit new values for both, then the next one. */
    private void transfer(Address at) {
        int a = sim.random().nextInt(keys);
        int b = (a + 1 + sim.random().nextInt(keys - 1)) % keys;
        Runnable retry = () -> sim.at(sim.nowMicros() + 10 * latencyMicros, () -> transfer(at));
        read(at, "key" + a, ta -> read(at, "key" + b, tb -> {
            long start = sim.nowMicros();
            List<TxItem> items = List.of(new TxItem(Key.of("key" + a), ta, true, Bytes.of("v" + start)),
                    new TxItem(Key.of("key" + b), tb, true, Bytes.of("v" + start)));
            node(at).transactions().commit(sim.node(at), items, new TransactionManager.CommitCallback() {
                @Override
                public void committed() {
                    if (measuring) {
                        committed++;
                        decisionMicros.add(sim.nowMicros() - start);
                    }
                    transfer(at);
                }

                @Override
                public void aborted(String reason) {
                    if (measuring) {
                        aborted++;
                    }
                    transfer(at);
                }
            });
        }, retry), retry);
    }

    private void read(Address at, String key, Consumer<Tag> then, Runnable failed) {
        long start = sim.nowMicros();
        node(at).replicas().read(sim.node(at), Key.of(key), new ReplicaManager.OpCallback() {
            @Override
            public void done(Bytes value) {
                throw new IllegalStateException("tagged reads only");
            }

            @Override
            public void doneTagged(Tag tag, Bytes value) {
                if (measuring) {
                    readMicros.add(sim.nowMicros() - start);
                }
                then.accept(tag);
            }

            @Override
            public void failed(ReplicaManager.Failure failure, String reason) {
                failed.run();
            }
        });
    }

    private HomeostatNode node(Address a) {
        return (HomeostatNode) sim.node(a).protocol();
    }

    /** Every slot is held by its ring owner in the newest view of its group, and every member serves. */
    private boolean settled() {
        for (int s = 0; s < placement.slots(); s++) {
            RingId anchor = placement.anchor(s);
            Map.Entry<RingId, Address> e = ring.ceilingEntry(anchor);
            Address owner = (e != null ? e : ring.firstEntry()).getValue();
            int g = placement.groupOfSlot(s);
            GroupView v = node(owner).replicas().installedView(g);
            if (v == null || !v.member(placement.indexOfSlot(s)).address().equals(owner)
                    || !node(owner).replicas().serving(g)) {
                return false;
            }
        }
        return true;
    }

    /** p50, p99 and max of {@code micros}, in one-way delays. */
    private double[] delays(List<Long> micros) {
        long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        return new double[] {sorted[(int) Math.floor(0.50 * (sorted.length - 1))] / (double) latencyMicros,
                sorted[(int) Math.floor(0.99 * (sorted.length - 1))] / (double) latencyMicros,
                sorted[sorted.length - 1] / (double) latencyMicros};
    }

    private static long sum(Map<String, Long> byType, Set<String> types) {
        return byType.entrySet().stream().filter(e -> types.contains(e.getKey())).mapToLong(Map.Entry::getValue)
                .sum();
    }

    private static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    private static TxnBenchmark parse(String[] args) {
        int nodes = 5;
        long seed = 1;
        int clients = 4;
        int keys = 10_000;
        long seconds = 10;
        long latency = 1_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--nodes" -> nodes = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--clients-per-node" -> clients = Integer.parseInt(v);
                    case "--keys" -> keys = Integer.parseInt(v);
                    case "--seconds" -> seconds = Long.parseLong(v);
                    case "--latency-us" -> latency = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + " needs a number, not '" + v + "'");
            }
        }
        if (nodes < 3 || clients < 1 || keys < 2 || seconds < 1 || latency < 1) {
            throw new IllegalArgumentException("need --nodes >= 3, --clients-per-node >= 1, --keys >= 2, "
                    + "--seconds >= 1, --latency-us >= 1; got " + Arrays.asList(nodes, clients, keys, seconds,
                    latency));
        }
        return new TxnBenchmark(nodes, seed, clients, keys, seconds, latency);
    }
}
