package io.homeostat.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.Placement;
import io.homeostat.ring.RingId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** One member handing out positions to nodes that start together, its reservations standing in for them. */
class PositionChooserTest {

    @Test
    void aMemberAloneSpreadsABatchOfNewcomersOverDistinctBoundaries() {
        Placement placement = new Placement(3, 6);
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            RingId founder = RingId.random(random);
            List<RingId> reserved = new ArrayList<>();
            TreeSet<Integer> boundaries = new TreeSet<>();
            boundaries.add(PositionChooser.boundary(placement, founder));
            for (int joiner = 0; joiner < 6; joiner++) {
                RingId offer = PositionChooser.choose(placement, List.of(founder), true, reserved, random);
                assertThat(boundaries.add(PositionChooser.boundary(placement, offer)))
                        .as("seed %d joiner %d: boundary %d already taken %s", seed, joiner,
                                PositionChooser.boundary(placement, offer), boundaries)
                        .isTrue();
                reserved.add(offer);
            }
            List<RingId> all = new ArrayList<>(reserved);
            all.add(founder);
            assertThat(BalancedJoinTest.groupsWithSharedNodes(placement, all)).as("seed %d", seed).isZero();
        }
    }

    /** Once a newcomer has joined, it is both in the member's ring and among its reservations: the same point. */
    @Test
    void aReservationThatHasJoinedIsNotASecondNode() {
        Placement placement = new Placement(3, 6);
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            RingId founder = RingId.random(random);
            RingId first = PositionChooser.choose(placement, List.of(founder), true, List.of(), random);
            RingId second = PositionChooser.choose(placement, List.of(founder, first), true, List.of(first), random);
            RingId third = PositionChooser.choose(placement, List.of(founder, first), true, List.of(first, second),
                    random);
            TreeSet<Integer> boundaries = new TreeSet<>();
            for (RingId p : List.of(founder, first, second, third)) {
                assertThat(boundaries.add(PositionChooser.boundary(placement, p))).as("seed %d: %s", seed, boundaries)
                        .isTrue();
            }
        }
    }
}
