package io.homeostat.sim;

import io.homeostat.check.LinearizabilityChecker;
import io.homeostat.check.LinearizabilityResult;
import io.homeostat.check.Operation;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.GroupView;
import io.homeostat.replica.Placement;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.replica.ReplicaManager;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.MemoryStorage;
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

    /** What a run observed. */
    public record Result(String scenario, long seed, int nodes, long operations, long succeeded, long failed,
            long unknown, double simulatedSeconds, String traceDigest, LinearizabilityResult linearizability,
            boolean settled) {

        public boolean ok() {
            return settled && linearizability.isOk();
        }
    }

    private final String scenario;
    private final int nodeCount;
    private final ReplicaConfig replicaConfig;
    private final Simulator sim;
    private final Consumer<String> progress;
    private final Placement placement;
    private final TreeMap<RingId, Address> live = new TreeMap<>();
    private final Map<Address, RingId> idOf = new HashMap<>();
    private final List<Address> crashed = new ArrayList<>();
    private final List<Operation> history = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private int nextIndex;
    private long writes;
    private boolean issuing;
    private String unsettled = "";

    private StoreSimulation(String scenario, int nodes, long seed, ReplicaConfig replicaConfig,
            Consumer<String> progress) {
        this.scenario = scenario;
        this.nodeCount = nodes;
        this.replicaConfig = replicaConfig;
        this.sim = new Simulator(seed, Trace.digestOnly());
        this.progress = progress;
        this.placement = replicaConfig.placement();
    }

    public static Result run(String scenario, int nodes, long seed, ReplicaConfig config, Consumer<String> progress) {
        return new StoreSimulation(scenario, nodes, seed, config, progress).run();
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
        for (int c = 0; c < 6; c++) {
            int client = c;
            sim.at(safetyStart + c * MS, () -> issue(client));
        }
        injectFaults(safetyStart);
        sim.at(safetyEnd, () -> issuing = false);
        sim.runUntil(safetyEnd);
        sim.network().healAll();
        for (Address a : new ArrayList<>(crashed)) {
            start(a);
        }
        boolean resettled = sim.runUntil(this::settled, SECOND, sim.nowMicros() + 120 * SECOND);
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
        LinearizabilityResult lin = LinearizabilityChecker.check(history, 2_000_000);
        say("%d operations: %d ok, %d failed, %d unknown; linearizability %s", pending.size(), ok, failed, unknown,
                lin.verdict());
        return new Result(scenario, sim.seed(), nodeCount, pending.size(), ok, failed, unknown,
                sim.nowMicros() / (double) SECOND, sim.trace().digest(), lin, settled && resettled);
    }

    private void injectFaults(long t0) {
        switch (scenario) {
            case "kv-nofault" -> {
            }
            case "kv-crash" -> {
                sim.at(t0 + 4 * SECOND, () -> crashRandom());
                sim.at(t0 + 10 * SECOND, () -> restartAll());
                sim.at(t0 + 13 * SECOND, () -> crashRandom());
                sim.at(t0 + 16 * SECOND, () -> restartAll());
                sim.at(t0 + 18 * SECOND, () -> crashRandom());
            }
            case "kv-partition" -> sim.at(t0 + 4 * SECOND, () -> {
                Map<Address, Integer> groups = new HashMap<>();
                List<Address> all = new ArrayList<>(live.values());
                for (int i = 0; i < all.size(); i++) {
                    groups.put(all.get(i), sim.random().nextInt(3) == 0 ? 1 : 0);
                }
                sim.network().partition(groups);
                say("fault: partition");
            });
            default -> throw new IllegalArgumentException("unknown store scenario '" + scenario
                    + "'; known: kv-nofault, kv-crash, kv-partition");
        }
    }

    private void crashRandom() {
        List<Address> all = new ArrayList<>(live.values());
        Address a = all.get(1 + sim.random().nextInt(all.size() - 1));
        sim.crash(a);
        live.remove(idOf.get(a));
        crashed.add(a);
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
                unsettled = "slot " + s + " (group " + placement.groupOfSlot(s) + ", replica "
                        + placement.indexOfSlot(s) + "): ring owner " + owner + ", its view " + v + ", serving "
                        + r.serving(placement.groupOfSlot(s));
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

    private HomeostatNode node(Address a) {
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
            node(at).replicas().write(sim.node(at), Key.of(key), Bytes.of(value), p);
        }
    }

    private void readOnce(int client, String key) {
        Address at = randomLive();
        Pending p = new Pending(Operation.read(client, key, Operation.Value.ABSENT, sim.nowMicros(), Operation.NEVER),
                client);
        pending.add(p);
        node(at).replicas().read(sim.node(at), Key.of(key), p);
    }

    private Address randomLive() {
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
