package io.homeostat.check;

import static io.homeostat.check.Operation.NEVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.check.LinearizabilityResult.KeyResult;
import io.homeostat.check.LinearizabilityResult.Verdict;
import io.homeostat.check.Operation.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-written histories with known verdicts, each checked against the brute-force oracle as well. */
class LinearizabilityCheckerTest {

    private static final long BUDGET = 1_000_000;
    private static final String K = "k";

    private static Value v(String s) {
        return Value.of(s);
    }

    private static Operation r(long client, String value, long inv, long resp) {
        return Operation.read(client, K, value == null ? Value.ABSENT : v(value), inv, resp);
    }

    private static Operation w(long client, String value, long inv, long resp) {
        return Operation.write(client, K, v(value), inv, resp);
    }

    private static Operation cas(long client, String expected, String next, boolean ok, long inv, long resp) {
        return Operation.cas(client, K, expected == null ? Value.ABSENT : v(expected), v(next), ok, inv, resp);
    }

    private static LinearizabilityResult check(Operation... history) {
        LinearizabilityResult result = LinearizabilityChecker.check(List.of(history), BUDGET);
        assertThat(result.verdict()).as("checker vs brute force on %s", List.of(history))
                .isEqualTo(LinearizabilityHistories.bruteForceLinearizable(List.of(history)) ? Verdict.OK
                        : Verdict.VIOLATION);
        return result;
    }

    private static void assertOk(Operation... history) {
        LinearizabilityResult result = check(history);
        assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.OK);
        assertThat(result.violations()).isEmpty();
    }

    private static KeyResult assertViolation(Operation... history) {
        LinearizabilityResult result = check(history);
        assertThat(result.verdict()).as("%s", result).isEqualTo(Verdict.VIOLATION);
        assertThat(result.violations()).hasSize(1);
        KeyResult bad = result.violations().get(0);
        assertThat(bad.explanation()).contains("\"" + bad.key() + "\"", "not linearizable");
        assertThat(bad.window()).isNotEmpty();
        return bad;
    }

    @Test
    void emptyHistoryIsLinearizable() {
        LinearizabilityResult result = LinearizabilityChecker.check(List.of(), 1);
        assertThat(result.verdict()).isEqualTo(Verdict.OK);
        assertThat(result.keysChecked()).isZero();
        assertThat(result.operationsChecked()).isZero();
    }

    @Test
    void readOfAFreshKeyIsAbsent() {
        assertOk(r(1, null, 0, 10));
        assertViolation(r(1, "a", 0, 10));
    }

    @Test
    void sequentialWriteThenRead() {
        assertOk(w(1, "a", 0, 10), r(2, "a", 20, 30));
    }

    @Test
    void staleReadAfterACompletedWriteIsAViolation() {
        KeyResult bad = assertViolation(w(1, "a", 0, 10), w(1, "b", 20, 30), r(2, "a", 40, 50));
        assertThat(bad.explanation()).contains("returned \"a\" but the value is \"b\"", "#2 client 2 READ");
        assertThat(bad.window()).contains(r(2, "a", 40, 50), w(1, "b", 20, 30));
    }

    @Test
    void readConcurrentWithAWriteMaySeeEitherValue() {
        assertOk(w(1, "a", 0, 10), w(1, "b", 20, 30), r(2, "a", 25, 50));
        assertOk(w(1, "a", 0, 10), w(1, "b", 20, 30), r(2, "b", 25, 50));
        assertOk(w(1, "a", 0, 10), r(2, null, 5, 8));
    }

    @Test
    void readOfAbsentAfterACompletedWriteIsAViolation() {
        assertViolation(w(1, "a", 0, 10), r(2, null, 11, 20));
    }

    @Test
    void timeTiesCountAsConcurrent() {
        assertOk(w(1, "a", 0, 10), r(2, null, 10, 20));
        assertViolation(w(1, "a", 0, 10), r(2, null, 11, 20));
        assertOk(w(1, "a", 0, 10), w(1, "b", 10, 20), r(2, "a", 20, 30));
        assertOk(w(1, "a", 0, 10), w(1, "b", 10, 20), r(2, "a", 21, 30)); // b at 10, then a at 10
        assertViolation(w(1, "a", 0, 10), w(1, "b", 11, 20), r(2, "a", 21, 30));
        // Ties are concurrent in both directions: b may take effect before a.
        assertOk(w(1, "a", 0, 10), w(2, "b", 10, 20), r(3, "a", 25, 30));
    }

    @Test
    void concurrentWritesObservedInBothOrdersIsAViolation() {
        // Both writes overlap everything; client 3 sees a then b, client 4 sees b then a.
        assertViolation(w(1, "a", 0, 100), w(2, "b", 0, 100), r(3, "a", 10, 20), r(3, "b", 30, 40),
                r(4, "b", 10, 20), r(4, "a", 30, 40));
        // Both see the same order: fine.
        assertOk(w(1, "a", 0, 100), w(2, "b", 0, 100), r(3, "a", 10, 20), r(3, "b", 30, 40),
                r(4, "a", 10, 20), r(4, "b", 30, 40));
    }

    @Test
    void concurrentWritesThenSequentialReadsThatFlipIsAViolation() {
        assertOk(w(1, "a", 0, 10), w(2, "b", 0, 10), r(3, "a", 20, 30), r(4, "a", 40, 50));
        assertOk(w(1, "a", 0, 10), w(2, "b", 0, 10), r(3, "b", 20, 30), r(4, "b", 40, 50));
        assertViolation(w(1, "a", 0, 10), w(2, "b", 0, 10), r(3, "a", 20, 30), r(4, "b", 40, 50));
    }

    @Test
    void casAgainstTheCurrentValue() {
        assertOk(w(1, "a", 0, 10), cas(2, "a", "b", true, 20, 30), r(3, "b", 40, 50));
        assertOk(cas(1, null, "a", true, 0, 10), r(2, "a", 20, 30));
        assertOk(w(1, "a", 0, 10), cas(2, "x", "y", false, 20, 30), r(3, "a", 40, 50));
    }

    @Test
    void casSuccessThatContradictsTheValueIsAViolation() {
        KeyResult never = assertViolation(w(1, "a", 0, 10), cas(2, "x", "y", true, 20, 30));
        assertThat(never.explanation()).contains("#1 client 2 CAS", "found \"x\"", "no operation writes \"x\"");
        KeyResult stale = assertViolation(w(1, "x", 0, 10), w(1, "a", 20, 30), cas(2, "x", "y", true, 40, 50));
        assertThat(stale.explanation()).contains("swapped although the value is \"a\", not \"x\"",
                "written by #0 [0, 10]");
        assertViolation(w(1, "a", 0, 10), cas(2, "a", "b", true, 20, 30), r(3, "a", 40, 50));
    }

    @Test
    void casFailureThatContradictsTheValueIsAViolation() {
        KeyResult bad = assertViolation(w(1, "a", 0, 10), cas(2, "a", "b", false, 20, 30));
        assertThat(bad.explanation()).contains("did not swap although the value is its expected \"a\"");
    }

    @Test
    void lostUpdateIsAViolation() {
        // Two increments from 0 both succeed: one of them must have seen 1.
        assertViolation(w(1, "0", 0, 5), cas(2, "0", "1", true, 10, 20), cas(3, "0", "1", true, 12, 22));
        assertOk(w(1, "0", 0, 5), cas(2, "0", "1", true, 10, 20), cas(3, "0", "1", false, 12, 22));
        assertOk(w(1, "0", 0, 5), cas(2, "0", "1", true, 10, 20), cas(3, "1", "2", true, 12, 22),
                r(4, "2", 30, 40));
    }

    @Test
    void deleteIsAWriteOfAbsent() {
        assertOk(w(1, "a", 0, 10), Operation.delete(1, K, 20, 30), r(2, null, 40, 50));
        assertViolation(w(1, "a", 0, 10), Operation.delete(1, K, 20, 30), r(2, "a", 40, 50));
        assertOk(w(1, "a", 0, 10), Operation.delete(1, K, 20, 30), cas(2, null, "b", true, 40, 50));
    }

    @Test
    void unknownWriteWhoseEffectIsObservedIsFine() {
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, 25).unknown(), r(3, "b", 50, 60));
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), r(3, "b", 50, 60));
    }

    @Test
    void unknownWriteThatNeverShowsIsFine() {
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), r(3, "a", 50, 60), r(3, "a", 70, 80));
    }

    @Test
    void unknownWriteMayTakeEffectLongAfterItsClientGaveUp() {
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, 25).unknown(), r(3, "a", 30, 40), r(3, "b", 100, 110));
    }

    @Test
    void unknownWriteCannotTakeEffectBeforeItsInvocation() {
        assertViolation(w(2, "b", 20, NEVER).unknown(), r(3, "b", 0, 10));
    }

    @Test
    void unknownWriteObservedThenUnobservedIsAViolation() {
        KeyResult bad = assertViolation(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), r(3, "b", 30, 40),
                r(3, "a", 50, 60));
        assertThat(bad.explanation()).contains("returned \"a\" but the value is \"b\"");
    }

    @Test
    void unknownWriteTakesEffectAtMostOnce() {
        assertViolation(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), r(3, "b", 30, 40),
                w(4, "c", 45, 48), r(3, "b", 50, 60));
    }

    @Test
    void unknownCasTakesEffectOnlyIfItsExpectationHolds() {
        assertOk(w(1, "a", 0, 10), cas(2, "a", "b", false, 20, 30).unknown(), r(3, "b", 40, 50));
        assertViolation(w(1, "a", 0, 10), cas(2, "x", "b", true, 20, 30).unknown(), r(3, "b", 40, 50));
        // A chain of uncertain CASes a->b->c explains c.
        assertOk(w(1, "a", 0, 10), cas(2, "b", "c", true, 20, NEVER).unknown(),
                cas(3, "a", "b", true, 20, NEVER).unknown(), r(4, "c", 40, 50));
    }

    @Test
    void aFailedCasCanBeExplainedByAnUnknownWrite() {
        // The CAS saw something other than "a": only the uncertain write of "b" can have put it there.
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), cas(3, "a", "c", false, 30, 40));
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), cas(3, "a", "c", false, 30, 40),
                r(4, "b", 50, 60));
        assertViolation(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), cas(3, "a", "c", false, 30, 40),
                r(4, "a", 50, 60));
        assertViolation(w(1, "a", 0, 10), w(2, "b", 20, 25).failed(), cas(3, "a", "c", false, 30, 40));
    }

    @Test
    void anUnknownWriteIsNotWastedWhereItIsNeededLater() {
        // u ("b") can take effect only once: spending it to fail the CAS early would leave nothing for the read.
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), w(5, "c", 20, NEVER).unknown(),
                cas(3, "a", "x", false, 30, 40), r(4, "b", 50, 60));
        assertViolation(w(1, "a", 0, 10), w(2, "b", 20, NEVER).unknown(), cas(3, "a", "x", false, 30, 40),
                w(1, "a", 42, 45), r(4, "b", 50, 60), r(4, "a", 70, 80));
    }

    @Test
    void failedOperationsHaveNoEffect() {
        assertOk(w(1, "a", 0, 10), w(2, "b", 20, 30).failed(), r(3, "a", 40, 50));
        KeyResult bad = assertViolation(w(1, "a", 0, 10), w(2, "b", 20, 30).failed(), r(3, "b", 40, 50));
        assertThat(bad.explanation()).contains("no operation writes \"b\"", "failed operations #1 had no effect");
        assertOk(w(1, "a", 0, 10), cas(2, "a", "b", true, 20, 30).failed(), r(3, "a", 40, 50));
    }

    @Test
    void readsOfUnknownOutcomeAreIgnored() {
        LinearizabilityResult result = LinearizabilityChecker.check(List.of(w(1, "a", 0, 10),
                r(2, "garbage", 20, 30).unknown(), r(3, "a", 40, 50)), BUDGET);
        assertThat(result.verdict()).isEqualTo(Verdict.OK);
        assertThat(result.operationsChecked()).isEqualTo(2);
        assertThat(result.operationsIgnored()).isEqualTo(1);
    }

    @Test
    void keysAreCheckedIndependently() {
        List<Operation> history = List.of(
                Operation.write(1, "x", v("a"), 0, 10), Operation.read(2, "x", v("a"), 20, 30),
                Operation.write(1, "y", v("a"), 0, 10), Operation.read(2, "y", Value.ABSENT, 20, 30),
                Operation.read(3, "z", Value.ABSENT, 0, 1));
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET);
        assertThat(result.verdict()).isEqualTo(Verdict.VIOLATION);
        assertThat(result.keysChecked()).isEqualTo(3);
        assertThat(result.operationsChecked()).isEqualTo(5);
        assertThat(result.forKey("x").verdict()).isEqualTo(Verdict.OK);
        assertThat(result.forKey("y").verdict()).isEqualTo(Verdict.VIOLATION);
        assertThat(result.forKey("z").verdict()).isEqualTo(Verdict.OK);
        assertThat(result.violations()).extracting(KeyResult::key).containsExactly("y");
        assertThat(result.summary()).startsWith("VIOLATION: 3 keys").contains("key \"y\"");
        // Writing "a" on y does not explain reading "a" on x: keys do not leak into each other.
        assertThat(LinearizabilityChecker.check(List.of(Operation.write(1, "y", v("a"), 0, 10),
                Operation.read(2, "x", v("a"), 20, 30)), BUDGET).verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void valuesCompareByContent() {
        byte[] bytes = {1, 2, 3};
        Value a = Value.of(bytes);
        bytes[0] = 9;
        assertThat(a).isEqualTo(Value.of(new byte[] {1, 2, 3})).hasSameHashCodeAs(Value.of(new byte[] {1, 2, 3}));
        assertThat(Value.of((byte[]) null)).isEqualTo(Value.ABSENT);
        assertThat(Value.of(new byte[0])).isNotEqualTo(Value.ABSENT);
        assertThat(a.toString()).isEqualTo("0x010203");
        assertOk(Operation.write(1, K, Value.of(new byte[] {1, 2, 3}), 0, 10),
                Operation.read(2, K, Value.of(new byte[] {1, 2, 3}), 20, 30));
    }

    @Test
    void operationsAreValidated() {
        assertThatThrownBy(() -> r(1, "a", 10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Operation(1, K, Operation.Kind.READ, v("a"), v("b"), false,
                Operation.Outcome.OK, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinearizabilityChecker.check(List.of(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Operation(1, K, Operation.Kind.WRITE, null, null, false, Operation.Outcome.OK, 0, 1).value())
                .isEqualTo(Value.ABSENT);
    }

    @Test
    void aTinyBudgetGivesUnknownNotAViolation() {
        List<Operation> history = List.of(w(1, "a", 0, 10), w(1, "b", 20, 30), r(2, "a", 40, 50));
        LinearizabilityResult result = LinearizabilityChecker.check(history, 2);
        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.budgetExceeded()).hasSize(1);
        assertThat(result.violations()).isEmpty();
        assertThat(LinearizabilityChecker.check(history, BUDGET).verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void manyPendingUnknownWritesDoNotMakeTheSearchExplode() {
        // 40 writes of unknown outcome, all pending for ever: without care the search tries all 2^40 subsets.
        List<Operation> base = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            base.add(w(i, "u" + i, i, NEVER).unknown());
        }
        List<Operation> ok = new ArrayList<>(base);
        ok.add(r(100, "u5", 100, 110));
        ok.add(r(100, "u3", 120, 130));
        ok.add(r(101, "u17", 140, 150));
        ok.add(w(102, "z", 160, 170));
        ok.add(r(100, "u9", 180, 190));
        LinearizabilityResult okResult = LinearizabilityChecker.check(ok, 200_000);
        assertThat(okResult.verdict()).as("%s", okResult).isEqualTo(Verdict.OK);

        List<Operation> bad = new ArrayList<>(base);
        bad.add(r(100, "u5", 100, 110));
        bad.add(r(100, "u3", 120, 130));
        bad.add(w(102, "z", 140, 150));
        bad.add(r(100, "u5", 160, 170));
        LinearizabilityResult badResult = LinearizabilityChecker.check(bad, 200_000);
        assertThat(badResult.verdict()).as("%s", badResult).isEqualTo(Verdict.VIOLATION);

        List<Operation> never = new ArrayList<>(base);
        never.add(r(100, "nobody-wrote-this", 100, 110));
        assertThat(LinearizabilityChecker.check(never, 200_000).verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void longSingleKeyHistoriesNeedNoDeepRecursion() {
        List<Operation> history = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 5_000; i++) {
            history.add(w(1, "v" + i, t, t + 5));
            history.add(r(2, "v" + i, t + 6, t + 9));
            t += 10;
        }
        LinearizabilityResult ok = LinearizabilityChecker.check(history, BUDGET);
        assertThat(ok.verdict()).isEqualTo(Verdict.OK);
        assertThat(ok.operationsChecked()).isEqualTo(10_000);

        history.add(r(3, "v4990", t + 1, t + 2));
        LinearizabilityResult bad = LinearizabilityChecker.check(history, BUDGET);
        assertThat(bad.verdict()).isEqualTo(Verdict.VIOLATION);
        String explanation = bad.violations().get(0).explanation();
        assertThat(explanation).contains("10000 operations", "#10000 client 3 READ", "returned \"v4990\"",
                "the value is \"v4999\"", "written by #9980");
        assertThat(explanation.length()).isLessThan(3_000);
        assertThat(explanation.lines().count()).isLessThan(25);
        assertThat(bad.violations().get(0).window().size()).isLessThanOrEqualTo(20);
    }

    @Test
    void explanationsAreBoundedEvenWithHugeValuesAndKeys() {
        String hugeKey = "key-" + "x".repeat(10_000);
        String huge = "v".repeat(100_000);
        List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            history.add(Operation.write(i % 4, hugeKey, v(huge + i), i * 10, i * 10 + 15));
            history.add(Operation.read(4 + i % 4, hugeKey, v(huge + i), i * 10 + 5, i * 10 + 25));
        }
        history.add(Operation.read(99, hugeKey, v(huge + 3), 1_000, 1_010));
        LinearizabilityResult result = LinearizabilityChecker.check(history, BUDGET);
        assertThat(result.verdict()).isEqualTo(Verdict.VIOLATION);
        assertThat(result.summary().length()).isLessThan(8_000);
    }
}
