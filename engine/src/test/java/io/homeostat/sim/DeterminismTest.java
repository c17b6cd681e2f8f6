package io.homeostat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.RingConfig;
import org.junit.jupiter.api.Test;

/** One seed, one history: the whole event trace must be byte-identical across runs. */
class DeterminismTest {

    private static final Scenario SHORT_CHURN = Scenarios.byName("churn", 24).withSafetyMillis(8_000);

    private static String traceOf(Scenario s, long seed) {
        StringBuilder text = new StringBuilder();
        RingSimulation.run(s, seed, RingConfig.defaults(), Trace.withText(text), line -> { });
        return text.toString();
    }

    @Test
    void sameSeedGivesByteIdenticalTraces() {
        String first = traceOf(SHORT_CHURN, 42);
        String second = traceOf(SHORT_CHURN, 42);
        assertThat(first.lines().count()).isGreaterThan(10_000);
        assertThat(second).isEqualTo(first);
    }

    @Test
    void sameSeedGivesTheSameDigestAndResult() {
        Scenario s = Scenarios.byName("partition2", 32).withSafetyMillis(10_000);
        SimulationResult a = RingSimulation.run(s, 7, RingConfig.defaults(), Trace.digestOnly(), line -> { });
        SimulationResult b = RingSimulation.run(s, 7, RingConfig.defaults(), Trace.digestOnly(), line -> { });
        assertThat(b.traceDigest()).isEqualTo(a.traceDigest());
        assertThat(b.toJson()).isEqualTo(a.toJson());
    }

    @Test
    void differentSeedsGiveDifferentTraces() {
        String a = traceOf(SHORT_CHURN, 1);
        String b = traceOf(SHORT_CHURN, 2);
        assertThat(a).isNotEqualTo(b);
        Scenario s = Scenarios.byName("crash30", 16).withSafetyMillis(5_000);
        assertThat(RingSimulation.run(s, 1, RingConfig.defaults(), Trace.digestOnly(), line -> { }).traceDigest())
                .isNotEqualTo(RingSimulation.run(s, 2, RingConfig.defaults(), Trace.digestOnly(), l -> { })
                        .traceDigest());
    }

    @Test
    void textTraceAndDigestOnlyRunsAgree() {
        Scenario s = Scenarios.byName("crash30", 16).withSafetyMillis(5_000);
        StringBuilder text = new StringBuilder();
        SimulationResult withText = RingSimulation.run(s, 3, RingConfig.defaults(), Trace.withText(text), l -> { });
        SimulationResult digestOnly = RingSimulation.run(s, 3, RingConfig.defaults(), Trace.digestOnly(), l -> { });
        assertThat(withText.traceDigest()).isEqualTo(digestOnly.traceDigest());
    }
}
