package io.homeostat.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.Placement;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.sim.Simulator;
import io.homeostat.sim.Trace;
import io.homeostat.store.MemoryStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Nodes that start through {@link BootstrappingNode} take positions proposed by members, and the R replicas of every
 * group land on R distinct nodes: one crash never takes a group's majority. Checked on the simulator, for nodes that
 * start one after another and for nodes that all start at once (the demo's and the tests' case).
 */
class BalancedJoinTest {

    private static final ReplicaConfig CONFIG = ReplicaConfig.defaults();

    /** gapMillis &lt; 0: the first node starts alone, the others all at once -gapMillis later. */
    @ParameterizedTest(name = "{0} nodes, started {1} ms apart")
    @CsvSource({"3, 2000", "4, 2000", "5, 2000", "7, 2000", "3, 0", "4, 0", "5, 0", "7, 0", "5, 150", "5, -1000",
            "7, -1000", "5, -20"})
    void replicasOfEveryGroupLandOnDistinctNodes(int n, long gapMillis) {
        Placement placement = CONFIG.placement();
        int failing = 0;
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 30; seed++) {
            Simulator sim = new Simulator(seed, Trace.digestOnly());
            List<Address> addresses = addNodes(sim, n, n,
                    i -> gapMillis >= 0 ? i * gapMillis * 1000 : (i == 0 ? 0 : -gapMillis * 1000));
            sim.runUntil(n * Math.abs(gapMillis) * 1000 + 30_000_000L);
            List<RingId> positions = new ArrayList<>();
            for (Address a : addresses) {
                HomeostatNode node = ((BootstrappingNode) sim.node(a).protocol()).node();
                assertThat(node).as("seed %d: %s chose a position", seed, a).isNotNull();
                positions.add(node.ring().self().id());
            }
            assertThat(positions).as("seed %d: positions are unique", seed).doesNotHaveDuplicates();
            int shared = groupsWithSharedNodes(placement, positions);
            if (shared > 0) {
                failing++;
                failures.add("seed " + seed + ": " + shared + " groups");
            }
        }
        assertThat(failing).as("runs where a node holds two replicas of a group: %s", failures).isZero();
    }

    /**
     * One of n balanced nodes crashes, so its successor's range now spans two replicas of some groups. The node comes
     * back with a fresh address while its network is cut off from the cluster (a restarted JGroups member that sits in
     * a view of its own until JGroups merges it back), so it sees nobody. It is not the founder, so it must not found a
     * ring at a random position, which ring merge would later splice in wherever chance put it, leaving the wide range
     * as it is: it waits, and takes the position a member offers once it can reach the cluster, which splits that
     * range. Discovery follows the partition here, as JGroups' does.
     */
    @ParameterizedTest(name = "{0} nodes, cut off for {1} ms")
    @CsvSource({"5, 3000", "5, 8000", "4, 3000"})
    void aRestartedNodeThatSeesNobodyWaitsForAnOfferInsteadOfFoundingARing(int n, long cutOffMillis) {
        Placement placement = CONFIG.placement();
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 30; seed++) {
            Simulator sim = new Simulator(seed, Trace.digestOnly());
            sim.discoveryFollowsPartitions(true);
            List<Address> addresses = addNodes(sim, n + 1, n, i -> i * 2_000_000L);
            Address late = addresses.get(n);
            Address crashed = addresses.get(1 + (int) (seed % (n - 1)));
            long at = n * 2_000_000L + 20_000_000L;
            sim.at(at - 10_000_000L, () -> sim.crash(crashed));
            sim.at(at, () -> {
                java.util.Map<Address, Integer> side = new java.util.HashMap<>();
                addresses.forEach(a -> side.put(a, a.equals(late) ? 1 : 0));
                sim.network().partition(side);
                sim.start(late);
            });
            sim.at(at + cutOffMillis * 1000, () -> sim.network().healAll());
            sim.runUntil(at + cutOffMillis * 1000 + 30_000_000L);
            List<RingId> positions = new ArrayList<>();
            for (Address a : addresses) {
                if (a.equals(crashed)) {
                    continue;
                }
                HomeostatNode node = ((BootstrappingNode) sim.node(a).protocol()).node();
                assertThat(node).as("seed %d: %s chose a position", seed, a).isNotNull();
                positions.add(node.ring().self().id());
            }
            int shared = groupsWithSharedNodes(placement, positions);
            if (shared > 0) {
                failures.add("seed " + seed + ": " + shared + " groups");
            }
        }
        assertThat(failures).as("runs where a node holds two replicas of a group").isEmpty();
    }

    /**
     * The founder placed every other node, then crashes. A node that starts afterwards must still get an offer from the
     * survivors, right away, and it must take over the range the founder's absence doubled up on its successor. (A
     * member stops advising while it may sit in a ring of newcomers, until its ring shows the member that placed it;
     * that member must not be the only way out of that state, or the founder's crash silences the whole cluster.)
     */
    @ParameterizedTest(name = "{0} nodes")
    @CsvSource({"4", "5", "7"})
    void afterTheFounderCrashesTheSurvivorsStillPlaceNewNodes(int n) {
        Placement placement = CONFIG.placement();
        List<String> failures = new ArrayList<>();
        for (long seed = 1; seed <= 30; seed++) {
            Simulator sim = new Simulator(seed, Trace.digestOnly());
            List<Address> addresses = addNodes(sim, n + 1, n, i -> i * 1_000_000L);
            Address founder = addresses.get(0);
            Address late = addresses.get(n);
            long crashAt = n * 1_000_000L + 15_000_000L;
            sim.at(crashAt, () -> sim.crash(founder));
            long lateAt = crashAt + 10_000_000L;
            sim.at(lateAt, () -> sim.start(late));
            // far less than BootstrappingNode's 45 s fallback: the late node must have been placed by an offer
            sim.runUntil(lateAt + 10_000_000L);
            List<RingId> positions = new ArrayList<>();
            for (Address a : addresses.subList(1, n + 1)) {
                HomeostatNode node = ((BootstrappingNode) sim.node(a).protocol()).node();
                if (node == null) {
                    failures.add("seed " + seed + ": " + a + " got no position");
                    break;
                }
                positions.add(node.ring().self().id());
            }
            if (positions.size() == n) {
                int shared = groupsWithSharedNodes(placement, positions);
                if (shared > 0) {
                    failures.add("seed " + seed + ": " + shared + " groups");
                }
            }
        }
        assertThat(failures).as("runs where the late node got no offer or a node holds two replicas of a group")
                .isEmpty();
    }

    /**
     * Adds {@code total} bootstrapping nodes sim:0.. (sim:0 is the founder) and starts the first {@code started} of
     * them, node i at {@code startAtMicros(i)}; returns every address.
     */
    private static List<Address> addNodes(Simulator sim, int total, int started, IntToLongFunction startAtMicros) {
        List<Address> addresses = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            Address a = Address.sim(i);
            addresses.add(a);
            ReplicaConfig rc = CONFIG.withFounder(i == 0);
            sim.addNode(a, () -> new BootstrappingNode(a, BootstrappingNode.Config.defaults(), rc.founder(),
                    id -> new HomeostatNode(id, a, RingConfig.defaults(), rc, new MemoryStorage()), null));
            if (i < started) {
                sim.at(startAtMicros.applyAsLong(i), () -> sim.start(a));
            }
        }
        return addresses;
    }

    /** The balance check itself notices random positions: with 3 random nodes some group shares a node. */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"1", "2", "3"})
    void randomPositionsPutTwoReplicasOfSomeGroupOnOneNode(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RingId> positions = List.of(RingId.random(random), RingId.random(random), RingId.random(random));
        assertThat(groupsWithSharedNodes(CONFIG.placement(), positions)).isPositive();
    }

    /** How many groups have two of their R slots held by the same node (the one responsible for the slot's anchor). */
    static int groupsWithSharedNodes(Placement placement, List<RingId> positions) {
        int shared = 0;
        for (int g = 0; g < placement.groups(); g++) {
            List<RingId> holders = new ArrayList<>();
            for (int i = 0; i < placement.replication(); i++) {
                RingId holder = responsible(positions, placement.anchor(placement.slot(g, i)));
                if (holders.contains(holder)) {
                    shared++;
                    break;
                }
                holders.add(holder);
            }
        }
        return shared;
    }

    private static RingId responsible(List<RingId> positions, RingId point) {
        RingId best = null;
        for (RingId p : positions) {
            if (best == null || p.minus(point).compareTo(best.minus(point)) < 0) {
                best = p;
            }
        }
        return best;
    }
}
