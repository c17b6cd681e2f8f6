package io.homeostat.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.check.ListAppendChecker.AnomalyType;
import io.homeostat.check.ListAppendChecker.Options;
import io.homeostat.check.ListAppendChecker.Result;
import io.homeostat.check.ListAppendChecker.Txn;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Histories from a serial model must pass (strictly), and planted anomalies must be caught: the checker can fail.
 * Plain JUnit loops over seeded {@link java.util.SplittableRandom}s, so every failure names its seed.
 */
class ListAppendGeneratedHistoryTest {

    @Test
    void serialExecutionsAreStrictlySerializable() {
        for (long seed = 0; seed < 200; seed++) {
            int txns = 5 + (int) (seed % 60);
            int keys = 1 + (int) (seed % 7);
            ListAppendHistories.Generated g = ListAppendHistories.serializable(seed, txns, keys, 6, seed % 2 == 0);
            Result r = ListAppendChecker.check(g.history(), Options.strictSerializable());
            assertThat(r.ok()).as("seed %d: %s", seed, r.describe()).isTrue();
            assertThat(ListAppendChecker.check(g.history()).ok()).as("seed %d", seed).isTrue();
        }
    }

    @Test
    void aLostUpdatePlantedInsideIsCaught() {
        int planted = 0;
        for (long seed = 0; seed < 100; seed++) {
            ListAppendHistories.Generated g = ListAppendHistories.serializable(seed, 80, 3, 4, true);
            List<Txn> mutated = ListAppendHistories.lostUpdateInside(g, seed);
            if (mutated == null) {
                continue;
            }
            planted++;
            Result r = ListAppendChecker.check(mutated);
            assertThat(r.ok()).as("seed %d", seed).isFalse();
            assertThat(r.has(AnomalyType.G_SINGLE)).as("seed %d: %s", seed, r.describe()).isTrue();
            assertThat(ListAppendChecker.check(mutated, Options.strictSerializable()).ok()).isFalse();
        }
        assertThat(planted).isGreaterThan(50);
    }

    @Test
    void aLostUpdateAtTheEndIsCaughtWhetherOrNotBothAppendsShow() {
        for (long seed = 0; seed < 50; seed++) {
            ListAppendHistories.Generated g = ListAppendHistories.serializable(seed, 40, 4, 5, seed % 2 == 0);
            String key = "k" + (seed % 4);
            Result both = ListAppendChecker.check(ListAppendHistories.lostUpdateAtEnd(g, key, true));
            assertThat(both.counts()).as("seed %d: %s", seed, both.describe())
                    .isEqualTo(java.util.Map.of(AnomalyType.G_SINGLE, 1));
            Result one = ListAppendChecker.check(ListAppendHistories.lostUpdateAtEnd(g, key, false));
            assertThat(one.counts()).as("seed %d: %s", seed, one.describe())
                    .isEqualTo(java.util.Map.of(AnomalyType.LOST_UPDATE, 1));
        }
    }

    @Test
    void movingAReaderBeforeItsWriterBreaksOnlyStrictSerializability() {
        int planted = 0;
        for (long seed = 0; seed < 50; seed++) {
            ListAppendHistories.Generated g = ListAppendHistories.serializable(seed, 60, 5, 5, false);
            List<Txn> moved = ListAppendHistories.readerMovedBeforeWriter(g);
            if (moved == null) {
                continue;
            }
            planted++;
            assertThat(ListAppendChecker.check(moved).ok()).as("seed %d", seed).isTrue();
            Result strict = ListAppendChecker.check(moved, Options.strictSerializable());
            assertThat(strict.ok()).as("seed %d", seed).isFalse();
            assertThat(strict.counts().keySet()).as("seed %d: %s", seed, strict.describe())
                    .allMatch(t -> t.name().endsWith("_REALTIME"));
        }
        assertThat(planted).isGreaterThan(40);
    }

    @Test
    void tenThousandTransactionsOnAHundredKeys() {
        ListAppendHistories.Generated g = ListAppendHistories.serializable(42, 10_000, 100, 6, true);
        Result strict = ListAppendChecker.check(g.history(), Options.strictSerializable());
        assertThat(strict.ok()).as(strict.describe()).isTrue();
        assertThat(strict.transactions()).isEqualTo(10_001);
        assertThat(strict.graphTransactions()).isGreaterThan(9_000);
        Result plain = ListAppendChecker.check(g.history());
        assertThat(plain.ok()).isTrue();

        List<Txn> mutated = ListAppendHistories.lostUpdateInside(g, 7);
        assertThat(mutated).isNotNull();
        Result broken = ListAppendChecker.check(mutated, Options.strictSerializable());
        assertThat(broken.ok()).isFalse();
        assertThat(broken.has(AnomalyType.G_SINGLE)).as(broken.describe()).isTrue();
    }
}
