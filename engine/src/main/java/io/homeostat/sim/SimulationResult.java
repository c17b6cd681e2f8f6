package io.homeostat.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one seeded ring simulation observed. {@link #ok()} is the pass/fail verdict: converged, no violations, and at
 * least 99% of the safety-phase lookups answered within their retries.
 *
 * @param lookups            workload lookups issued during the safety phase
 * @param lookupsAnswered    of those, answered within the bounded retries
 * @param lookupsExact       of those answered, the answer was the true owner among all live nodes at that moment
 *                           (under a partition the owner on the caller's side is a legitimate answer, so this is
 *                           informational)
 * @param violations         ring-checker violations at the liveness bound, and wrong or failed probe lookups after
 *                           convergence
 */
public record SimulationResult(String scenario, long seed, int nodes, int liveNodes, double simulatedSeconds,
        long events, String traceDigest, double meanHops, double p99Hops, boolean ringConverged,
        double convergenceSeconds, List<String> violations, long lookups, long lookupsAnswered, long lookupsExact,
        long probeLookups, long messages, double messagesPerNodePerSecond) {

    public static final double REQUIRED_LOOKUP_SUCCESS = 0.99;

    public SimulationResult {
        violations = List.copyOf(violations);
    }

    public double lookupSuccessRate() {
        return lookups == 0 ? 1.0 : (double) lookupsAnswered / lookups;
    }

    public boolean ok() {
        return ringConverged && violations.isEmpty() && lookupSuccessRate() >= REQUIRED_LOOKUP_SUCCESS;
    }

    /** The command that replays this run exactly. */
    public String replayCommand(double safetySeconds) {
        return "bin/homeostat simulate --scenario " + scenario + " --nodes " + nodes + " --seed " + seed
                + " --seconds " + trim(safetySeconds);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nodes", nodes);
        m.put("seed", seed);
        m.put("scenario", scenario);
        m.put("simulatedSeconds", simulatedSeconds);
        m.put("events", events);
        m.put("traceDigest", traceDigest);
        m.put("meanHops", meanHops);
        m.put("p99Hops", p99Hops);
        m.put("ringConverged", ringConverged);
        m.put("convergenceSeconds", convergenceSeconds);
        m.put("violations", violations.size());
        m.put("violationSamples", violations.subList(0, Math.min(5, violations.size())));
        m.put("liveNodes", liveNodes);
        m.put("lookups", lookups);
        m.put("lookupSuccessRate", lookupSuccessRate());
        m.put("lookupExactRate", lookupsAnswered == 0 ? 1.0 : (double) lookupsExact / lookupsAnswered);
        m.put("probeLookups", probeLookups);
        m.put("messages", messages);
        m.put("messagesPerNodePerSecond", messagesPerNodePerSecond);
        m.put("ok", ok());
        return m;
    }

    public String toJson() {
        return Json.object(fields());
    }
}
