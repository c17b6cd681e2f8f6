package io.homeostat.bench;

import io.homeostat.check.RingChecker;
import io.homeostat.ring.LookupCallback;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingListener;
import io.homeostat.ring.RingNode;
import io.homeostat.ring.RingView;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.WallClock;
import io.homeostat.sim.Json;
import io.homeostat.sim.Simulator;
import io.homeostat.sim.Trace;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Whole-cluster benchmark of the ring overlay on the deterministic simulator (not JMH: one measurement is one long
 * single-threaded simulation).
 *
 * <pre>
 * RingBenchmark [--nodes N] [--seed S] [--join-spacing-ms MS] [--quiet-seconds T] [--probes P]
 *               [--converge-bound-seconds B]
 * </pre>
 *
 * Phases: (1) bootstrap: node i is added and started at i * join-spacing (the discovery service knows only the nodes
 * started so far); (2) run until {@link RingChecker} reports one correct ring (successor lists, predecessors, every
 * finger), checked once per simulated second; (3) a quiet window with no lookups, over which maintenance traffic is
 * counted by message type; (4) probe lookups from random nodes for random keys, measuring hops and checking each answer
 * against the true owner. Prints human-readable lines, then one JSON object as the last line. Exit status 0 when the
 * ring converged and every probe found the true owner, 1 otherwise, 2 on a usage error.
 */
public final class RingBenchmark {

    private static final long SECOND = 1_000_000;

    private final int nodes;
    private final long seed;
    private final long joinSpacingMillis;
    private final long quietSeconds;
    private final int probeCount;
    private final long convergeBoundSeconds;

    private final Simulator sim;
    private final RingConfig config = RingConfig.defaults();
    private final TreeMap<RingId, Address> ring = new TreeMap<>();
    private final List<RingNode> started = new ArrayList<>();
    private final long wallStart = WallClock.nanos();
    private long checkerNanos;

    private RingBenchmark(int nodes, long seed, long joinSpacingMillis, long quietSeconds, int probeCount,
            long convergeBoundSeconds) {
        this.nodes = nodes;
        this.seed = seed;
        this.joinSpacingMillis = joinSpacingMillis;
        this.quietSeconds = quietSeconds;
        this.probeCount = probeCount;
        this.convergeBoundSeconds = convergeBoundSeconds;
        this.sim = new Simulator(seed, Trace.digestOnly());
    }

    public static void main(String[] args) {
        RingBenchmark b;
        try {
            b = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ring benchmark: " + e.getMessage());
            System.err.println("usage: RingBenchmark [--nodes N] [--seed S] [--join-spacing-ms MS] "
                    + "[--quiet-seconds T] [--probes P] [--converge-bound-seconds B]");
            System.exit(2);
            return;
        }
        System.exit(b.run() ? 0 : 1);
    }

    private boolean run() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nodes", nodes);
        out.put("seed", seed);

        // (1) bootstrap: each node joins through a random node among those already started
        say("bootstrap: %d nodes, one every %d ms (%.1f simulated s)", nodes, joinSpacingMillis,
                (nodes - 1) * joinSpacingMillis / 1000.0);
        for (int i = 0; i < nodes; i++) {
            int index = i;
            sim.at(i * joinSpacingMillis * 1_000, () -> startNode(index));
        }
        long lastJoin = (nodes - 1) * joinSpacingMillis * 1_000;
        long phase = WallClock.nanos();
        sim.runUntil(lastJoin);
        say("bootstrap done: %d nodes started, %s", started.size(), rate(phase, sim.eventsProcessed()));

        // (2) convergence: one correct ring, fingers included
        phase = WallClock.nanos();
        long events = sim.eventsProcessed();
        boolean converged = sim.runUntil(this::ringCorrect, SECOND, lastJoin + convergeBoundSeconds * SECOND);
        double convergence = (sim.nowMicros() - lastJoin) / (double) SECOND;
        say(converged ? "ring converged %.1f simulated s after the last join (%.1f s after the first), %s"
                : "ring did NOT converge within %.1f s of the last join (%.1f s after the first), %s",
                convergence, sim.nowMicros() / (double) SECOND, rate(phase, sim.eventsProcessed() - events));
        if (!converged) {
            RingChecker.check(views(), 3).forEach(v -> say("  violation: %s", v));
        }

        // (3) quiet window: maintenance traffic only
        phase = WallClock.nanos();
        events = sim.eventsProcessed();
        Map<String, Long> before = sim.messagesByType();
        sim.runUntil(sim.nowMicros() + quietSeconds * SECOND);
        Map<String, Double> byType = new TreeMap<>();
        double total = 0;
        for (Map.Entry<String, Long> e : sim.messagesByType().entrySet()) {
            double perNodeSecond = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / (double) nodes
                    / quietSeconds;
            if (perNodeSecond > 0) {
                byType.put(e.getKey(), perNodeSecond);
                total += perNodeSecond;
            }
        }
        boolean stillCorrect = ringCorrect();
        say("quiet window: %d simulated s, %.2f maintenance messages per node per second, ring still correct: %s, %s",
                quietSeconds, total, stillCorrect, rate(phase, sim.eventsProcessed() - events));
        byType.forEach((k, v) -> say("  %-16s %8.2f /node/s", k, v));

        // (4) probe lookups on the converged ring
        phase = WallClock.nanos();
        events = sim.eventsProcessed();
        List<Probe> probes = new ArrayList<>(probeCount);
        long t = sim.nowMicros();
        for (int i = 0; i < probeCount; i++) {
            sim.at(t + i * 2L, () -> probes.add(probe()));
        }
        sim.runUntil(t + probeCount * 2L + 1);
        sim.runUntil(() -> probes.stream().allMatch(p -> p.done), SECOND, sim.nowMicros() + 30 * SECOND);
        int[] hops = probes.stream().filter(p -> p.exact).mapToInt(p -> p.hops).sorted().toArray();
        long failed = probes.stream().filter(p -> !p.answered).count();
        long wrong = probes.stream().filter(p -> p.answered && !p.exact).count();
        double mean = Arrays.stream(hops).average().orElse(Double.NaN);
        double chord = 0.5 * Math.log(nodes) / Math.log(2);
        say("lookups: %d probes, %d unanswered, %d wrong owner; hops mean %.3f p50 %d p99 %d max %d; "
                + "Chord 1/2 log2 N = %.3f, ratio %.3f; %s", probeCount, failed, wrong, mean, pct(hops, 0.50),
                pct(hops, 0.99), pct(hops, 1.0), chord, mean / chord, rate(phase, sim.eventsProcessed() - events));

        double wall = (WallClock.nanos() - wallStart) / 1e9;
        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        double gc = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(ms -> ms > 0).sum() / 1000.0;
        System.gc(); // the simulation is still reachable: what remains is its live set
        long live = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        say("total: %d events in %.1f wall s = %.0f events/wall s (%.0f excluding %.1f s of ring checks); "
                + "GC %.1f s; heap used %d MB (%d MB live after a full GC)", sim.eventsProcessed(), wall,
                sim.eventsProcessed() / wall, sim.eventsProcessed() / (wall - checkerNanos / 1e9), checkerNanos / 1e9,
                gc, heap >> 20, live >> 20);

        out.put("simulatedSeconds", sim.nowMicros() / (double) SECOND);
        out.put("joinSpacingMillis", joinSpacingMillis);
        out.put("converged", converged);
        out.put("convergenceSeconds", converged ? convergence : Double.NaN);
        out.put("meanHops", mean);
        out.put("p50Hops", pct(hops, 0.50));
        out.put("p99Hops", pct(hops, 0.99));
        out.put("maxHops", pct(hops, 1.0));
        out.put("chordExpectedHops", chord);
        out.put("hopsRatio", mean / chord);
        out.put("probeLookups", probeCount);
        out.put("probesUnanswered", failed);
        out.put("probesWrongOwner", wrong);
        out.put("quietSeconds", quietSeconds);
        out.put("ringCorrectAfterQuiet", stillCorrect);
        out.put("maintenanceMessagesPerNodePerSecond", total);
        out.put("maintenanceByType", byType);
        out.put("events", sim.eventsProcessed());
        out.put("wallSeconds", wall);
        out.put("eventsPerWallSecond", sim.eventsProcessed() / wall);
        out.put("checkerWallSeconds", checkerNanos / 1e9);
        out.put("gcSeconds", gc);
        out.put("heapMb", heap >> 20);
        out.put("liveHeapMbAfterGc", live >> 20);
        out.put("traceDigest", sim.trace().digest());
        System.out.println(Json.object(out));
        return converged && stillCorrect && failed == 0 && wrong == 0;
    }

    /** Adds node {@code index} and starts it: adding it now makes discovery offer only nodes already running. */
    private void startNode(int index) {
        Address a = Address.sim(index);
        RingId id = RingId.random(sim.random());
        sim.addNode(a, () -> new RingNode(id, a, config, RingListener.NONE));
        sim.start(a);
        ring.put(id, a);
        started.add((RingNode) sim.node(a).protocol());
    }

    private boolean ringCorrect() {
        long t0 = WallClock.nanos();
        boolean ok = RingChecker.check(views(), 1).isEmpty();
        checkerNanos += WallClock.nanos() - t0;
        return ok;
    }

    private List<RingView> views() {
        List<RingView> out = new ArrayList<>(started.size());
        started.forEach(n -> out.add(n.view()));
        return out;
    }

    private Probe probe() {
        RingNode origin = started.get(sim.random().nextInt(started.size()));
        Probe p = new Probe();
        origin.lookup(sim.node(origin.self().address()), RingId.random(sim.random()), p);
        return p;
    }

    /** One probe lookup and its outcome. */
    private final class Probe implements LookupCallback {
        boolean done;
        boolean answered;
        boolean exact;
        int hops;

        @Override
        public void found(RingId key, NodeRef responsible, int h) {
            done = true;
            answered = true;
            hops = h;
            Map.Entry<RingId, Address> owner = ring.ceilingEntry(key);
            exact = responsible.address().equals((owner != null ? owner : ring.firstEntry()).getValue());
        }

        @Override
        public void failed(RingId key) {
            done = true;
        }
    }

    /** Nearest-rank percentile of sorted values; -1 when empty. */
    private static int pct(int[] sorted, double q) {
        return sorted.length == 0 ? -1 : sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private String rate(long sinceNanos, long events) {
        double s = (WallClock.nanos() - sinceNanos) / 1e9;
        return String.format(Locale.ROOT, "%d events in %.1f wall s (%.0f/s)", events, s, events / Math.max(s, 1e-9));
    }

    private void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[sim %7.1fs | wall %6.1fs] %s%n", sim.nowMicros() / (double) SECOND,
                (WallClock.nanos() - wallStart) / 1e9, String.format(Locale.ROOT, format, args));
    }

    private static RingBenchmark parse(String[] args) {
        long n = 10_000;
        long seed = 1;
        long spacing = 5;
        long quiet = 30;
        long probes = -1;
        long bound = 600;
        for (int i = 0; i < args.length; i += 2) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            long v;
            try {
                v = Long.parseLong(args[i + 1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + " takes a whole number, got '" + args[i + 1] + "'");
            }
            switch (a) {
                case "--nodes" -> n = range(a, v, 1, 1_000_000);
                case "--seed" -> seed = v;
                case "--join-spacing-ms" -> spacing = range(a, v, 0, 60_000);
                case "--quiet-seconds" -> quiet = range(a, v, 1, 86_400);
                case "--probes" -> probes = range(a, v, 0, 10_000_000);
                case "--converge-bound-seconds" -> bound = range(a, v, 1, 86_400);
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        return new RingBenchmark((int) n, seed, spacing, quiet, (int) (probes >= 0 ? probes : Math.max(1_000, 2 * n)),
                bound);
    }

    private static long range(String option, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }
}
