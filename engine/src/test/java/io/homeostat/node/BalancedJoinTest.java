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
            List<Address> addresses = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Address a = Address.sim(i);
                addresses.add(a);
                ReplicaConfig rc = CONFIG.withFounder(i == 0);
                sim.addNode(a, () -> new BootstrappingNode(a, BootstrappingNode.Config.defaults(),
                        id -> new HomeostatNode(id, a, RingConfig.defaults(), rc, new MemoryStorage()), null));
                long at = gapMillis >= 0 ? i * gapMillis * 1000 : (i == 0 ? 0 : -gapMillis * 1000);
                sim.at(at, () -> sim.start(a));
            }
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
