package io.homeostat.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scripted simulation: bootstrap, a safety phase with timed faults and a lookup workload, then a liveness phase that
 * heals the network and must see the ring converge within a bound.
 *
 * @param name                  the name used on the command line
 * @param nodes                 nodes at start
 * @param joinSpacingMillis     nodes start one by one, this far apart
 * @param settleMillis          quiet time after the last join, before the safety phase
 * @param faults                faults, at offsets from the start of the safety phase
 * @param safetyMillis          length of the safety phase
 * @param livenessBoundMillis   the ring must converge within this long after the heal
 * @param lookupIntervalMillis  one workload lookup this often during the safety phase
 * @param probeLookups          lookups after convergence that measure hops and must all be correct
 */
public record Scenario(String name, int nodes, long joinSpacingMillis, long settleMillis, List<TimedFault> faults,
        long safetyMillis, long livenessBoundMillis, long lookupIntervalMillis, int probeLookups) {

    /** A fault at {@code atMillis} after the start of the safety phase. */
    public record TimedFault(long atMillis, Fault fault) {
    }

    public Scenario {
        Objects.requireNonNull(name, "name");
        faults = List.copyOf(faults);
        if (nodes < 1) {
            throw new IllegalArgumentException("a scenario needs at least 1 node");
        }
        if (joinSpacingMillis < 0 || settleMillis < 0 || safetyMillis < 0 || livenessBoundMillis <= 0
                || lookupIntervalMillis <= 0 || probeLookups < 0) {
            throw new IllegalArgumentException("scenario durations must be >= 0 (bound and interval > 0)");
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public Scenario withNodes(int n) {
        return new Scenario(name, n, joinSpacingMillis, settleMillis, faults, safetyMillis, livenessBoundMillis,
                lookupIntervalMillis, probeLookups);
    }

    public Scenario withSafetyMillis(long millis) {
        return new Scenario(name, nodes, joinSpacingMillis, settleMillis, faults, millis, livenessBoundMillis,
                lookupIntervalMillis, probeLookups);
    }

    /** The scenario DSL. */
    public static final class Builder {
        private final String name;
        private int nodes = 64;
        private long joinSpacingMillis = 50;
        private long settleMillis = 15_000;
        private final List<TimedFault> faults = new ArrayList<>();
        private long safetyMillis = 30_000;
        private long livenessBoundMillis = 60_000;
        private long lookupIntervalMillis = 20;
        private int probeLookups = 500;

        private Builder(String name) {
            this.name = name;
        }

        public Builder nodes(int n) {
            this.nodes = n;
            return this;
        }

        public Builder joinSpacingMillis(long millis) {
            this.joinSpacingMillis = millis;
            return this;
        }

        public Builder settleMillis(long millis) {
            this.settleMillis = millis;
            return this;
        }

        public Builder at(long atMillis, Fault fault) {
            faults.add(new TimedFault(atMillis, fault));
            return this;
        }

        public Builder safetyMillis(long millis) {
            this.safetyMillis = millis;
            return this;
        }

        public Builder livenessBoundMillis(long millis) {
            this.livenessBoundMillis = millis;
            return this;
        }

        public Builder lookupIntervalMillis(long millis) {
            this.lookupIntervalMillis = millis;
            return this;
        }

        public Builder probeLookups(int count) {
            this.probeLookups = count;
            return this;
        }

        public Scenario build() {
            return new Scenario(name, nodes, joinSpacingMillis, settleMillis, faults, safetyMillis,
                    livenessBoundMillis, lookupIntervalMillis, probeLookups);
        }
    }
}
