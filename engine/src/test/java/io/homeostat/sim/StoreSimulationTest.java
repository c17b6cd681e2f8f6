package io.homeostat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The replicated store keeps single-key reads and writes linearizable while the membership of groups changes under
 * crashes, restarts, partitions, joins and leaves; after the heal every slot is held by its ring owner again.
 */
class StoreSimulationTest {

    /** With read leases on: half the kv reads are near reads (StoreSimulation), so they are checked too. */
    private static final ReplicaConfig CONFIG = ReplicaConfig.defaults().withGroupsLog2(4).withLeaseMillis(2_000);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kv-nofault", "kv-loss", "kv-crash", "kv-partition", "kv-churn"})
    void linearizableUnderFaults(String scenario) {
        for (long seed = 1; seed <= Integer.getInteger("homeostat.kv.seeds", 100); seed++) {
            StringBuilder log = new StringBuilder();
            StoreSimulation.Result r = StoreSimulation.run(scenario, 10, seed, CONFIG, l -> log.append(l).append('\n'));
            String replay = "(replay: bin/homeostat simulate --scenario " + scenario + " --lease-millis 2000 --seed "
                    + seed + ")";
            assertThat(r.settled()).as("seed %d %s settled:%n%s", seed, replay, log).isTrue();
            assertThat(r.linearizability().isOk()).as("seed %d %s: %s", seed, replay, r.linearizability().summary())
                    .isTrue();
            assertThat(r.succeeded()).as("seed %d made progress", seed).isGreaterThan(100);
        }
    }

    /** Planted bug: a new member serves before it has pulled the group's data. The checker must see lost writes. */
    @org.junit.jupiter.api.Test
    void servingBeforeRecoveryIsCaught() {
        int violations = 0;
        for (long seed = 1; seed <= 10; seed++) {
            StoreSimulation.Result r = StoreSimulation.run("kv-crash", 10, seed,
                    CONFIG.withPlantedBugForTest(ReplicaConfig.PlantedBug.SERVE_BEFORE_RECOVERY), line -> { });
            if (!r.linearizability().isOk()) {
                violations++;
            }
        }
        assertThat(violations).as("seeds whose history the checker rejected").isGreaterThan(0);
    }

    /**
     * Planted bug: replicas change keys without revoking the near caches' read leases, so a node keeps serving a value
     * a completed write has replaced. The linearizability checker must reject such histories.
     */
    @org.junit.jupiter.api.Test
    void writesThatSkipLeaseRevocationAreCaught() {
        int violations = 0;
        for (long seed = 1; seed <= 10; seed++) {
            StoreSimulation.Result r = StoreSimulation.run("kv-nofault", 10, seed,
                    CONFIG.withPlantedBugForTest(ReplicaConfig.PlantedBug.SKIP_LEASE_REVOCATION), line -> { });
            if (!r.linearizability().isOk()) {
                violations++;
            }
        }
        assertThat(violations).as("seeds whose history the checker rejected").isGreaterThan(0);
    }
}
