package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.check.BankChecker.Observation;
import io.homeostat.check.BankChecker.Result;
import io.homeostat.check.BankChecker.ViolationType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BankCheckerTest {

    private static Map<String, Long> accounts(int n, long each) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put("a" + i, each);
        }
        return m;
    }

    /** Serial transfers with read-alls in between; with {@code tornAt} >= 0 that read sees a half-done transfer. */
    private static List<Observation<String>> run(long seed, Map<String, Long> initial, boolean overdrafts, int tornAt) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Long> state = new LinkedHashMap<>(initial);
        List<String> names = new ArrayList<>(initial.keySet());
        List<Observation<String>> reads = new ArrayList<>();
        long txn = 0;
        for (int step = 0; step < 300; step++) {
            String from = names.get(rnd.nextInt(names.size()));
            String to = names.get(rnd.nextInt(names.size()));
            long amount = 1 + rnd.nextInt(30);
            if (from.equals(to) || (!overdrafts && state.get(from) < amount)) {
                continue;
            }
            state.merge(from, -amount, Long::sum);
            if (reads.size() == tornAt) {
                reads.add(new Observation<>(txn++, state)); // the debit is visible, the credit is not
            }
            state.merge(to, amount, Long::sum);
            if (rnd.nextInt(3) == 0) {
                reads.add(new Observation<>(txn++, state));
            }
        }
        return reads;
    }

    @Test
    void conservedTotalsPass() {
        for (long seed = 0; seed < 30; seed++) {
            Map<String, Long> initial = accounts(8, 100);
            List<Observation<String>> reads = run(seed, initial, false, -1);
            Result r = BankChecker.check(initial, reads, false);
            assertThat(r.ok()).as("seed %d: %s", seed, r.describe()).isTrue();
            assertThat(r.expectedTotal()).isEqualTo(800);
            assertThat(r.observations()).isEqualTo(reads.size()).isGreaterThan(20);
        }
    }

    @Test
    void aTornReadFails() {
        for (long seed = 0; seed < 30; seed++) {
            Map<String, Long> initial = accounts(8, 100);
            List<Observation<String>> reads = run(seed, initial, false, 5);
            Result r = BankChecker.check(initial, reads, false);
            assertThat(r.ok()).as("seed %d", seed).isFalse();
            assertThat(r.counts()).isEqualTo(Map.of(ViolationType.WRONG_TOTAL, 1));
            assertThat(r.violations().get(0).txnId()).isEqualTo(5);
            assertThat(r.violations().get(0).explanation()).contains("T5 read a total of").contains("expected 800");
        }
    }

    @Test
    void negativeBalancesFailOnlyWhenOverdraftsAreForbidden() {
        Map<String, Long> initial = accounts(4, 10);
        List<Observation<String>> reads = run(3, initial, true, -1);
        assertThat(reads).anyMatch(o -> o.balances().values().stream().anyMatch(b -> b < 0));
        assertThat(BankChecker.check(initial, reads, true).ok()).isTrue();
        Result forbidden = BankChecker.check(initial, reads, false);
        assertThat(forbidden.counts().keySet()).containsExactly(ViolationType.NEGATIVE_BALANCE);
        assertThat(forbidden.violations().get(0).explanation()).contains("overdrafts are forbidden");
    }

    @Test
    void missingAndUnknownAccountsFail() {
        Map<String, Long> initial = Map.of("a", 50L, "b", 50L);
        Map<String, Long> withNull = new LinkedHashMap<>();
        withNull.put("a", 100L);
        withNull.put("b", null);
        Result r = BankChecker.check(initial, List.of(new Observation<>(1, Map.of("a", 100L)),
                new Observation<>(2, withNull), new Observation<>(3, Map.of("a", 50L, "b", 40L, "c", 10L)),
                new Observation<>(4, Map.of("a", 70L, "b", 30L))), false);
        assertThat(r.counts()).isEqualTo(Map.of(ViolationType.MISSING_ACCOUNT, 2, ViolationType.UNKNOWN_ACCOUNT, 1));
        assertThat(r.describe()).contains("T1 read no balance for [b]").contains("[c] that never existed");
    }

    @Test
    void reportsAreBoundedAndInputsValidated() {
        Map<String, Long> initial = accounts(3, 10);
        List<Observation<String>> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.add(new Observation<>(i, Map.of("a0", 10L, "a1", 10L, "a2", 11L)));
        }
        Result r = BankChecker.check(initial, reads, false, 4);
        assertThat(r.count(ViolationType.WRONG_TOTAL)).isEqualTo(100);
        assertThat(r.violations()).hasSize(4);
        assertThatThrownBy(() -> BankChecker.check(Map.of("a", -1L), List.of(), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(BankChecker.check(Map.of("a", -1L, "b", 1L), List.of(new Observation<>(1, Map.of("a", 0L, "b",
                0L))), true).ok()).isTrue();
    }
}
