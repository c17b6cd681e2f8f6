package io.homeostat.sim;

/**
 * A fault the scenario injects at a point of the safety phase. Node choices are drawn from the simulator's seeded
 * generator when the fault fires, so a seed fixes them.
 */
public sealed interface Fault {

    /** Crash-stops this fraction of the live nodes at once. */
    record CrashFraction(double fraction) implements Fault {
    }

    /** Restarts every crashed node with empty state (same address and ring id). */
    record RestartCrashed() implements Fault {
    }

    /** Splits all nodes at random into {@code groups} groups of near-equal size that cannot talk to each other. */
    record Partition(int groups) implements Fault {
    }

    /** Splits into two halves where the second half still reaches the first, but not the other way round. */
    record AsymmetricPartition() implements Fault {
    }

    /**
     * Picks {@code triples} disjoint random triples (a, b, c) and cuts a-c in both directions while a-b and b-c work: a
     * sees b, b sees c, a does not see c.
     */
    record NonTransitive(int triples) implements Fault {
    }

    /** Adds {@code extraMillis} of delay to every link touching a random {@code nodeFraction} of nodes, for a while. */
    record Clog(double nodeFraction, long extraMillis, long durationMillis) implements Fault {
    }

    /** Message loss, duplication and extra reordering on every link. */
    record Lossy(double lossRate, double duplicationRate, double reorderRate) implements Fault {
    }

    /**
     * Continuous churn: every {@code periodMillis} for {@code durationMillis}, one random action: a new node joins, a node
     * leaves gracefully, a node crashes, or a crashed node restarts. Never drops below half the initial nodes.
     */
    record Churn(long periodMillis, long durationMillis) implements Fault {
    }

    /** Removes every network fault (partitions, blocks, clogs, loss). */
    record HealNetwork() implements Fault {
    }
}
