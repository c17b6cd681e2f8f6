package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.runtime.Address;
import io.homeostat.store.Key;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quarantine and lease handoff in one replica's lease table, with clocks that disagree on the time. */
class LeaseTableTest {

    private static final Address PREVIOUS = Address.sim(1);
    private static final Address HOLDER = Address.sim(2);
    private static final Key KEY = Key.of("k");

    @Test
    void noQuarantineHandsOverNothingToWaitFor() {
        LeaseTable t = new LeaseTable(16);
        assertThat(t.quarantineRemainingMillis(-5_000_000_000L)).isZero(); // a clock far below the "none" marker's
        assertThat(t.quarantineRemainingMillis(7_000)).isZero();
        t.quarantineUntil(10_000);
        assertThat(t.quarantineRemainingMillis(7_000)).isEqualTo(3_000);
        assertThat(t.quarantineRemainingMillis(12_000)).isZero();
    }

    @Test
    void aHandoffLiftsTheQuarantineAwaitingItAndTheHandedLeasesHoldWrites() {
        LeaseTable t = new LeaseTable(16);
        long now = 1_000_000; // this replica's clock; the previous holder's may be anywhere
        t.awaitHandoff(PREVIOUS, now + 2_000);
        List<Runnable> ran = new ArrayList<>();
        LeaseTable.Hold parked = t.hold(KEY, now, () -> ran.add(null));
        assertThat(parked).as("quarantined: the write waits").isNotNull();
        assertThat(parked.revokeFrom()).isEmpty();

        t.handoff(PREVIOUS, List.of(new ReplicaMessage.LeaseGrant(KEY, HOLDER, 500)), 0, now + 10, 2_000);
        assertThat(t.awaits(PREVIOUS, now + 10)).isFalse();
        assertThat(t.holders(KEY, now + 10)).containsExactly(HOLDER);
        assertThat(t.release(KEY, now + 10)).as("the handed-over lease still holds the write").isEmpty();
        assertThat(t.revoked(KEY, HOLDER, now + 20)).as("answered: the write goes on").hasSize(1);
        assertThat(t.hold(KEY, now + 30, () -> { })).as("no quarantine left").isNull();
    }

    @Test
    void theHandedQuarantineIsInheritedAndBounded() {
        LeaseTable t = new LeaseTable(16);
        t.awaitHandoff(PREVIOUS, 2_000);
        t.handoff(PREVIOUS, List.of(), Long.MAX_VALUE, 0, 2_000);
        assertThat(t.quarantineRemainingMillis(0)).as("bounded by the lease time").isEqualTo(2_000);
        assertThat(t.hold(KEY, 1_999, () -> { })).isNotNull();
        assertThat(t.release(KEY, 2_000)).hasSize(1);
    }

    @Test
    void aQuarantineNoHandoffCanLiftStays() {
        LeaseTable t = new LeaseTable(16);
        t.quarantineUntil(2_000);
        t.awaitHandoff(PREVIOUS, 2_000);
        t.handoff(PREVIOUS, List.of(), 0, 10, 2_000);
        assertThat(t.hold(KEY, 10, () -> { })).isNotNull();
        assertThat(t.release(KEY, 1_999)).isEmpty();
        assertThat(t.release(KEY, 2_000)).hasSize(1);
    }
}
