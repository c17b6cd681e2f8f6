package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.RingConfig;
import io.homeostat.sim.RingSimulation;
import io.homeostat.sim.Scenarios;
import io.homeostat.sim.SimulationResult;
import io.homeostat.sim.Trace;
import org.junit.jupiter.api.Test;

/** A checker that cannot fail is worthless: break stabilization on purpose and the ring checker must say so. */
class RingCheckerSelfTest {

    @Test
    void brokenStabilizationIsCaught() {
        SimulationResult broken = RingSimulation.run(Scenarios.byName("join", 32), 5,
                RingConfig.defaults().withBrokenStabilizationForTest(), Trace.digestOnly(), line -> { });
        assertThat(broken.ringConverged()).isFalse();
        assertThat(broken.violations()).isNotEmpty();
        assertThat(broken.ok()).isFalse();
    }

    @Test
    void theSameRunWithoutThePlantedBugPasses() {
        SimulationResult healthy = RingSimulation.run(Scenarios.byName("join", 32), 5, RingConfig.defaults(),
                Trace.digestOnly(), line -> { });
        assertThat(healthy.ok()).as("%s", healthy.violations()).isTrue();
    }

    @Test
    void brokenStabilizationIsCaughtAfterAPartition() {
        SimulationResult broken = RingSimulation.run(Scenarios.byName("partition2", 32).withSafetyMillis(10_000), 5,
                RingConfig.defaults().withBrokenStabilizationForTest(), Trace.digestOnly(), line -> { });
        assertThat(broken.ringConverged()).isFalse();
        assertThat(broken.violations()).isNotEmpty();
    }
}
