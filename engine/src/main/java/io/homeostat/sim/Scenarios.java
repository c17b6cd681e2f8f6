package io.homeostat.sim;

import io.homeostat.sim.Fault.AsymmetricPartition;
import io.homeostat.sim.Fault.Churn;
import io.homeostat.sim.Fault.Clog;
import io.homeostat.sim.Fault.CrashFraction;
import io.homeostat.sim.Fault.Lossy;
import io.homeostat.sim.Fault.NonTransitive;
import io.homeostat.sim.Fault.Partition;
import java.util.List;

/** The named ring scenarios of {@code bin/homeostat simulate}. */
public final class Scenarios {

    public static final List<String> NAMES = List.of("join", "crash30", "partition2", "partition3", "nontransitive",
            "asymmetric", "churn");

    private Scenarios() {
    }

    /** The scenario called {@code name} on {@code nodes} nodes; throws with the list of names if unknown. */
    public static Scenario byName(String name, int nodes) {
        Scenario.Builder b = Scenario.builder(name).nodes(nodes);
        switch (name) {
            case "join" -> b.settleMillis(0).safetyMillis(10_000).livenessBoundMillis(120_000)
                    .probeLookups(Math.max(1_000, 2 * nodes));
            case "crash30" -> b.at(0, new CrashFraction(0.30));
            case "partition2" -> b.at(0, new Partition(2));
            case "partition3" -> b.at(0, new Partition(3));
            case "nontransitive" -> b.at(0, new NonTransitive(Math.max(1, nodes / 8)))
                    .at(5_000, new Clog(0.1, 200, 10_000))
                    .at(0, new Lossy(0.01, 0.01, 0.05));
            case "asymmetric" -> b.at(0, new AsymmetricPartition());
            case "churn" -> b.at(0, new Churn(500, 30_000)).safetyMillis(30_000);
            default -> throw new IllegalArgumentException(
                    "unknown scenario '" + name + "'; known scenarios: " + String.join(", ", NAMES));
        }
        return b.build();
    }
}
