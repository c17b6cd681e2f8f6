package io.homeostat.bench.l2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report of several rounds: ratios within each round, and the medians over the rounds. */
class L2ReportTest {

    /** A mix row measured for 10 s: {@code ops} operations, the given p50. */
    private static L2Run.Row mix(String system, long ops, double p50us) {
        return new L2Run.Row(system, "mix90/10", 4, 10, ops, p50us, 100, 2_000, 90, 10, 0, 0, "");
    }

    @Test
    void severalRoundsGiveOneTablePerRoundAndTheMedianOfThePerRoundRatios() {
        // round 1: homeostat 0.50 of infinispan; round 2: 0.80; round 3: 0.70 (median 0.70, not the ratio of medians)
        List<L2Run.Row> rows = List.of(
                mix("infinispan", 200_000, 3.0), mix("homeostat", 100_000, 3.0),
                mix("homeostat", 80_000, 2.0), mix("infinispan", 100_000, 4.0),
                mix("infinispan", 300_000, 2.0), mix("homeostat", 210_000, 4.0));
        List<Integer> rounds = List.of(1, 1, 2, 2, 3, 3);
        String md = L2Report.markdown("header", List.of("infinispan", "homeostat"), rows, rounds, List.of(), List.of(),
                3, List.of());

        assertThat(md).contains("Round 1 of 3:", "Round 2 of 3:", "Round 3 of 3:", "Median over 3 rounds");
        // each round's own ratio in that round's table
        assertThat(md).contains("| homeostat | mix90/10 | 4 | 10,000 | 3.00 | 100 | 2,000 | 90.0 % | 0 | 0 |  |  | 0.50 "
                + "| 1.00 |");
        assertThat(md).contains("| homeostat | mix90/10 | 4 | 8,000 | 2.00 | 100 | 2,000 | 90.0 % | 0 | 0 |  |  | 0.80 "
                + "| 0.50 |");
        assertThat(md).contains("| homeostat | mix90/10 | 4 | 10,000 (10,000, 8,000, 21,000) | 3.00 (3.00, 2.00, 4.00) "
                + "| 0.70 (0.50, 0.80, 0.70) | 1.00 (1.00, 0.50, 2.00) |");
        assertThat(md).contains("| infinispan | mix90/10 | 4 | 20,000 (20,000, 10,000, 30,000)");
    }

    @Test
    void oneRoundGivesTheSingleTableWithoutMedians() {
        List<L2Run.Row> rows = List.of(mix("infinispan", 200_000, 3.0), mix("homeostat", 100_000, 3.0));
        String md = L2Report.markdown("header", List.of("infinispan", "homeostat"), rows, List.of(1, 1), List.of(),
                List.of(), 1, List.of());
        assertThat(md).doesNotContain("Round 1", "Median");
        assertThat(md).contains("| homeostat | mix90/10 | 4 | 10,000 | 3.00 | 100 | 2,000 | 90.0 % | 0 | 0 |  |  | 0.50 "
                + "| 1.00 |");
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(L2Report.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(L2Report.median(List.of(5.0))).isEqualTo(5.0);
    }
}
