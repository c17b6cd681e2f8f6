package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.check.CycleChecker.Result;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CycleCheckerTest {

    @Test
    void validSwapSequencesPass() {
        for (long seed = 0; seed < 50; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            int n = 3 + rnd.nextInt(60);
            int[] p = CycleChecker.initialPointers(n);
            assertThat(CycleChecker.check(p).ok()).isTrue();
            for (int i = 0; i < 500; i++) {
                CycleChecker.swapAfter(p, rnd.nextInt(n));
                Result r = CycleChecker.check(p);
                assertThat(r.ok()).as("seed %d step %d: %s", seed, i, r.explanation()).isTrue();
                assertThat(r.cycleLengthFromZero()).isEqualTo(n);
            }
        }
        assertThat(CycleChecker.check(new int[] {0}).ok()).isTrue();
    }

    @Test
    void aHalfAppliedSwapFails() {
        int[] p = CycleChecker.initialPointers(10);
        p[3] = 5; // a -> c written, c -> b and b -> d lost
        Result r = CycleChecker.check(p);
        assertThat(r.ok()).isFalse();
        assertThat(r.explanation()).contains("keys [3, 4] all point to 5").contains("no key points to [4]");
    }

    @Test
    void twoUnisolatedSwapsOnOneSnapshotBreakTheCycle() {
        int[] snapshot = CycleChecker.initialPointers(6);
        int[] t1 = snapshot.clone();
        CycleChecker.swapAfter(t1, 0);
        int[] t2 = snapshot.clone();
        CycleChecker.swapAfter(t2, 1);
        int[] db = snapshot.clone();
        for (int k = 0; k < 6; k++) { // apply T1's writes, then T2's, each computed from the same snapshot
            if (t1[k] != snapshot[k]) {
                db[k] = t1[k];
            }
        }
        for (int k = 0; k < 6; k++) {
            if (t2[k] != snapshot[k]) {
                db[k] = t2[k];
            }
        }
        assertThat(CycleChecker.check(db).ok()).isFalse();
    }

    @Test
    void everySinglePointerCorruptionIsCaught() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int trial = 0; trial < 500; trial++) {
            int n = 3 + rnd.nextInt(40);
            int[] p = CycleChecker.initialPointers(n);
            for (int i = 0; i < 50; i++) {
                CycleChecker.swapAfter(p, rnd.nextInt(n));
            }
            int k = rnd.nextInt(n);
            int v = rnd.nextInt(n - 1);
            p[k] = v >= p[k] ? v + 1 : v; // any other value
            assertThat(CycleChecker.check(p).ok()).as("trial %d", trial).isFalse();
        }
    }

    @Test
    void splitCyclesAndBadReadsFail() {
        // 0 -> 1 -> 0 and 2 -> 3 -> 4 -> 2: a permutation, but two cycles
        Result split = CycleChecker.check(new int[] {1, 0, 3, 4, 2});
        assertThat(split.ok()).isFalse();
        assertThat(split.cycleLengthFromZero()).isEqualTo(2);
        assertThat(split.explanation()).contains("the cycle through 0 has length 2, not 5: 0 -> 1 -> 0")
                .contains("2 cycles, of lengths [2, 3]");

        Result loop = CycleChecker.check(new int[] {1, 2, 1});
        assertThat(loop.cycleLengthFromZero()).isEqualTo(-1);
        assertThat(loop.explanation()).contains("never returning to 0");

        Map<Integer, Integer> read = new HashMap<>(Map.of(0, 1, 1, 2, 3, 9, 7, 0));
        Result bad = CycleChecker.check(4, read);
        assertThat(bad.ok()).isFalse();
        assertThat(bad.problems()).anySatisfy(s -> assertThat(s).contains("key 3 points to 9"))
                .anySatisfy(s -> assertThat(s).contains("no value read for key(s) [2]"))
                .anySatisfy(s -> assertThat(s).contains("holds key 7"));
        assertThatThrownBy(() -> CycleChecker.check(0, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
