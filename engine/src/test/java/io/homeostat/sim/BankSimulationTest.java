package io.homeostat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Paxos Commit keeps the bank's total: transfers between accounts commit atomically and every committed audit sees the
 * initial total with no negative balance, without faults, under a partition, and with crashes of replicas and
 * transaction managers (replicas left holding locks finish the transaction in the manager's place). Under heavy churn
 * some seeds still fail to commit a final audit (liveness, not safety); that scenario is not in this suite yet.
 */
class BankSimulationTest {

    private static final ReplicaConfig CONFIG = ReplicaConfig.defaults().withGroupsLog2(4);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"txn-nofault", "txn-loss", "txn-partition", "txn-crash"})
    void theTotalIsConserved(String scenario) {
        for (long seed = 1; seed <= Integer.getInteger("homeostat.txn.seeds", 125); seed++) {
            StringBuilder log = new StringBuilder();
            StoreSimulation.Result r = StoreSimulation.run(scenario, 10, seed, CONFIG,
                    l -> log.append(l).append('\n'));
            assertThat(r.bank().check().ok()).as("seed %d: %s", seed, r.bank().check()).isTrue();
            assertThat(r.bank().audits()).as("seed %d audits committed%n%s", seed, log).isPositive();
            assertThat(r.bank().committed()).as("seed %d transfers committed", seed).isPositive();
            assertThat(r.linearizability().isOk()).isTrue();
        }
    }

    /** Planted bug: replicas vote prepared without validating what the transaction read. Money appears or vanishes. */
    @Test
    void skippingVersionValidationIsCaught() {
        int caught = 0;
        for (long seed = 1; seed <= 5; seed++) {
            StoreSimulation.Result r = StoreSimulation.run("txn-nofault", 10, seed,
                    CONFIG.withPlantedBugForTest(ReplicaConfig.PlantedBug.SKIP_VERSION_VALIDATION), l -> { });
            if (!r.bank().check().ok()) {
                caught++;
            }
        }
        assertThat(caught).as("seeds whose audits the bank checker rejected").isPositive();
    }

    /** Planted bug: an item counts as prepared with one replica's vote. Conflicting transfers both commit. */
    @Test
    void committingOnAMinorityIsCaught() {
        int caught = 0;
        for (long seed = 1; seed <= 5; seed++) {
            StoreSimulation.Result r = StoreSimulation.run("txn-partition", 10, seed,
                    CONFIG.withPlantedBugForTest(ReplicaConfig.PlantedBug.MINORITY_COMMIT), l -> { });
            if (!r.bank().check().ok()) {
                caught++;
            }
        }
        assertThat(caught).as("seeds whose audits the bank checker rejected").isPositive();
    }
}
