package io.homeostat.cli;

import io.homeostat.replica.ReplicaConfig;
import io.homeostat.ring.RingConfig;
import io.homeostat.runtime.threaded.WallClock;
import io.homeostat.sim.RingSimulation;
import io.homeostat.sim.Scenario;
import io.homeostat.sim.Scenarios;
import io.homeostat.sim.SimulationResult;
import io.homeostat.sim.StoreSimulation;
import io.homeostat.sim.Trace;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code bin/homeostat} entry point.
 *
 * <pre>
 * simulate --scenario NAME [--nodes N] [--seed S | --seeds A..B] [--seconds T] [--trace FILE] [--replication R]
 *          [--lease-millis L] [--quiet]
 * </pre>
 * The last line printed is one JSON object. The exit status is 0 when every seed passed, 1 when one failed (each
 * failure prints its seed and the command that replays it), 2 on a usage error.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            out.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        try {
            Options o = Options.parse(args);
            if (!o.command.equals("simulate")) {
                throw new UsageException("unknown command '" + o.command + "'");
            }
            return simulate(o, out);
        } catch (UsageException e) {
            err.println("homeostat: " + e.getMessage());
            err.println(usage());
            return 2;
        }
    }

    private static int simulate(Options o, PrintStream out) {
        if (StoreSimulation.SCENARIOS.contains(o.scenario)) {
            return simulateStore(o, out);
        }
        Scenario scenario = Scenarios.byName(o.scenario, o.nodes == null ? 64 : o.nodes);
        if (o.seconds != null) {
            scenario = scenario.withSafetyMillis(Math.round(o.seconds * 1000));
        }
        double safetySeconds = scenario.safetyMillis() / 1000.0;
        List<Long> failing = new ArrayList<>();
        SimulationResult last = null;
        long events = 0;
        long start = WallClock.nanos();
        int count = 0;
        for (long seed = o.firstSeed; seed <= o.lastSeed; seed++) {
            count++;
            BufferedWriter traceFile = openTrace(o);
            boolean single = o.firstSeed == o.lastSeed;
            SimulationResult r = RingSimulation.run(scenario, seed, RingConfig.defaults(),
                    traceFile == null ? Trace.digestOnly() : Trace.withText(traceFile),
                    single && !o.quiet ? out::println : line -> { });
            closeTrace(o, traceFile);
            events += r.events();
            last = r;
            if (!single && !o.quiet) {
                out.printf(Locale.ROOT, "seed %d: %s converged=%s in %.1fs, lookups %.4f, hops %.2f, digest %s%n",
                        seed, r.ok() ? "ok" : "FAILED", r.ringConverged(), r.convergenceSeconds(),
                        r.lookupSuccessRate(), r.meanHops(), r.traceDigest());
            }
            if (!r.ok()) {
                failing.add(seed);
                out.println("FAILED seed " + seed + ": " + (r.violations().isEmpty()
                        ? "lookup success " + r.lookupSuccessRate() : r.violations().get(0)));
                out.println("replay: " + r.replayCommand(safetySeconds));
            }
        }
        double wallSeconds = (WallClock.nanos() - start) / 1e9;
        if (count == 1) {
            Map<String, Object> f = new LinkedHashMap<>(last.fields());
            f.put("eventsPerWallSecond", Math.round(events / Math.max(wallSeconds, 1e-9)));
            out.println(io.homeostat.sim.Json.object(f));
        } else {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("scenario", scenario.name());
            f.put("nodes", scenario.nodes());
            f.put("seeds", count);
            f.put("firstSeed", o.firstSeed);
            f.put("lastSeed", o.lastSeed);
            f.put("events", events);
            f.put("violations", failing.size());
            f.put("failingSeeds", failing);
            f.put("eventsPerWallSecond", Math.round(events / Math.max(wallSeconds, 1e-9)));
            out.println(io.homeostat.sim.Json.object(f));
        }
        return failing.isEmpty() ? 0 : 1;
    }

    private static BufferedWriter openTrace(Options o) {
        if (o.traceFile == null) {
            return null;
        }
        try {
            return Files.newBufferedWriter(o.traceFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot write trace file " + o.traceFile + ": " + e.getMessage());
        }
    }

    private static void closeTrace(Options o, BufferedWriter traceFile) {
        if (traceFile == null) {
            return;
        }
        try {
            traceFile.close();
        } catch (IOException e) {
            throw new UsageException("cannot write trace file " + o.traceFile + ": " + e.getMessage());
        }
    }

    /** The replication and transaction scenarios: every seed's history goes through the checkers. */
    private static int simulateStore(Options o, PrintStream out) {
        int nodes = o.nodes == null ? 10 : o.nodes;
        ReplicaConfig config = ReplicaConfig.defaults().withGroupsLog2(4);
        if (o.replication != null) {
            try {
                config = config.withReplication(o.replication);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--replication: " + e.getMessage());
            }
        }
        if (o.leaseMillis != null) {
            try {
                config = config.withLeaseMillis(o.leaseMillis);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--lease-millis: " + e.getMessage());
            }
        }
        long operations = 0;
        long committed = 0;
        long aborted = 0;
        long unavailable = 0;
        long lost = 0;
        long violations = 0;
        long acceptorInstances = 0;
        Map<String, Long> faults = new java.util.TreeMap<>();
        List<Long> failing = new ArrayList<>();
        boolean single = o.firstSeed == o.lastSeed;
        for (long seed = o.firstSeed; seed <= o.lastSeed; seed++) {
            BufferedWriter traceFile = openTrace(o);
            StoreSimulation.Result r = StoreSimulation.run(o.scenario, nodes, seed, config,
                    traceFile == null ? Trace.digestOnly() : Trace.withText(traceFile),
                    single && !o.quiet ? out::println : line -> { });
            closeTrace(o, traceFile);
            operations += r.operations() + (r.bank() == null ? 0 : r.committed() + r.aborted());
            committed += r.committed();
            aborted += r.aborted();
            unavailable += r.failed();
            lost += r.lostAcknowledgedWrites();
            acceptorInstances += r.acceptorInstances();
            r.faults().forEach((k, v) -> faults.merge(k, (long) v, Long::sum));
            boolean safe = r.safe();
            if (!safe) {
                violations++;
            }
            if (!o.quiet || !r.ok()) {
                out.printf(Locale.ROOT, "seed %d: %s, %d operations, %d committed, %d aborted, %d unavailable, %d "
                        + "acceptor instances left%n", seed, r.ok() ? "ok" : "FAILED", r.operations(), r.committed(),
                        r.aborted(), r.failed(), r.acceptorInstances());
            }
            if (!r.ok()) {
                failing.add(seed);
                String why = r.problem();
                out.println("  " + why);
                out.println("  replay: bin/homeostat simulate --scenario " + o.scenario + " --nodes " + nodes
                        + (o.replication == null ? "" : " --replication " + o.replication)
                        + (o.leaseMillis == null ? "" : " --lease-millis " + o.leaseMillis) + " --seed " + seed);
            }
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("scenario", o.scenario);
        f.put("nodes", nodes);
        f.put("seeds", o.lastSeed - o.firstSeed + 1);
        f.put("operations", operations);
        f.put("committed", committed);
        f.put("aborted", aborted);
        f.put("unavailable", unavailable);
        f.put("faults", faults);
        f.put("violations", violations);
        f.put("lostAcknowledgedWrites", lost);
        // Paxos Commit acceptor instances still kept at the end of the runs (state a decided transaction leaves behind)
        f.put("acceptorInstancesLeft", acceptorInstances);
        f.put("failingSeeds", failing);
        out.println(io.homeostat.sim.Json.object(f));
        return failing.isEmpty() ? 0 : 1;
    }

    static String usage() {
        return String.join("\n",
                "usage: bin/homeostat simulate --scenario NAME [--nodes N] [--seed S | --seeds A..B] [--seconds T]",
                "                              [--trace FILE] [--replication R] [--lease-millis L] [--quiet]",
                "  ring scenarios: " + String.join(", ", Scenarios.NAMES),
                "  store scenarios: " + String.join(", ", StoreSimulation.SCENARIOS),
                "  --nodes N     nodes at start (default 64 for ring scenarios, 10 for store scenarios)",
                "  --seed S      one seed (default 1); --seeds A..B runs every seed from A to B",
                "  --seconds T   length of the safety phase in simulated seconds",
                "  --trace FILE  write every simulated event to FILE (one seed only)",
                "  --replication R  replicas per key for kv-* and txn-* scenarios (odd; default 3)",
                "  --lease-millis L read leases for kv-* and txn-* scenarios (default 0, off); with them on, half",
                "                   the workloads' reads go through the near cache");
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private static final class Options {
        String command;
        String scenario;
        Integer nodes;
        long firstSeed = 1;
        long lastSeed = 1;
        Double seconds;
        Integer replication;
        Long leaseMillis;
        Path traceFile;
        boolean quiet;

        static Options parse(String[] args) {
            Options o = new Options();
            o.command = args[0];
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--scenario" -> o.scenario = value(args, ++i, a);
                    case "--nodes" -> o.nodes = (int) number(value(args, ++i, a), a, 1, 1_000_000);
                    case "--seed" -> {
                        o.firstSeed = number(value(args, ++i, a), a, Long.MIN_VALUE, Long.MAX_VALUE);
                        o.lastSeed = o.firstSeed;
                    }
                    case "--seeds" -> {
                        String v = value(args, ++i, a);
                        String[] parts = v.split("\\.\\.");
                        if (parts.length != 2) {
                            throw new UsageException("--seeds takes a range like 1..200, got '" + v + "'");
                        }
                        o.firstSeed = number(parts[0], a, Long.MIN_VALUE, Long.MAX_VALUE);
                        o.lastSeed = number(parts[1], a, o.firstSeed, Long.MAX_VALUE);
                    }
                    case "--seconds" -> {
                        try {
                            o.seconds = Double.parseDouble(value(args, ++i, a));
                        } catch (NumberFormatException e) {
                            throw new UsageException("--seconds takes a number of simulated seconds");
                        }
                        if (!(o.seconds >= 0 && o.seconds <= 86_400)) {
                            throw new UsageException("--seconds must be between 0 and 86400");
                        }
                    }
                    case "--trace" -> o.traceFile = Path.of(value(args, ++i, a));
                    case "--replication" -> o.replication = (int) number(value(args, ++i, a), a, 1, 15);
                    case "--lease-millis" -> o.leaseMillis = number(value(args, ++i, a), a, 0, 60_000);
                    case "--quiet" -> o.quiet = true;
                    default -> throw new UsageException("unknown option '" + a + "'");
                }
            }
            if (o.scenario == null) {
                throw new UsageException("--scenario is required; one of " + String.join(", ", Scenarios.NAMES));
            }
            if (!Scenarios.NAMES.contains(o.scenario) && !StoreSimulation.SCENARIOS.contains(o.scenario)) {
                throw new UsageException("unknown scenario '" + o.scenario + "'; one of "
                        + String.join(", ", Scenarios.NAMES) + ", " + String.join(", ", StoreSimulation.SCENARIOS));
            }
            if (o.replication != null && !StoreSimulation.SCENARIOS.contains(o.scenario)) {
                throw new UsageException("--replication applies to the kv-* and txn-* scenarios only");
            }
            if (o.leaseMillis != null && !StoreSimulation.SCENARIOS.contains(o.scenario)) {
                throw new UsageException("--lease-millis applies to the kv-* and txn-* scenarios only");
            }
            if (o.traceFile != null && o.firstSeed != o.lastSeed) {
                throw new UsageException("--trace works with one seed only");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new UsageException(option + " needs a value");
            }
            return args[i];
        }

        private static long number(String v, String option, long min, long max) {
            try {
                long n = Long.parseLong(v.trim());
                if (n < min || n > max) {
                    throw new UsageException(option + " must be between " + min + " and " + max + ", got " + v);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new UsageException(option + " takes a whole number, got '" + v + "'");
            }
        }
    }
}
