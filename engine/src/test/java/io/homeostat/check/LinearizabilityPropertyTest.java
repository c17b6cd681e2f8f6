package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.check.LinearizabilityHistories.Params;
import io.homeostat.check.LinearizabilityResult.KeyResult;
import io.homeostat.check.LinearizabilityResult.Verdict;
import io.homeostat.check.Operation.Kind;
import io.homeostat.check.Operation.Outcome;
import io.homeostat.check.Operation.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties over seeded random histories: what a real atomic register produces is always accepted; a planted,
 * provably non-linearizable read is always caught on its key; and on small histories the checker agrees exactly with
 * a brute-force oracle. Every failure message carries the seed.
 */
class LinearizabilityPropertyTest {

    private static final long BUDGET = 2_000_000;

    private static Params randomParams(SplittableRandom rnd, boolean uniqueValues) {
        return new Params(1 + rnd.nextInt(4), 2 + rnd.nextInt(6), 10 + rnd.nextInt(300), 1 + rnd.nextInt(30),
                rnd.nextInt(10), rnd.nextInt(4) == 0 ? 0 : rnd.nextDouble() * 0.15, rnd.nextDouble() * 0.1,
                uniqueValues ? 0 : 1 + rnd.nextInt(4), rnd.nextDouble() * 0.1, rnd.nextDouble() * 0.4);
    }

    @Test
    void historiesOfARealRegisterAreLinearizable() {
        for (long seed = 0; seed < 600; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Params p = randomParams(rnd, seed % 2 == 0);
            List<Operation> history = LinearizabilityHistories.simulate(rnd, p);
            LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET);
            assertThat(result.verdict()).as("seed %d %s: %s", seed, p, result).isEqualTo(Verdict.OK);
            assertThat(result.operationsChecked() + result.operationsIgnored()).isEqualTo(history.size());
        }
    }

    @Test
    void aReadOfAnOverwrittenValueIsCaught() {
        int mutated = 0;
        for (long seed = 0; seed < 600; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Params p = randomParams(rnd, true);
            List<Operation> history = new ArrayList<>(LinearizabilityHistories.simulate(rnd, p));
            int target = plantStaleRead(rnd, history);
            if (target < 0) {
                continue;
            }
            mutated++;
            assertCaughtOnlyOn(seed, history, target);
        }
        assertThat(mutated).as("histories with a stale read planted").isGreaterThan(300);
    }

    @Test
    void aReadOfAValueNobodyWroteIsCaught() {
        int mutated = 0;
        for (long seed = 0; seed < 300; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Params p = randomParams(rnd, seed % 2 == 0);
            List<Operation> history = new ArrayList<>(LinearizabilityHistories.simulate(rnd, p));
            List<Integer> reads = new ArrayList<>();
            for (int i = 0; i < history.size(); i++) {
                if (history.get(i).kind() == Kind.READ && history.get(i).outcome() == Outcome.OK) {
                    reads.add(i);
                }
            }
            if (reads.isEmpty()) {
                continue;
            }
            int target = reads.get(rnd.nextInt(reads.size()));
            Operation r = history.get(target);
            history.set(target, Operation.read(r.clientId(), r.key(), Value.of("never-written"), r.invokedAt(),
                    r.respondedAt()));
            mutated++;
            assertCaughtOnlyOn(seed, history, target);
        }
        assertThat(mutated).isGreaterThan(250);
    }

    /** The planted key, and only it, is reported, with a bounded explanation. */
    private static void assertCaughtOnlyOn(long seed, List<Operation> history, int target) {
        String key = history.get(target).key();
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET);
        assertThat(result.verdict()).as("seed %d, planted at #%d: %s", seed, target, result)
                .isEqualTo(Verdict.VIOLATION);
        assertThat(result.violations()).extracting(KeyResult::key).as("seed %d", seed).containsExactly(key);
        assertThat(result.budgetExceeded()).isEmpty();
        KeyResult bad = result.forKey(key);
        assertThat(bad.explanation()).contains("key \"" + key + "\"").hasSizeLessThan(6_000);
        assertThat(bad.window()).isNotEmpty().hasSizeLessThanOrEqualTo(16);
    }

    /**
     * Makes a completed read return a value that was provably overwritten before it started: a read r, a completed
     * write w that responded before r was invoked, and a completed write w0 of a value written by nothing else, which
     * responded before w was invoked. w0 precedes w precedes r in every linearization and only w0 writes that value,
     * so r cannot return it. Returns the read's index, or -1 if the history has no such triple.
     */
    private static int plantStaleRead(SplittableRandom rnd, List<Operation> history) {
        Map<Value, Integer> writers = new HashMap<>();
        for (Operation op : history) {
            if (op.kind() != Kind.READ) {
                writers.merge(op.value(), 1, Integer::sum);
            }
        }
        List<int[]> choices = new ArrayList<>();
        for (int ri = 0; ri < history.size(); ri++) {
            Operation r = history.get(ri);
            if (r.kind() != Kind.READ || r.outcome() != Outcome.OK) {
                continue;
            }
            Operation w = null;
            for (Operation op : history) {
                if (op.key().equals(r.key()) && isCompletedWrite(op) && op.respondedAt() < r.invokedAt()
                        && (w == null || op.invokedAt() > w.invokedAt())) {
                    w = op;
                }
            }
            if (w == null) {
                continue;
            }
            for (int wi = 0; wi < history.size(); wi++) {
                Operation w0 = history.get(wi);
                if (w0.key().equals(r.key()) && isCompletedWrite(w0) && w0.respondedAt() < w.invokedAt()
                        && !w0.value().isAbsent() && writers.get(w0.value()) == 1) {
                    choices.add(new int[] {ri, wi});
                }
            }
        }
        if (choices.isEmpty()) {
            return -1;
        }
        int[] pick = choices.get(rnd.nextInt(choices.size()));
        Operation r = history.get(pick[0]);
        history.set(pick[0], Operation.read(r.clientId(), r.key(), history.get(pick[1]).value(), r.invokedAt(),
                r.respondedAt()));
        return pick[0];
    }

    private static boolean isCompletedWrite(Operation op) {
        return op.kind() == Kind.WRITE && op.outcome() == Outcome.OK;
    }

    /** Small histories, linearizable or not, with random outcomes: the checker must agree with brute force. */
    @Test
    void agreesWithBruteForceOnSmallHistories() {
        int ok = 0;
        int bad = 0;
        for (long seed = 0; seed < 20_000; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Operation> history = switch ((int) (seed % 3)) {
                case 0 -> arbitrary(rnd, 8, 4, 0.2);
                case 1 -> arbitrary(rnd, 10, 3, 0.5);
                default -> perturbed(rnd);
            };
            boolean expected = LinearizabilityHistories.bruteForceLinearizable(history);
            LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET);
            assertThat(result.verdict()).as("seed %d: %s\n%s", seed, history, result)
                    .isEqualTo(expected ? Verdict.OK : Verdict.VIOLATION);
            if (expected) {
                ok++;
            } else {
                bad++;
            }
        }
        assertThat(ok).isGreaterThan(4_000);
        assertThat(bad).isGreaterThan(4_000);
    }

    /**
     * Up to {@code maxSize} operations with arbitrary results over a tiny value domain, on one or two keys, with
     * many equal timestamps; a fraction {@code pUncertain} of them of unknown or failed outcome.
     */
    private static List<Operation> arbitrary(SplittableRandom rnd, int maxSize, int domain, double pUncertain) {
        int size = 1 + rnd.nextInt(maxSize);
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String key = rnd.nextInt(4) == 0 ? "k2" : "k1";
            long inv = rnd.nextInt(20);
            long resp = inv + rnd.nextInt(12);
            Operation op = switch (rnd.nextInt(3)) {
                case 0 -> Operation.read(i, key, smallValue(rnd, domain), inv, resp);
                case 1 -> Operation.write(i, key, smallValue(rnd, domain), inv, resp);
                default -> Operation.cas(i, key, smallValue(rnd, domain), smallValue(rnd, domain), rnd.nextBoolean(),
                        inv, resp);
            };
            double outcome = rnd.nextDouble();
            if (outcome < pUncertain * 0.75) {
                op = op.unknown();
                if (rnd.nextBoolean()) {
                    op = new Operation(op.clientId(), op.key(), op.kind(), op.value(), op.expected(),
                            op.casSucceeded(), Outcome.UNKNOWN, op.invokedAt(), Operation.NEVER);
                }
            } else if (outcome < pUncertain) {
                op = op.failed();
            }
            history.add(op);
        }
        return history;
    }

    private static Value smallValue(SplittableRandom rnd, int domain) {
        int v = rnd.nextInt(domain);
        return v == 0 ? Value.ABSENT : Value.of(String.valueOf((char) ('a' + v - 1)));
    }

    /** A small simulated history with one result or interval changed at random. */
    private static List<Operation> perturbed(SplittableRandom rnd) {
        Params p = new Params(1, 2 + rnd.nextInt(3), 2 + rnd.nextInt(7), 10, 3, 0.2, 0.1, 2, 0.2, 0.4);
        List<Operation> history = new ArrayList<>(LinearizabilityHistories.simulate(rnd, p));
        int i = rnd.nextInt(history.size());
        Operation op = history.get(i);
        Operation changed = switch (rnd.nextInt(4)) {
            case 0 -> new Operation(op.clientId(), op.key(), op.kind(), smallValue(rnd, 4), op.expected(),
                    op.casSucceeded(), op.outcome(), op.invokedAt(), op.respondedAt());
            case 1 -> op.kind() == Kind.CAS ? new Operation(op.clientId(), op.key(), op.kind(), op.value(),
                    op.expected(), !op.casSucceeded(), op.outcome(), op.invokedAt(), op.respondedAt()) : op;
            case 2 -> new Operation(op.clientId(), op.key(), op.kind(), op.value(), op.expected(), op.casSucceeded(),
                    op.outcome(), op.invokedAt() + 15, Math.max(op.respondedAt(), op.invokedAt() + 15));
            default -> op.withOutcome(Outcome.OK);
        };
        history.set(i, changed);
        return history;
    }

    /** Running out of budget may turn a verdict into UNKNOWN, never into the other verdict. */
    @Test
    void smallBudgetsOnlyEverSayUnknown() {
        int unknowns = 0;
        for (long seed = 0; seed < 200; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Operation> history = new ArrayList<>(LinearizabilityHistories.simulate(rnd,
                    new Params(1, 4, 40 + rnd.nextInt(60), 20, 3, 0.1, 0.05, 2, 0.1, 0.3)));
            if (seed % 2 == 1) {
                plantStaleRead(rnd, history);
            }
            LinearizabilityResult full = LinearizabilityChecker.check(history, BUDGET);
            assertThat(full.verdict()).isNotEqualTo(Verdict.UNKNOWN);
            long needed = full.maxStepsPerKey();
            for (long budget : new long[] {1, 2, 3, 5, 10, 30, 100, needed / 2, needed - 1, needed}) {
                if (budget < 1) {
                    continue;
                }
                LinearizabilityResult limited = LinearizabilityChecker.check(history, budget);
                assertThat(limited.verdict()).as("seed %d budget %d", seed, budget)
                        .isIn(full.verdict(), Verdict.UNKNOWN);
                if (budget >= needed) {
                    assertThat(limited.verdict()).isEqualTo(full.verdict());
                }
                unknowns += limited.verdict() == Verdict.UNKNOWN ? 1 : 0;
            }
        }
        assertThat(unknowns).isGreaterThan(100);
    }
}
