package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.check.LinearizabilityHistories.Params;
import io.homeostat.check.LinearizabilityResult.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Size: realistic histories of 10,000 operations must be decided well within the search budget. No wall-clock
 * assertions; surefire reports the time.
 */
class LinearizabilityPerformanceTest {

    private static final long BUDGET_PER_KEY = 1_000_000;

    @Test
    void tenThousandOperationsOnFiftyKeysWithEightClients() {
        List<Operation> history = LinearizabilityHistories.simulate(new SplittableRandom(42),
                new Params(50, 8, 10_000, 20, 5, 0.02, 0.02, 0, 0.05, 0.2));
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET_PER_KEY);
        assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
        assertThat(result.budgetExceeded()).isEmpty();
        assertThat(result.keysChecked()).isEqualTo(50);
        assertThat(result.operationsChecked() + result.operationsIgnored()).isEqualTo(10_000);
    }

    @Test
    void tenThousandOperationsOnOneKeyWithEightClientsAndFewValues() {
        List<Operation> history = LinearizabilityHistories.simulate(new SplittableRandom(7),
                new Params(1, 8, 10_000, 20, 5, 0.05, 0.02, 3, 0.1, 0.3));
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET_PER_KEY);
        assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
        assertThat(result.budgetExceeded()).isEmpty();
    }

    @Test
    void aPlantedViolationInTenThousandOperationsIsFoundWithinBudget() {
        List<Operation> history = new ArrayList<>(LinearizabilityHistories.simulate(
                new SplittableRandom(43), new Params(50, 8, 10_000, 20, 5, 0.02, 0.02, 0, 0.05, 0.2)));
        // The last completed read of k7 returns the first value k7 ever had: provably stale (unique values, and k7
        // is written many times in between).
        int last = -1;
        Operation firstWrite = null;
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            if (!op.key().equals("k7") || op.outcome() != Operation.Outcome.OK) {
                continue;
            }
            if (op.kind() == Operation.Kind.READ && (last < 0 || op.invokedAt() > history.get(last).invokedAt())) {
                last = i;
            }
            if (op.kind() == Operation.Kind.WRITE && !op.value().isAbsent()
                    && (firstWrite == null || op.respondedAt() < firstWrite.respondedAt())) {
                firstWrite = op;
            }
        }
        Operation read = history.get(last);
        Operation first = firstWrite;
        assertThat(history).as("a completed write of k7 strictly between the two").anyMatch(op -> op.key().equals("k7")
                && op.kind() == Operation.Kind.WRITE && op.outcome() == Operation.Outcome.OK
                && op.invokedAt() > first.respondedAt() && op.respondedAt() < read.invokedAt());
        history.set(last, Operation.read(read.clientId(), read.key(), firstWrite.value(), read.invokedAt(),
                read.respondedAt()));
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET_PER_KEY);
        assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.VIOLATION);
        assertThat(result.violations()).hasSize(1);
        assertThat(result.forKey("k7").explanation()).contains("#" + last + " ");
        assertThat(result.budgetExceeded()).isEmpty();
    }
}
