package io.homeostat.sim;

import io.homeostat.ring.RingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

/**
 * Runs many seeds of a scenario on all cores. Each simulation is single-threaded and deterministic on its own, so
 * running several side by side changes nothing about any one of them.
 */
final class SeedSweep {

    private SeedSweep() {
    }

    /** Results in seed order. {@code scenarioForSeed} picks the scenario (for example its node count) per seed. */
    static List<SimulationResult> run(long firstSeed, int seeds, LongFunction<Scenario> scenarioForSeed,
            RingConfig config) throws InterruptedException, ExecutionException {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<SimulationResult>> futures = new ArrayList<>();
            for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
                long s = seed;
                futures.add(pool.submit(() -> RingSimulation.run(scenarioForSeed.apply(s), s, config,
                        Trace.digestOnly(), line -> { })));
            }
            List<SimulationResult> out = new ArrayList<>();
            for (Future<SimulationResult> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A failure report that names each failing seed and the command that replays it. */
    static String describeFailures(List<SimulationResult> results, Scenario template) {
        StringBuilder sb = new StringBuilder();
        for (SimulationResult r : results) {
            if (!r.ok()) {
                sb.append("\n  seed ").append(r.seed()).append(": converged=").append(r.ringConverged())
                        .append(", lookupSuccess=").append(r.lookupSuccessRate()).append(", violations=")
                        .append(r.violations().isEmpty() ? "none" : r.violations().get(0)).append("\n    replay: ")
                        .append(r.replayCommand(template.safetyMillis() / 1000.0));
            }
        }
        return sb.toString();
    }
}
