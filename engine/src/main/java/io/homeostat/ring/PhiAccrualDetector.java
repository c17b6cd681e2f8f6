package io.homeostat.ring;

import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The phi-accrual failure detector (Hayashibara et al., "The phi accrual failure detector", SRDS 2004), driven by the
 * caller's clock so that it is deterministic in simulation.
 *
 * <p>For each monitored address it keeps an exponentially weighted mean and variance of heartbeat inter-arrival times.
 * {@code phi = -log10(P(silence this long | normal(mean + acceptablePause, max(sd, minSd))))}; an address is suspected
 * when phi exceeds the threshold. Any message from an address counts as a heartbeat. Not thread-safe: owned by one
 * protocol instance.
 */
final class PhiAccrualDetector {

    private static final double ALPHA = 0.125;

    private final double threshold;
    private final double minStdDeviationMillis;
    private final double acceptablePauseMillis;
    private final double firstIntervalEstimateMillis;
    private final Map<Address, Stats> monitored = new HashMap<>();

    PhiAccrualDetector(double threshold, long minStdDeviationMillis, long acceptablePauseMillis,
            long firstIntervalEstimateMillis) {
        this.threshold = threshold;
        this.minStdDeviationMillis = minStdDeviationMillis;
        this.acceptablePauseMillis = acceptablePauseMillis;
        this.firstIntervalEstimateMillis = firstIntervalEstimateMillis;
    }

    /** Makes the monitored set equal to {@code addresses}; new entries start their silence clock now. */
    void monitorExactly(Collection<Address> addresses, long nowMillis) {
        Set<Address> wanted = new HashSet<>(addresses);
        monitored.keySet().retainAll(wanted);
        for (Address a : addresses) {
            monitored.computeIfAbsent(a, k -> new Stats(nowMillis, firstIntervalEstimateMillis));
        }
    }

    /** Records that something arrived from {@code from}. Ignored for unmonitored addresses. */
    void heartbeat(Address from, long nowMillis) {
        Stats s = monitored.get(from);
        if (s == null) {
            return;
        }
        double interval = nowMillis - s.lastArrivalMillis;
        if (interval <= 0) {
            return;
        }
        s.lastArrivalMillis = nowMillis;
        double diff = interval - s.mean;
        s.mean += ALPHA * diff;
        s.variance = (1 - ALPHA) * (s.variance + ALPHA * diff * diff);
    }

    /** Phi of {@code address} now; 0 for unmonitored addresses. */
    double phi(Address address, long nowMillis) {
        Stats s = monitored.get(address);
        if (s == null) {
            return 0;
        }
        double silence = nowMillis - s.lastArrivalMillis;
        double mean = s.mean + acceptablePauseMillis;
        double sd = Math.max(Math.sqrt(s.variance), minStdDeviationMillis);
        double y = (silence - mean) / sd;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        if (silence > mean) {
            return -Math.log10(e / (1.0 + e));
        }
        return -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    /** The monitored addresses whose phi exceeds the threshold, in a deterministic order. */
    List<Address> suspects(long nowMillis) {
        List<Address> out = new ArrayList<>();
        for (Address a : monitored.keySet()) {
            if (phi(a, nowMillis) > threshold) {
                out.add(a);
            }
        }
        out.sort(null);
        return out;
    }

    boolean isMonitored(Address a) {
        return monitored.containsKey(a);
    }

    private static final class Stats {
        long lastArrivalMillis;
        double mean;
        double variance;

        Stats(long now, double firstEstimate) {
            lastArrivalMillis = now;
            mean = firstEstimate;
            double sd = firstEstimate / 4;
            variance = sd * sd;
        }
    }
}
