package io.homeostat.sim;

import io.homeostat.check.LinearizabilityChecker;
import io.homeostat.check.ListAppendChecker;
import io.homeostat.check.LinearizabilityResult;
import io.homeostat.check.Operation;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.GroupView;
import io.homeostat.replica.Placement;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.replica.TransactionManager;
import io.homeostat.replica.TransactionManager.TxItem;
import io.homeostat.replica.TxnMessage;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.MemoryStorage;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs the replicated store under one seed: bootstrap from a founder, a safety phase where clients read and write a
 * small set of keys while faults are injected, a liveness phase (heal, drain, read every key), and then the
 * linearizability checker over the whole recorded history. Failed writes count as "may have happened".
 */
public final class StoreSimulation {

    private static final long MS = 1_000;
    private static final long SECOND = 1_000_000;
    private static final int COLD_KEYS = 32;
    /** A leaving node that has not handed off its replicas by then is stopped anyway (counted). */
    private static final long LEAVE_TIMEOUT_SECONDS = 15;

    /** The store scenarios. */
    public static final List<String> SCENARIOS = List.of("kv-nofault", "kv-loss", "kv-crash", "kv-partition",
            "kv-churn", "txn-nofault", "txn-loss", "txn-crash", "txn-tm-failover", "txn-partition", "txn-churn");

    /** What a run observed. */
    /**
     * What a run observed. The transaction workloads ({@code bank}, {@code cycle}, {@code listAppend}) are null in the
     * key-value scenarios. {@code undecided} counts the locks still held and the transactions still undecided at the
     * end, after the liveness phase: it must be 0. {@code acceptorInstances} counts the Paxos Commit acceptor instances
     * live nodes still keep at the end for the groups they serve (the state of decided transactions is dropped once
     * every lock is gone; a removed member's copy goes with its data when that data's retention ends).
     */
    public record Result(String scenario, long seed, int nodes, long operations, long succeeded, long failed,
            long unknown, double simulatedSeconds, String traceDigest, LinearizabilityResult linearizability,
            boolean settled, BankWorkload.Outcome bank, CycleWorkload.Outcome cycle,
            ListAppendChecker.Result listAppend, long listAppendCommitted, long listAppendAborted, long undecided,
            long lostAcknowledgedWrites, long acceptorInstances, Map<String, Integer> faults) {

        public Result {
            faults = Map.copyOf(faults);
        }

        /** Every checker passed: nothing unsafe happened (liveness aside). */
        public boolean safe() {
            return linearizability.isOk() && (bank == null || bank.check().ok())
                    && (cycle == null || cycle.firstViolation() == null) && (listAppend == null || listAppend.ok())
                    && lostAcknowledgedWrites == 0;
        }

        /** Safe, and live: groups settled, every workload's final audit committed, nothing left undecided. */
        public boolean ok() {
            return safe() && settled && (bank == null || bank.ok()) && (cycle == null || cycle.ok())
                    && undecided == 0;
        }

        /** The transactions committed (transaction workloads) or the operations that succeeded (key-value). */
        public long committed() {
            return bank == null ? succeeded : bank.committed() + cycle.committed() + listAppendCommitted;
        }

        public long aborted() {
            return bank == null ? 0 : bank.aborted() + cycle.aborted() + listAppendAborted;
        }

        /** The first violation, or the first liveness failure, in one line; empty when ok. */
        public String problem() {
            if (!linearizability.isOk()) {
                return "VIOLATION: " + linearizability.summary().lines().findFirst().orElse("");
            }
            if (bank != null && !bank.check().ok()) {
                return "VIOLATION: " + bank.check().describe();
            }
            if (cycle != null && cycle.firstViolation() != null) {
                return "VIOLATION: " + cycle.describe();
            }
            if (listAppend != null && !listAppend.ok()) {
                return "VIOLATION: " + listAppend.describe().lines().limit(3).reduce((a, b) -> a + " | " + b)
                        .orElse("");
            }
            if (lostAcknowledgedWrites > 0) {
                return "VIOLATION: " + lostAcknowledgedWrites + " acknowledged writes lost";
            }
            if (!settled) {
                return "liveness: replica groups did not settle after the heal";
            }
            if (bank != null && !bank.ok()) {
                return "liveness: no bank audit committed (" + bank.lastFailure() + ")";
            }
            if (cycle != null && !cycle.ok()) {
                return "liveness: no cycle audit committed";
            }
            if (undecided > 0) {
                return "liveness: " + undecided + " locks or transactions still undecided after the heal";
            }
            return "";
        }
    }

    private final String scenario;
    private final int nodeCount;
    private final ReplicaConfig replicaConfig;
    final Simulator sim;
    private final Consumer<String> progress;
    private final Placement placement;
    private final TreeMap<RingId, Address> live = new TreeMap<>();
    private final Map<Address, RingId> idOf = new HashMap<>();
    private final List<Address> crashed = new ArrayList<>();
    private final List<Operation> history = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, Integer> faults = new TreeMap<>();
    /** Nodes cut off from everyone for now: alive, but down as far as the failure model goes. */
    private final java.util.Set<Address> cutOff = new java.util.HashSet<>();
    private int nextIndex;
    private long writes;
    boolean issuing;
    private String unsettled = "";
    private final BankWorkload bank;
    private final CycleWorkload cycle;
    private final ListAppendWorkload listAppend;

    private StoreSimulation(String scenario, int nodes, long seed, ReplicaConfig replicaConfig, Trace trace,
            Consumer<String> progress) {
        this.scenario = scenario;
        this.nodeCount = nodes;
        this.replicaConfig = replicaConfig;
        this.sim = new Simulator(seed, trace);
        this.progress = progress;
        this.placement = replicaConfig.placement();
        boolean txn = scenario.startsWith("txn-");
        this.bank = txn ? new BankWorkload(this) : null;
        this.cycle = txn ? new CycleWorkload(this) : null;
        this.listAppend = txn ? new ListAppendWorkload(this) : null;
    }

    public static Result run(String scenario, int nodes, long seed, ReplicaConfig config, Consumer<String> progress) {
        return run(scenario, nodes, seed, config, Trace.digestOnly(), progress);
    }

    /** As {@link #run(String, int, long, ReplicaConfig, Consumer)}, recording every event into {@code trace}. */
    public static Result run(String scenario, int nodes, long seed, ReplicaConfig config, Trace trace,
            Consumer<String> progress) {
        return new StoreSimulation(scenario, nodes, seed, config, trace, progress).run();
    }

    private Result run() {
        for (int i = 0; i < nodeCount; i++) {
            Address a = addNode(i == 0);
            sim.at(i * 50 * MS, () -> start(a));
        }
        long t0 = nodeCount * 50 * MS;
        boolean settled = sim.runUntil(this::settled, SECOND, t0 + 120 * SECOND);
        say("bootstrap: %d nodes, groups settled=%s %s", live.size(), settled, settled ? "" : unsettled);
        long safetyStart = sim.nowMicros();
        long safetyEnd = safetyStart + 20 * SECOND;
        // cold keys: written once, read only after the heal; losing one shows up as a stale final read
        for (int k = 0; k < COLD_KEYS; k++) {
            String key = "cold" + k;
            Address at = randomLive();
            Pending p = new Pending(Operation.write(98, key, Operation.Value.of("v-" + key), sim.nowMicros(),
                    Operation.NEVER), 99);
            pending.add(p);
            node(at).replicas().write(sim.node(at), Key.of(key), Bytes.of("v-" + key), p);
        }
        sim.runUntil(sim.nowMicros() + SECOND);
        issuing = true;
        if (bank != null) {
            bank.start(safetyStart);
            cycle.start(safetyStart + 2 * MS);
            listAppend.start(safetyStart + 4 * MS);
        } else {
            for (int c = 0; c < 6; c++) {
                int client = c;
                sim.at(safetyStart + c * MS, () -> issue(client));
            }
        }
        injectFaults(safetyStart);
        sim.at(safetyEnd, () -> issuing = false);
        sim.runUntil(safetyEnd);
        sim.network().healAll();
        for (Address a : new ArrayList<>(crashed)) {
            start(a);
        }
        boolean resettled = sim.runUntil(this::settled, SECOND, sim.nowMicros() + 120 * SECOND);
        if (!resettled) {
            say("liveness: groups did not settle after the heal: %s", unsettled);
        }
        sim.runUntil(() -> pending.stream().allMatch(p -> p.done), SECOND, sim.nowMicros() + 30 * SECOND);
        // every key read once more after the heal: an acknowledged write that was lost shows up here
        for (int k = 0; k < 8; k++) {
            readOnce(99, "k" + k);
        }
        for (int k = 0; k < COLD_KEYS; k++) {
            readOnce(99, "cold" + k);
        }
        sim.runUntil(() -> pending.stream().allMatch(p -> p.done), SECOND, sim.nowMicros() + 30 * SECOND);
        long ok = 0;
        long failed = 0;
        long unknown = 0;
        for (Pending p : pending) {
            if (!p.done) {
                unknown++;
                history.add(p.op.unknown());
            } else if (p.failed) {
                failed++;
            } else {
                ok++;
            }
        }
        long undecided = 0;
        long acceptorInstances = 0;
        if (bank != null) {
            bank.finalAudit();
            cycle.finalAudit();
            listAppend.finalRead();
            sim.runUntil(() -> bank.finished() && cycle.finished() && listAppend.finished(), SECOND,
                    sim.nowMicros() + 60 * SECOND);
            // every transaction must be decided by now: let the last decisions arrive, then count what is left
            sim.runUntil(() -> undecided() == 0, SECOND, sim.nowMicros() + 30 * SECOND);
            undecided = undecided();
            // then a second more for the last acknowledgements and the acceptors' forgetting
            sim.runUntil(sim.nowMicros() + SECOND);
            for (Address a : live.values()) {
                acceptorInstances += node(a).transactions().acceptorInstances();
            }
            if (undecided > 0) {
                for (Address a : live.values()) {
                    for (String l : node(a).transactions().describeLocks()) {
                        say("still locked at %s: %s", a, l);
                    }
                }
            }
        }
        LinearizabilityResult lin = LinearizabilityChecker.check(history, 2_000_000);
        say("%d operations: %d ok, %d failed, %d unknown; linearizability %s", pending.size(), ok, failed, unknown,
                lin.verdict());
        Map<String, Long> sent = sim.messagesByType();
        say("near-cache traffic: %d lease requests, %d revocations, %d lease offers",
                sent.getOrDefault("LeaseRequest", 0L), sent.getOrDefault("Revoke", 0L),
                sent.getOrDefault("LeaseOffer", 0L));
        ListAppendChecker.Result la = listAppend == null ? null : listAppend.check();
        if (la != null) {
            say("list-append: %s", la.describe().lines().findFirst().orElse(""));
            say("cycle: %s", cycle.result().describe());
        }
        return new Result(scenario, sim.seed(), nodeCount, pending.size(), ok, failed, unknown,
                sim.nowMicros() / (double) SECOND, sim.trace().digest(), lin, settled && resettled,
                bank == null ? null : bank.result(), cycle == null ? null : cycle.result(), la,
                listAppend == null ? 0 : listAppend.committed(), listAppend == null ? 0 : listAppend.aborted(),
                undecided, lostColdWrites(), acceptorInstances, faults);
    }

    /** Locks held by live replicas plus transactions their managers have not decided. */
    private long undecided() {
        long n = 0;
        for (Address a : live.values()) {
            n += node(a).transactions().describeLocks().size() + node(a).transactions().activeTransactions();
        }
        return n;
    }

    private void injectFaults(long t0) {
        switch (scenario.substring(scenario.indexOf('-') + 1)) {
            case "nofault" -> {
            }
            case "crash" -> {
                // as many crashes at once as the failure model allows: up to (R-1)/2 replicas of a group
                int atOnce = (placement.replication() - 1) / 2;
                Runnable crashSome = () -> {
                    for (int k = 0; k < atOnce; k++) {
                        crashRandom();
                    }
                };
                sim.at(t0 + 4 * SECOND, crashSome);
                sim.at(t0 + 10 * SECOND, () -> restartAll());
                sim.at(t0 + 13 * SECOND, crashSome);
                sim.at(t0 + 16 * SECOND, () -> restartAll());
                sim.at(t0 + 18 * SECOND, crashSome);
            }
            case "partition" -> {
                // a majority/minority split, a heal, then a bridge: two sides that reach each other only through
                // one node (connectivity that is not transitive); the liveness phase heals it
                sim.at(t0 + 4 * SECOND, () -> {
                    Map<Address, Integer> groups = new HashMap<>();
                    for (Address a : live.values()) {
                        groups.put(a, sim.random().nextInt(3) == 0 ? 1 : 0);
                    }
                    sim.network().partition(groups);
                    count("partition");
                    say("fault: majority/minority partition");
                });
                sim.at(t0 + 10 * SECOND, () -> {
                    sim.network().healAll();
                    say("fault: healed");
                });
                sim.at(t0 + 12 * SECOND, () -> {
                    Map<Address, Integer> groups = new HashMap<>();
                    List<Address> all = new ArrayList<>(live.values());
                    Address bridge = all.get(sim.random().nextInt(all.size()));
                    for (Address a : all) {
                        groups.put(a, a.equals(bridge) ? 2 : sim.random().nextInt(2));
                    }
                    sim.network().partition(groups);
                    for (int side = 0; side < 2; side++) {
                        sim.network().openGroupLink(side, 2);
                        sim.network().openGroupLink(2, side);
                    }
                    count("bridge");
                    say("fault: bridge partition through %s", bridge);
                });
            }
            case "loss" -> sim.at(t0, () -> {
                sim.network().loss(0.05).duplication(0.02).reordering(0.05, 20_000);
                say("fault: 5%% loss, 2%% duplication, 5%% reordering");
            });
            case "tm-failover" -> {
                // every two seconds either a manager with transactions in flight stops answering (crashed, or only
                // cut off for longer than the takeover delay: a false suspicion), or a crash is aimed at one step of
                // the commit protocol and fires when some node takes that step
                sim.onTransmit(this::crashAtStep);
                for (long t = 2; t < 19; t += 2) {
                    sim.at(t0 + t * SECOND, () -> {
                        if (sim.random().nextInt(3) == 0) {
                            failOneManager();
                        } else {
                            armedStep = CRASH_STEPS.get(sim.random().nextInt(CRASH_STEPS.size()));
                            armedMatches = 0;
                        }
                    });
                }
            }
            case "churn" -> {
                for (long t = 1; t < 20; t++) {
                    sim.at(t0 + t * SECOND, this::churnOnce);
                }
            }
            default -> throw new IllegalArgumentException("unknown store scenario '" + scenario
                    + "'; known: " + String.join(", ", SCENARIOS));
        }
    }

    /**
     * The protocol steps a crash can be aimed at: a manager after its first prepare, or part way through its
     * prepares; a manager as the acceptors' votes reach it; a decider after its first decision message; a finisher
     * (a manager or a replica taking over) after its first phase-1 or phase-2 message.
     */
    private static final List<String> CRASH_STEPS = List.of("after-first-prepare", "mid-prepares",
            "votes-arriving", "mid-decision", "finisher-phase1", "finisher-phase2");

    private String armedStep;
    private int armedMatches;

    private void crashAtStep(Address from, Address to, io.homeostat.runtime.Message m) {
        if (armedStep == null) {
            return;
        }
        Address victim = null;
        switch (armedStep) {
            case "after-first-prepare" -> victim = m instanceof TxnMessage.TxPrepare p
                    && from.equals(p.tx().manager()) ? from : null;
            case "mid-prepares" -> victim = m instanceof TxnMessage.TxPrepare p && from.equals(p.tx().manager())
                    && ++armedMatches % 4 == 0 ? from : null;
            case "votes-arriving" -> victim = m instanceof TxnMessage.TxAccepted a && to.equals(a.tx().manager())
                    && a.ballot() == 0 ? to : null;
            case "mid-decision" -> victim = m instanceof TxnMessage.TxDecide ? from : null;
            case "finisher-phase1" -> victim = m instanceof TxnMessage.TxPhase1 ? from : null;
            case "finisher-phase2" -> victim = m instanceof TxnMessage.TxPhase2 ? from : null;
            default -> throw new IllegalStateException(armedStep);
        }
        if (victim == null || !live.containsValue(victim) || !safeToCrash(victim)) {
            return;
        }
        String step = armedStep;
        armedStep = null;
        sim.crash(victim);
        live.remove(idOf.get(victim));
        crashed.add(victim);
        count(step);
        say("fault: crashed %s %s", victim, step);
        sim.at(sim.nowMicros() + SECOND, this::restartAll);
    }

    private void count(String fault) {
        faults.merge(fault, 1, Integer::sum);
    }

    private void failOneManager() {
        List<Address> candidates = new ArrayList<>();
        for (Address a : live.values()) {
            if (safeToCrash(a) && node(a).transactions().activeTransactions() > 0) {
                candidates.add(a);
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        Address a = candidates.get(sim.random().nextInt(candidates.size()));
        if (sim.random().nextBoolean()) {
            sim.crash(a);
            live.remove(idOf.get(a));
            crashed.add(a);
            count("manager-crash");
            say("fault: crashed manager %s", a);
            sim.at(sim.nowMicros() + SECOND, this::restartAll);
        } else {
            for (Address other : sim.membership()) {
                if (!other.equals(a)) {
                    sim.network().block(a, other);
                    sim.network().block(other, a);
                }
            }
            cutOff.add(a); // as good as down for the failure model until it is back
            count("false-suspicion");
            say("fault: cut off manager %s (false suspicion)", a);
            sim.at(sim.nowMicros() + 5 * SECOND, () -> {
                sim.network().healAll();
                cutOff.clear();
                say("fault: %s reconnected", a);
            });
        }
    }

    /** One churn step: a join, a graceful leave, a crash, or a restart; at most one node is down at a time. */
    private void churnOnce() {
        double r = sim.random().nextDouble();
        if (!crashed.isEmpty()) {
            restartAll();
        } else if (r < 0.4) {
            Address a = addNode(false);
            start(a);
            say("churn: %s joins", a);
        } else if (r < 0.7 && live.size() > nodeCount / 2) {
            // a graceful leave hands the node's replicas off: it keeps serving them to the new members and stops
            // only once it holds none (the failure model does not apply: nothing is lost while it runs)
            List<Address> all = new ArrayList<>(live.values());
            Address a = all.get(sim.random().nextInt(all.size()));
            live.remove(idOf.get(a));
            long deadline = sim.nowMicros() + LEAVE_TIMEOUT_SECONDS * SECOND;
            node(a).leave(sim.node(a), () -> sim.at(sim.nowMicros(), () -> {
                if (sim.node(a).isAlive() && !live.containsValue(a)) {
                    sim.crash(a);
                    count("leave-handed-off");
                    say("churn: %s handed off and stopped", a);
                }
            }));
            sim.at(deadline, () -> {
                if (sim.node(a).isAlive() && !live.containsValue(a)) {
                    sim.crash(a);
                    count("leave-timeout");
                    say("churn: %s stopped before its handoff finished", a);
                }
            });
            say("churn: %s leaves", a);
        } else if (live.size() > nodeCount / 2) {
            crashRandom();
        }
    }

    /** Cold keys whose write was acknowledged but whose read after the heal returned something else. */
    private long lostColdWrites() {
        Map<String, Operation.Value> written = new HashMap<>();
        Map<String, Operation.Value> finalRead = new HashMap<>();
        for (Operation o : history) {
            if (!o.key().startsWith("cold") || o.outcome() != Operation.Outcome.OK) {
                continue;
            }
            if (o.kind() == Operation.Kind.WRITE) {
                written.put(o.key(), o.value());
            } else if (o.kind() == Operation.Kind.READ && o.clientId() == 99) {
                finalRead.put(o.key(), o.value());
            }
        }
        long lost = 0;
        for (Map.Entry<String, Operation.Value> e : written.entrySet()) {
            Operation.Value read = finalRead.get(e.getKey());
            if (read != null && !read.equals(e.getValue())) {
                lost++;
            }
        }
        return lost;
    }

    /**
     * The failure model allows at most ⌊(R−1)/2⌋ of each group's positions lost at once: counting the victim's
     * positions and those of members already down, cut off or still recovering, every group the victim is in must keep
     * a majority.
     */
    private boolean safeToCrash(Address victim) {
        ReplicaManager r = node(victim).replicas();
        for (int g = 0; g < placement.groups(); g++) {
            GroupView v = r.installedView(g);
            if (v == null) {
                if (r.holdsHandoffData(g) && !groupServing(g)) {
                    return false; // a new member may still need the copy this node was replaced with
                }
                continue;
            }
            // positions that would be lost: the victim's, and those of members down, cut off or still recovering
            int lost = 0;
            for (int i = 0; i < v.replication(); i++) {
                Address m = v.member(i).address();
                if (m.equals(victim) || !live.containsValue(m) || cutOff.contains(m)
                        || !node(m).replicas().serving(g)) {
                    lost++;
                }
            }
            if (lost > placement.replication() - placement.majority()) {
                return false;
            }
        }
        return true;
    }

    /** Every member of the group's newest view is up and serving. */
    private boolean groupServing(int g) {
        GroupView newest = null;
        for (Address a : live.values()) {
            GroupView v = node(a).replicas().installedView(g);
            if (v != null && (newest == null || v.epoch() > newest.epoch())) {
                newest = v;
            }
        }
        if (newest == null) {
            return false;
        }
        for (int i = 0; i < newest.replication(); i++) {
            Address m = newest.member(i).address();
            if (!live.containsValue(m) || !node(m).replicas().serving(g)) {
                return false;
            }
        }
        return true;
    }

    private void crashRandom() {
        List<Address> all = new ArrayList<>();
        for (Address a : live.values()) {
            if (safeToCrash(a)) {
                all.add(a);
            }
        }
        if (all.isEmpty()) {
            say("fault: no node can crash without taking a majority of some group down; skipped");
            return;
        }
        Address a = all.get(sim.random().nextInt(all.size()));
        sim.crash(a);
        live.remove(idOf.get(a));
        crashed.add(a);
        count("crash");
        say("fault: crashed %s", a);
    }

    private void restartAll() {
        for (Address a : new ArrayList<>(crashed)) {
            start(a);
        }
        say("fault: restarted crashed nodes");
    }

    /** Every slot is held by its ring owner, which serves it. */
    private boolean settled() {
        for (int s = 0; s < placement.slots(); s++) {
            RingId anchor = placement.anchor(s);
            Map.Entry<RingId, Address> e = live.ceilingEntry(anchor);
            Address owner = (e != null ? e : live.firstEntry()).getValue();
            ReplicaManager r = node(owner).replicas();
            GroupView v = r.installedView(placement.groupOfSlot(s));
            if (v == null || !v.member(placement.indexOfSlot(s)).address().equals(owner)
                    || !r.serving(placement.groupOfSlot(s))) {
                StringBuilder why = new StringBuilder();
                if (v != null) {
                    for (int i = 0; i < v.replication(); i++) {
                        Address m = v.member(i).address();
                        boolean up = live.containsValue(m);
                        why.append(' ').append(m).append(up ? "" : "(down)");
                        if (up) {
                            GroupView mv = node(m).replicas().installedView(v.group());
                            why.append("(epoch ").append(mv == null ? "-" : mv.epoch()).append(", serving ")
                                    .append(node(m).replicas().serving(v.group())).append(')');
                        }
                    }
                }
                if (v == null) {
                    for (Address o : live.values()) {
                        GroupView ov = node(o).replicas().installedView(placement.groupOfSlot(s));
                        if (ov != null) {
                            why.append(' ').append(o).append(" has ").append(ov).append(" serving ")
                                    .append(node(o).replicas().serving(placement.groupOfSlot(s))).append(';');
                        }
                    }
                }
                unsettled = "slot " + s + " (group " + placement.groupOfSlot(s) + ", replica "
                        + placement.indexOfSlot(s) + "): ring owner " + owner + ", its view " + v + ", serving "
                        + r.serving(placement.groupOfSlot(s)) + "; owner ring " + node(owner).ring()
                        + " responsible " + node(owner).ring().isResponsibleFor(anchor) + "; members:" + why;
                return false;
            }
        }
        return true;
    }

    private Address addNode(boolean founder) {
        Address a = Address.sim(nextIndex++);
        RingId id = RingId.random(sim.random());
        idOf.put(a, id);
        // only the very first start founds the cluster: a founder that restarts rejoins like anyone else
        boolean[] firstStart = {founder};
        sim.addNode(a, () -> {
            ReplicaConfig rc = replicaConfig.withFounder(firstStart[0]);
            firstStart[0] = false;
            return new HomeostatNode(id, a, RingConfig.defaults(), rc, new MemoryStorage());
        });
        return a;
    }

    private void start(Address a) {
        sim.start(a);
        live.put(idOf.get(a), a);
        crashed.remove(a);
    }

    /** Whether read leases are on, so that workloads read through the near cache too. */
    boolean nearReads() {
        return replicaConfig.leaseMillis() > 0;
    }

    HomeostatNode node(Address a) {
        return (HomeostatNode) sim.node(a).protocol();
    }

    private void issue(int client) {
        if (!issuing) {
            return;
        }
        String key = "k" + sim.random().nextInt(8);
        if (sim.random().nextBoolean()) {
            readOnce(client, key);
        } else {
            String value = "c" + client + "-" + (++writes);
            Address at = randomLive();
            Pending p = new Pending(Operation.write(client, key, Operation.Value.of(value), sim.nowMicros(),
                    Operation.NEVER), client);
            pending.add(p);
            // a third are quorum writes, a third quorum writes that offer their value to the near caches whose leases
            // they revoked, a third one-key transactions (that offer it half the time)
            int how = sim.random().nextInt(3);
            if (how < 2) {
                node(at).replicas().write(sim.node(at), Key.of(key), Bytes.of(value), how == 1, p);
            } else {
                writeInTransaction(at, key, value, p);
            }
        }
    }

    /**
     * A write as a one-key transaction: a quorum read for the tag, then Paxos Commit expecting it. An abort (the key
     * changed since the read) wrote nothing and is left out of the history.
     */
    private void writeInTransaction(Address at, String key, String value, Pending p) {
        boolean offer = sim.random().nextBoolean();
        node(at).replicas().read(sim.node(at), Key.of(key), new ReplicaManager.OpCallback() {
            @Override
            public void done(Bytes ignored) {
            }

            @Override
            public void doneTagged(Tag tag, Bytes ignored) {
                node(at).transactions().commit(sim.node(at),
                        List.of(new TxItem(Key.of(key), tag, true, Bytes.of(value), offer)),
                        new TransactionManager.CommitCallback() {
                            @Override
                            public void committed() {
                                p.done(Bytes.of(value));
                            }

                            @Override
                            public void aborted(String reason) {
                                p.nothingWritten();
                            }

                            @Override
                            public void unknown(String reason) {
                                p.failed(ReplicaManager.Failure.TIMEOUT, reason);
                            }
                        });
            }

            @Override
            public void failed(ReplicaManager.Failure failure, String reason) {
                p.nothingWritten();
            }
        });
    }

    private void readOnce(int client, String key) {
        Address at = randomLive();
        Pending p = new Pending(Operation.read(client, key, Operation.Value.ABSENT, sim.nowMicros(), Operation.NEVER),
                client);
        pending.add(p);
        if (sim.random().nextBoolean()) {
            node(at).replicas().readNear(sim.node(at), Key.of(key), p); // near cache under read leases
        } else {
            node(at).replicas().read(sim.node(at), Key.of(key), p);
        }
    }

    Address randomLive() {
        List<Address> all = new ArrayList<>(live.values());
        return all.get(sim.random().nextInt(all.size()));
    }

    /** One client operation in flight. */
    private final class Pending implements ReplicaManager.OpCallback {
        Operation op;
        final int client;
        boolean done;
        boolean failed;

        Pending(Operation op, int client) {
            this.op = op;
            this.client = client;
        }

        @Override
        public void done(Bytes value) {
            done = true;
            long now = sim.nowMicros();
            if (op.kind() == Operation.Kind.READ) {
                Operation.Value v = value == null ? Operation.Value.ABSENT : Operation.Value.of(value.toBytes());
                history.add(Operation.read(op.clientId(), op.key(), v, op.invokedAt(), now));
            } else {
                history.add(Operation.write(op.clientId(), op.key(), op.value(), op.invokedAt(), now));
            }
            next();
        }

        @Override
        public void failed(ReplicaManager.Failure failure, String reason) {
            done = true;
            failed = true;
            if (op.kind() != Operation.Kind.READ) {
                history.add(op.unknown()); // it may have reached some replicas
            }
            next();
        }

        /** A write that certainly took no effect (its transaction aborted): not in the history. */
        void nothingWritten() {
            done = true;
            failed = true;
            next();
        }

        private void next() {
            if (client < 99) {
                sim.at(sim.nowMicros() + 5 * MS, () -> issue(client));
            }
        }
    }

    private void say(String format, Object... args) {
        progress.accept(String.format("[%8.1fs] %s", sim.nowMicros() / (double) SECOND, String.format(format, args)));
    }
}
