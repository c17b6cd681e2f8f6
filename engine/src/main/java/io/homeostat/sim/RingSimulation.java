package io.homeostat.sim;

import io.homeostat.check.RingChecker;
import io.homeostat.ring.LookupCallback;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingListener;
import io.homeostat.ring.RingNode;
import io.homeostat.ring.RingView;
import io.homeostat.runtime.Address;
import io.homeostat.sim.Fault.AsymmetricPartition;
import io.homeostat.sim.Fault.Churn;
import io.homeostat.sim.Fault.Clog;
import io.homeostat.sim.Fault.CrashFraction;
import io.homeostat.sim.Fault.HealNetwork;
import io.homeostat.sim.Fault.Lossy;
import io.homeostat.sim.Fault.NonTransitive;
import io.homeostat.sim.Fault.Partition;
import io.homeostat.sim.Fault.RestartCrashed;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs one {@link Scenario} of the ring overlay under one seed: bootstrap, safety phase (faults plus a lookup
 * workload), liveness phase (heal, then the {@link RingChecker} must pass within the bound), and finally probe
 * lookups on the converged ring that measure hops and must all find the true owner.
 */
public final class RingSimulation {

    private static final long MICROS = 1_000;
    private static final long SECOND = 1_000_000;
    private static final long DRAIN_MILLIS = 30_000;

    private final Scenario scenario;
    private final RingConfig config;
    private final Simulator sim;
    private final Consumer<String> progress;

    private final TreeMap<RingId, Address> live = new TreeMap<>();
    private final Map<Address, RingId> idOf = new HashMap<>();
    private final List<Address> crashed = new ArrayList<>();
    private int nextIndex;

    private final List<Probe> workload = new ArrayList<>();
    private final List<Probe> probes = new ArrayList<>();

    private RingSimulation(Scenario scenario, long seed, RingConfig config, Trace trace, Consumer<String> progress) {
        this.scenario = scenario;
        this.config = config;
        this.sim = new Simulator(seed, trace);
        this.progress = progress;
    }

    /** Runs the scenario; {@code progress} receives human-readable lines (pass {@code s -> {}} for silence). */
    public static SimulationResult run(Scenario scenario, long seed, RingConfig config, Trace trace,
            Consumer<String> progress) {
        return new RingSimulation(scenario, seed, config, trace, progress).run();
    }

    private SimulationResult run() {
        int n = scenario.nodes();
        for (int i = 0; i < n; i++) {
            Address a = addNode();
            sim.at(i * scenario.joinSpacingMillis() * MICROS, () -> start(a));
        }
        long t0 = ((n - 1) * scenario.joinSpacingMillis() + scenario.settleMillis()) * MICROS;
        sim.runUntil(t0);
        say("bootstrap: %d nodes started", live.size());

        for (Scenario.TimedFault tf : scenario.faults()) {
            sim.at(t0 + tf.atMillis() * MICROS, () -> inject(tf.fault()));
        }
        long safetyEnd = t0 + scenario.safetyMillis() * MICROS;
        for (long t = t0; t < safetyEnd; t += scenario.lookupIntervalMillis() * MICROS) {
            sim.at(t, () -> lookupFromRandomNode(workload));
        }
        sim.runUntil(safetyEnd);
        say("safety phase over: %d live nodes, %d workload lookups issued", live.size(), workload.size());

        sim.network().healAll();
        say("liveness phase: network healed; waiting up to %ds for one correct ring",
                scenario.livenessBoundMillis() / 1000);
        boolean converged = sim.runUntil(() -> RingChecker.check(ringNodes(), 1).isEmpty(), SECOND,
                safetyEnd + scenario.livenessBoundMillis() * MICROS);
        double convergence = (sim.nowMicros() - safetyEnd) / (double) SECOND;
        List<String> violations = new ArrayList<>();
        if (converged) {
            say("ring converged %.1fs after heal", convergence);
            runProbes(violations);
        } else {
            violations.addAll(RingChecker.check(ringNodes(), 20));
            say("ring did NOT converge within the bound: %s", violations.get(0));
        }
        // let the workload's retries finish so every lookup has an outcome
        sim.runUntil(() -> workload.stream().allMatch(p -> p.done || !isLive(p.origin)), SECOND,
                sim.nowMicros() + DRAIN_MILLIS * MICROS);
        return result(converged, convergence, violations);
    }

    private void runProbes(List<String> violations) {
        long start = sim.nowMicros();
        for (int i = 0; i < scenario.probeLookups(); i++) {
            sim.at(start + i * 2 * MICROS, () -> lookupFromRandomNode(probes));
        }
        sim.runUntil(start + (scenario.probeLookups() * 2L + 1) * MICROS);
        sim.runUntil(() -> probes.stream().allMatch(p -> p.done), SECOND, sim.nowMicros() + DRAIN_MILLIS * MICROS);
        for (Probe p : probes) {
            if (!p.answered) {
                violations.add("probe lookup of " + p.key + " from " + p.origin + " got no answer on a converged ring");
            } else if (!p.exact) {
                violations.add("probe lookup of " + p.key + " from " + p.origin + " answered " + p.responsible
                        + " on a converged ring");
            }
        }
    }

    private SimulationResult result(boolean converged, double convergence, List<String> violations) {
        long issued = 0;
        long answered = 0;
        long exact = 0;
        for (Probe p : workload) {
            if (p.done && !p.abandoned) {
                issued++;
                if (p.answered) {
                    answered++;
                    if (p.exact) {
                        exact++;
                    }
                }
            }
        }
        int[] hops = probes.stream().filter(p -> p.answered).mapToInt(p -> p.hops).sorted().toArray();
        double mean = hops.length == 0 ? Double.NaN : Arrays.stream(hops).average().orElse(Double.NaN);
        double p99 = hops.length == 0 ? Double.NaN : hops[(int) Math.ceil(0.99 * hops.length) - 1];
        double seconds = sim.nowMicros() / (double) SECOND;
        return new SimulationResult(scenario.name(), sim.seed(), scenario.nodes(), live.size(), seconds,
                sim.eventsProcessed(), sim.trace().digest(), mean, p99, converged, converged ? convergence : -1,
                violations, issued, answered, exact, probes.size(), sim.messagesSent(),
                sim.messagesSent() / (scenario.nodes() * seconds));
    }

    // ------------------------------------------------------------------ membership

    private Address addNode() {
        Address a = Address.sim(nextIndex++);
        RingId id = RingId.random(sim.random());
        idOf.put(a, id);
        sim.addNode(a, () -> new RingNode(id, a, config, RingListener.NONE));
        return a;
    }

    private void start(Address a) {
        sim.start(a);
        live.put(idOf.get(a), a);
        crashed.remove(a);
    }

    private void crash(Address a) {
        sim.crash(a);
        live.remove(idOf.get(a));
        crashed.add(a);
    }

    private void leave(Address a) {
        live.remove(idOf.get(a)); // first: lookups the leaver fails on its way out are abandoned, not overlay failures
        ring(a).leave(sim.node(a));
        sim.crash(a);
    }

    private boolean isLive(Address a) {
        return live.containsKey(idOf.get(a));
    }

    private RingNode ring(Address a) {
        return (RingNode) sim.node(a).protocol();
    }

    private List<RingView> ringNodes() {
        List<RingView> out = new ArrayList<>(live.size());
        for (Address a : live.values()) {
            out.add(ring(a).view());
        }
        return out;
    }

    private Address randomLive() {
        int i = sim.random().nextInt(live.size());
        for (Address a : live.values()) {
            if (i-- == 0) {
                return a;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private List<Address> shuffledLive() {
        List<Address> all = new ArrayList<>(live.values());
        for (int i = all.size() - 1; i > 0; i--) {
            int j = sim.random().nextInt(i + 1);
            Address t = all.get(i);
            all.set(i, all.get(j));
            all.set(j, t);
        }
        return all;
    }

    // ------------------------------------------------------------------ faults

    private void inject(Fault fault) {
        SimNetwork net = sim.network();
        if (fault instanceof CrashFraction c) {
            List<Address> victims = shuffledLive().subList(0, (int) Math.round(live.size() * c.fraction()));
            victims.forEach(this::crash);
            say("fault: crashed %d nodes", victims.size());
        } else if (fault instanceof RestartCrashed) {
            List<Address> back = new ArrayList<>(crashed);
            back.forEach(this::start);
            say("fault: restarted %d nodes", back.size());
        } else if (fault instanceof Partition p) {
            Map<Address, Integer> groups = new HashMap<>();
            List<Address> all = new ArrayList<>(sim.membership());
            for (int i = 0; i < all.size(); i++) {
                groups.put(all.get(i), sim.random().nextInt(p.groups()));
            }
            net.partition(groups);
            say("fault: partitioned into %d groups", p.groups());
        } else if (fault instanceof AsymmetricPartition) {
            Map<Address, Integer> groups = new HashMap<>();
            List<Address> all = shuffledLive();
            for (int i = 0; i < all.size(); i++) {
                groups.put(all.get(i), i < all.size() / 2 ? 0 : 1);
            }
            net.partition(groups);
            net.openGroupLink(1, 0);
            say("fault: asymmetric partition (second half reaches the first, not back)");
        } else if (fault instanceof NonTransitive nt) {
            List<Address> all = shuffledLive();
            int triples = Math.min(nt.triples(), all.size() / 3);
            for (int t = 0; t < triples; t++) {
                Address a = all.get(3 * t);
                Address c = all.get(3 * t + 2);
                net.block(a, c);
                net.block(c, a);
            }
            say("fault: %d non-transitive triples (a-b, b-c up; a-c cut)", triples);
        } else if (fault instanceof Clog c) {
            List<Address> all = shuffledLive();
            int k = (int) Math.round(all.size() * c.nodeFraction());
            long until = sim.nowMicros() + c.durationMillis() * MICROS;
            for (Address x : all.subList(0, k)) {
                for (Address y : all) {
                    if (!x.equals(y)) {
                        net.clog(x, y, c.extraMillis() * MICROS, until);
                        net.clog(y, x, c.extraMillis() * MICROS, until);
                    }
                }
            }
            say("fault: clogged links of %d nodes (+%dms for %dms)", k, c.extraMillis(), c.durationMillis());
        } else if (fault instanceof Lossy l) {
            net.loss(l.lossRate()).duplication(l.duplicationRate()).reordering(l.reorderRate(), 20_000);
            say("fault: loss %.3f, duplication %.3f, reordering %.3f", l.lossRate(), l.duplicationRate(),
                    l.reorderRate());
        } else if (fault instanceof Churn ch) {
            long end = sim.nowMicros() + ch.durationMillis() * MICROS;
            for (long t = sim.nowMicros(); t < end; t += ch.periodMillis() * MICROS) {
                sim.at(t, this::churnOnce);
            }
            say("fault: churn every %dms for %dms", ch.periodMillis(), ch.durationMillis());
        } else if (fault instanceof HealNetwork) {
            net.healAll();
            say("fault: network healed");
        }
    }

    private void churnOnce() {
        double r = sim.random().nextDouble();
        boolean canShrink = live.size() > Math.max(2, scenario.nodes() / 2);
        if (r < 0.35 || (!canShrink && crashed.isEmpty())) {
            start(addNode());
        } else if (r < 0.55 && canShrink) {
            leave(randomLive());
        } else if (r < 0.80 && canShrink) {
            crash(randomLive());
        } else if (!crashed.isEmpty()) {
            start(crashed.get(sim.random().nextInt(crashed.size())));
        } else {
            start(addNode());
        }
    }

    // ------------------------------------------------------------------ lookups

    private void lookupFromRandomNode(List<Probe> into) {
        if (live.isEmpty()) {
            return;
        }
        Address origin = randomLive();
        RingId key = RingId.random(sim.random());
        Probe p = new Probe(origin, key);
        into.add(p);
        ring(origin).lookup(sim.node(origin), key, p);
    }

    private Address owner(RingId key) {
        Entry<RingId, Address> e = live.ceilingEntry(key);
        return (e != null ? e : live.firstEntry()).getValue();
    }

    /** One lookup and its outcome. */
    private final class Probe implements LookupCallback {
        final Address origin;
        final RingId key;
        boolean done;
        boolean answered;
        boolean exact;
        boolean abandoned;
        int hops;
        NodeRef responsible;

        Probe(Address origin, RingId key) {
            this.origin = origin;
            this.key = key;
        }

        @Override
        public void found(RingId k, NodeRef r, int h) {
            done = true;
            answered = true;
            hops = h;
            responsible = r;
            exact = r.address().equals(owner(k));
        }

        @Override
        public void failed(RingId k) {
            done = true;
            abandoned = !isLive(origin);
        }
    }

    private void say(String format, Object... args) {
        progress.accept(String.format("[%8.1fs] %s", sim.nowMicros() / (double) SECOND, String.format(format, args)));
    }
}
