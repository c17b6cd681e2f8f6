package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.ring.RingId;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PlacementTest {

    @Test
    void replicasOfAKeyAreOneRthOfTheCircleApartAndIncludeTheKeysOwnSlot() {
        for (int r : new int[] {1, 3, 5}) {
            Placement p = new Placement(r, 6);
            SplittableRandom random = new SplittableRandom(r);
            for (int n = 0; n < 2_000; n++) {
                RingId h = RingId.random(random);
                int g = p.groupOf(h);
                Set<Integer> slots = new HashSet<>();
                for (int i = 0; i < r; i++) {
                    slots.add(p.slot(g, i));
                    assertThat(p.groupOfSlot(p.slot(g, i))).isEqualTo(g);
                    assertThat(p.indexOfSlot(p.slot(g, i))).isEqualTo(i);
                }
                assertThat(slots).hasSize(r).contains(p.slotOf(h));
                for (int i = 1; i < r; i++) {
                    BigInteger gap = big(p.anchor(p.slot(g, i)).minus(p.anchor(p.slot(g, i - 1))));
                    BigInteger ideal = BigInteger.ONE.shiftLeft(128).divide(BigInteger.valueOf(r));
                    assertThat(gap.subtract(ideal).abs()).isLessThanOrEqualTo(BigInteger.ONE);
                }
            }
        }
    }

    @Test
    void anchorIsTheFirstPointOfItsSlot() {
        Placement p = new Placement(3, 4);
        for (int s = 0; s < p.slots(); s++) {
            RingId a = p.anchor(s);
            assertThat(p.slotOf(a)).isEqualTo(s);
            if (s > 0) {
                assertThat(p.slotOf(a.minus(new RingId(0, 1)))).isEqualTo(s - 1);
            }
        }
        assertThat(p.anchor(0)).isEqualTo(RingId.ZERO);
        assertThat(p.slotOf(new RingId(-1, -1))).isEqualTo(p.slots() - 1);
    }

    @Test
    void slotOfIsFloorOfPointTimesSlotsOverTwoToThe128() {
        for (int r : new int[] {1, 3, 5}) {
            Placement p = new Placement(r, 5);
            SplittableRandom random = new SplittableRandom(7 + r);
            for (int n = 0; n < 5_000; n++) {
                RingId point = RingId.random(random);
                int expected = big(point).multiply(BigInteger.valueOf(p.slots())).shiftRight(128).intValueExact();
                assertThat(p.slotOf(point)).isEqualTo(expected);
            }
        }
    }

    @Test
    void majorities() {
        assertThat(new Placement(1, 0).majority()).isEqualTo(1);
        assertThat(new Placement(3, 0).majority()).isEqualTo(2);
        assertThat(new Placement(5, 0).majority()).isEqualTo(3);
    }

    @Test
    void rejectsEvenReplicationWithAClearMessage() {
        assertThatThrownBy(() -> new Placement(4, 8)).hasMessageContaining("odd").hasMessageContaining("3");
        assertThatThrownBy(() -> new Placement(3, 21)).hasMessageContaining("groupsLog2");
    }

    private static BigInteger big(RingId id) {
        return new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(id.hi()).putLong(id.lo()).array());
    }
}
