package io.homeostat.sim;

import io.homeostat.runtime.Address;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network: latency, loss, duplication, reordering, partitions (symmetric, asymmetric, non-transitive) and
 * clogged links. All randomness comes from the simulator's seeded generator, so a seed fixes every delivery.
 *
 * <p>Latency is {@code minLatencyMicros} plus an exponentially distributed jitter of mean {@code meanJitterMicros};
 * random latency already reorders messages, and {@code reorderRate} adds a further delay of up to
 * {@code reorderExtraMicros} to that fraction of messages.
 */
public final class SimNetwork {

    private long minLatencyMicros = 500;
    private long meanJitterMicros = 1_500;
    private double lossRate;
    private double duplicateRate;
    private double reorderRate;
    private long reorderExtraMicros = 20_000;

    /** Partition group per address; addresses absent from the map are in group 0. Empty map: no partition. */
    private final Map<Address, Integer> groups = new HashMap<>();
    /** Directed links that drop everything (asymmetric and non-transitive faults). */
    private final Set<Link> blocked = new HashSet<>();
    /** Pairs of groups that may talk despite the partition, directed: from-group * 65536 + to-group. */
    private final Set<Integer> openGroupLinks = new HashSet<>();
    /** Extra delay on clogged links, and until when (virtual micros). */
    private final Map<Link, long[]> clogs = new HashMap<>();

    public SimNetwork latency(long minMicros, long meanJitterMicros) {
        if (minMicros < 1 || meanJitterMicros < 0) {
            throw new IllegalArgumentException("latency must be >= 1 us and jitter >= 0");
        }
        this.minLatencyMicros = minMicros;
        this.meanJitterMicros = meanJitterMicros;
        return this;
    }

    public SimNetwork loss(double rate) {
        this.lossRate = probability(rate, "loss");
        return this;
    }

    public SimNetwork duplication(double rate) {
        this.duplicateRate = probability(rate, "duplication");
        return this;
    }

    public SimNetwork reordering(double rate, long extraMicros) {
        this.reorderRate = probability(rate, "reordering");
        this.reorderExtraMicros = Math.max(1, extraMicros);
        return this;
    }

    /** Splits the nodes into groups; messages cross groups only where {@link #openGroupLink} allows. */
    public void partition(Map<Address, Integer> groupOf) {
        groups.clear();
        groups.putAll(groupOf);
        openGroupLinks.clear();
    }

    /** Lets group {@code from} send to group {@code to} during a partition (asymmetric partitions, bridges). */
    public void openGroupLink(int from, int to) {
        openGroupLinks.add(from * 65_536 + to);
    }

    /** Drops everything sent on this directed link. */
    public void block(Address from, Address to) {
        blocked.add(new Link(from, to));
    }

    /** Delays everything on this directed link by {@code extraMicros} until {@code untilMicros}. */
    public void clog(Address from, Address to, long extraMicros, long untilMicros) {
        clogs.put(new Link(from, to), new long[] {extraMicros, untilMicros});
    }

    /** Removes every partition, block, clog, loss, duplication and extra reordering. Latency stays. */
    public void healAll() {
        groups.clear();
        openGroupLinks.clear();
        blocked.clear();
        clogs.clear();
        lossRate = 0;
        duplicateRate = 0;
        reorderRate = 0;
    }

    public boolean isPartitioned() {
        return !groups.isEmpty() || !blocked.isEmpty();
    }

    /** True if the fault model lets a message travel from {@code from} to {@code to}. */
    public boolean reachable(Address from, Address to) {
        if (!groups.isEmpty()) {
            int gf = groups.getOrDefault(from, 0);
            int gt = groups.getOrDefault(to, 0);
            if (gf != gt && !openGroupLinks.contains(gf * 65_536 + gt)) {
                return false;
            }
        }
        return blocked.isEmpty() || !blocked.contains(new Link(from, to));
    }

    /**
     * The delivery delays for one message: empty if lost, two entries if duplicated. Consumes randomness in a fixed
     * order so runs are reproducible.
     */
    long[] delaysMicros(Address from, Address to, long nowMicros, SplittableRandom random) {
        if (!reachable(from, to)) {
            return NONE;
        }
        if (lossRate > 0 && random.nextDouble() < lossRate) {
            return NONE;
        }
        long extra = 0;
        if (!clogs.isEmpty()) {
            long[] c = clogs.get(new Link(from, to));
            if (c != null && nowMicros < c[1]) {
                extra = c[0];
            }
        }
        long first = sample(random) + extra;
        if (duplicateRate > 0 && random.nextDouble() < duplicateRate) {
            return new long[] {first, sample(random) + extra};
        }
        return new long[] {first};
    }

    private long sample(SplittableRandom random) {
        long d = minLatencyMicros;
        if (meanJitterMicros > 0) {
            d += (long) (-Math.log(1.0 - random.nextDouble()) * meanJitterMicros);
        }
        if (reorderRate > 0 && random.nextDouble() < reorderRate) {
            d += random.nextLong(reorderExtraMicros);
        }
        return d;
    }

    private static final long[] NONE = new long[0];

    private static double probability(double p, String what) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(what + " rate must be in [0, 1], was " + p);
        }
        return p;
    }
}
