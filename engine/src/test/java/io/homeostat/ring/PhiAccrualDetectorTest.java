package io.homeostat.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.runtime.Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhiAccrualDetectorTest {

    private final Address a = Address.sim(1);
    private final Address b = Address.sim(2);

    @Test
    void regularHeartbeatsAreNotSuspected() {
        PhiAccrualDetector d = new PhiAccrualDetector(8.0, 100, 1_000, 1_000);
        d.monitorExactly(List.of(a), 0);
        for (long t = 500; t <= 60_000; t += 500) {
            d.heartbeat(a, t);
            assertThat(d.suspects(t + 499)).isEmpty();
        }
    }

    @Test
    void silenceIsSuspectedWithinABoundAndPhiGrows() {
        PhiAccrualDetector d = new PhiAccrualDetector(8.0, 100, 1_000, 1_000);
        d.monitorExactly(List.of(a, b), 0);
        long t = 0;
        for (; t <= 10_000; t += 500) {
            d.heartbeat(a, t);
            d.heartbeat(b, t);
        }
        long lastBeat = t - 500;
        double before = d.phi(a, lastBeat + 600);
        double after = d.phi(a, lastBeat + 1_600);
        assertThat(after).isGreaterThan(before);
        assertThat(d.suspects(lastBeat + 1_000)).isEmpty();
        assertThat(d.suspects(lastBeat + 3_000)).containsExactly(a, b);
    }

    @Test
    void unmonitoringForgetsAndNewEntriesStartTheirClockNow() {
        PhiAccrualDetector d = new PhiAccrualDetector(8.0, 100, 1_000, 1_000);
        d.monitorExactly(List.of(a), 0);
        d.monitorExactly(List.of(b), 50_000);
        assertThat(d.isMonitored(a)).isFalse();
        assertThat(d.phi(a, 60_000)).isZero();
        assertThat(d.suspects(50_500)).isEmpty();
        assertThat(d.suspects(60_000)).containsExactly(b);
    }
}
