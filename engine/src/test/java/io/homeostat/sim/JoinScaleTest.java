package io.homeostat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.RingConfig;
import org.junit.jupiter.api.Test;

/** 1,000 nodes join one by one; the ring converges and greedy routing meets Chord's O(log N) bound. */
class JoinScaleTest {

    @Test
    void thousandNodesJoinAndRouteInLogarithmicHops() {
        int n = 1_000;
        SimulationResult r = RingSimulation.run(Scenarios.byName("join", n), 1, RingConfig.defaults(),
                Trace.digestOnly(), line -> { });
        double log2 = Math.log(n) / Math.log(2);
        assertThat(r.ringConverged()).as("violations: %s", r.violations()).isTrue();
        assertThat(r.violations()).isEmpty();
        assertThat(r.liveNodes()).isEqualTo(n);
        assertThat(r.probeLookups()).isGreaterThanOrEqualTo(1_000);
        assertThat(r.meanHops()).isLessThanOrEqualTo(0.5 * log2 + 1);
        assertThat(r.p99Hops()).isLessThanOrEqualTo(log2 + 1);
        assertThat(r.lookupSuccessRate()).isGreaterThanOrEqualTo(0.99);
    }
}
