package io.homeostat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.RingConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every fault scenario over 200 distinct seeds, on 64 to 256 nodes: each seed must end with one correct ring after the
 * heal, and at least 99% of the lookups issued under faults must be answered within their bounded retries. A failure
 * names its seeds and the command that replays each.
 */
class RingScenarioSweepTest {

    static final int SEEDS = Integer.getInteger("homeostat.sweep.seeds", 200);

    /** Mostly 64 nodes; every tenth seed runs 128 and every tenth (offset five) 256. */
    static int nodesFor(long seed) {
        long m = Math.floorMod(seed, 10);
        return m == 0 ? 128 : m == 5 ? 256 : 64;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"crash30", "partition2", "partition3", "nontransitive", "asymmetric", "churn"})
    void everySeedConvergesToOneCorrectRing(String name) throws Exception {
        Scenario template = Scenarios.byName(name, 64);
        List<SimulationResult> results = SeedSweep.run(1, SEEDS, seed -> template.withNodes(nodesFor(seed)),
                RingConfig.defaults());
        assertThat(results).hasSize(SEEDS);
        assertThat(results.stream().map(SimulationResult::seed).distinct().count()).isEqualTo(SEEDS);
        assertThat(results).as("seeds of %s that failed:%s", name, SeedSweep.describeFailures(results, template))
                .allMatch(SimulationResult::ok);
        long lookups = results.stream().mapToLong(SimulationResult::lookups).sum();
        assertThat(lookups).as("the workload ran").isGreaterThan(SEEDS * 100L);
    }
}
