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
    private static final io.homeostat.store.Tag T5 = io.homeostat.store.Tag.ZERO.next(PREVIOUS, 5);

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
        t.awaitHandoff(PREVIOUS, now + 2_000, java.util.Set.of(0));
        List<Runnable> ran = new ArrayList<>();
        LeaseTable.Hold parked = t.hold(KEY, now, null, () -> ran.add(null));
        assertThat(parked).as("quarantined: the write waits").isNotNull();
        assertThat(parked.revokeFrom()).isEmpty();

        t.handoff(PREVIOUS, List.of(new ReplicaMessage.LeaseGrant(KEY, HOLDER, 500)), 0, now + 10, 2_000);
        assertThat(t.awaits(PREVIOUS, now + 10)).isFalse();
        assertThat(t.holders(KEY, now + 10)).containsExactly(HOLDER);
        assertThat(t.release(KEY, now + 10)).as("the handed-over lease still holds the write").isEmpty();
        t.told(KEY, List.of(HOLDER), 7);
        assertThat(t.revoked(KEY, HOLDER, 7, null, now + 20)).as("answered: the write goes on").hasSize(1);
        assertThat(t.hold(KEY, now + 30, null, () -> { })).as("no quarantine left").isNull();
    }

    @Test
    void theHandedQuarantineIsInheritedAndBounded() {
        LeaseTable t = new LeaseTable(16);
        t.awaitHandoff(PREVIOUS, 2_000, java.util.Set.of(0));
        t.handoff(PREVIOUS, List.of(), Long.MAX_VALUE, 0, 2_000);
        assertThat(t.quarantineRemainingMillis(0)).as("bounded by the lease time").isEqualTo(2_000);
        assertThat(t.hold(KEY, 1_999, null, () -> { })).isNotNull();
        assertThat(t.release(KEY, 2_000)).hasSize(1);
    }

    @Test
    void aQuarantineNoHandoffCanLiftStays() {
        LeaseTable t = new LeaseTable(16);
        t.quarantineUntil(2_000);
        t.awaitHandoff(PREVIOUS, 2_000, java.util.Set.of(0));
        t.handoff(PREVIOUS, List.of(), 0, 10, 2_000);
        assertThat(t.hold(KEY, 10, null, () -> { })).isNotNull();
        assertThat(t.release(KEY, 1_999)).isEmpty();
        assertThat(t.release(KEY, 2_000)).hasSize(1);
    }

    /**
     * A quarantine awaiting a handoff covers only the positions taken from that holder: a write acting for the other
     * positions waits for the leases alone, while one acting for every position (or a quarantine of the whole member)
     * waits for the quarantine's end as well; each parked write runs when its own wait is over.
     */
    @Test
    void aQuarantineAwaitingAHandoffHoldsBackOnlyTheWritesOfItsPositions() {
        LeaseTable t = new LeaseTable(16);
        t.awaitHandoff(PREVIOUS, 2_000, java.util.Set.of(1));
        assertThat(t.quarantined(java.util.Set.of(0, 1), 10)).containsExactly(1);
        assertThat(t.quarantined(java.util.Set.of(0, 1), 2_000)).isEmpty();
        assertThat(t.hold(KEY, 10, T5, () -> { }, true)).as("positional, no lease: at once").isNull();

        assertThat(t.grant(KEY, HOLDER, 10, 1_000)).isTrue();
        List<String> ran = new ArrayList<>();
        LeaseTable.Hold all = t.hold(KEY, 20, T5, () -> ran.add("all positions"), false);
        LeaseTable.Hold positional = t.hold(KEY, 20, T5, () -> ran.add("positional"), true);
        assertThat(all.revokeFrom()).containsExactly(HOLDER);
        assertThat(positional.recheckAtMillis()).as("the lease's end, not the quarantine's").isEqualTo(1_010);
        t.told(KEY, List.of(HOLDER), 1);
        t.revoked(KEY, HOLDER, 1, null, 30).forEach(Runnable::run);
        assertThat(ran).as("the holder answered; the quarantine holds the other write").containsExactly("positional");
        t.release(KEY, 2_000).forEach(Runnable::run);
        assertThat(ran).containsExactly("positional", "all positions");

        t.quarantineUntil(5_000);
        assertThat(t.quarantined(java.util.Set.of(0, 1), 3_000)).as("the whole member")
                .containsExactlyInAnyOrder(0, 1);
        assertThat(t.hold(KEY, 3_000, T5, () -> { }, true)).as("positional, whole member in quarantine").isNotNull();
    }

    /**
     * A duplicated answer to an earlier revocation, delivered late, must not end a lease granted since: the write it
     * would let through would change the key while the holder still reads the old value.
     */
    @Test
    void onlyTheAnswerToTheNewestRevocationEndsALease() {
        LeaseTable t = new LeaseTable(16);
        assertThat(t.grant(KEY, HOLDER, 0, 2_000)).isTrue();
        List<Runnable> ran = new ArrayList<>();
        LeaseTable.Hold first = t.hold(KEY, 10, null, () -> ran.add(null));
        assertThat(first.revokeFrom()).containsExactly(HOLDER);
        t.told(KEY, first.revokeFrom(), 41);
        assertThat(t.revoked(KEY, HOLDER, 41, null, 20)).hasSize(1);

        assertThat(t.grant(KEY, HOLDER, 30, 2_000)).as("leased again").isTrue();
        LeaseTable.Hold second = t.hold(KEY, 40, null, () -> ran.add(null));
        t.told(KEY, second.revokeFrom(), 42);
        assertThat(t.revoked(KEY, HOLDER, 41, null, 50)).as("the old answer again: the write still waits").isEmpty();
        assertThat(t.holders(KEY, 50)).containsExactly(HOLDER);
        assertThat(t.revoked(KEY, HOLDER, 42, null, 60)).as("the answer to this revocation").hasSize(1);
    }

    /** A holder that answered is offered the next value once; one that never answered is not. */
    @Test
    void holdersThatAnsweredAreInterestedOnceAndForAWhile() {
        Address silent = Address.sim(3);
        LeaseTable t = new LeaseTable(16);
        t.grant(KEY, HOLDER, 0, 2_000);
        t.grant(KEY, silent, 0, 2_000);
        LeaseTable.Hold h = t.hold(KEY, 10, null, () -> { });
        t.told(KEY, h.revokeFrom(), 5);
        t.revoked(KEY, HOLDER, 5, null, 20);
        assertThat(t.release(KEY, 2_000)).as("the silent holder's lease expired").hasSize(1);
        assertThat(t.revoked(KEY, silent, 5, null, 2_001)).as("its answer, after the expiry, counts for nothing").isEmpty();

        assertThat(t.takeInterest(KEY, 1_021, 1_000)).as("answered more than 1000 ms before").isEmpty();
        t.grant(KEY, HOLDER, 3_000, 2_000);
        LeaseTable.Hold again = t.hold(KEY, 3_010, null, () -> { });
        t.told(KEY, again.revokeFrom(), 6);
        t.revoked(KEY, HOLDER, 6, null, 3_020);
        assertThat(t.takeInterest(KEY, 3_500, 1_000)).containsExactly(new LeaseTable.Interest(HOLDER, 6));
        assertThat(t.takeInterest(KEY, 3_500, 1_000)).as("taken").isEmpty();
    }

    /**
     * A holder that already has the announced write keeps its entry: the write goes on, but the lease stands, so the
     * next write revokes it again.
     */
    @Test
    void aHolderThatKeptTheNewValueLetsTheWriteGoOnAndKeepsItsLease() {
        LeaseTable t = new LeaseTable(16);
        t.grant(KEY, HOLDER, 0, 2_000);
        LeaseTable.Hold h = t.hold(KEY, 10, null, () -> { });
        t.told(KEY, h.revokeFrom(), 8);
        assertThat(t.revoked(KEY, HOLDER, 8, T5, 20)).as("kept: the write goes on").hasSize(1);
        assertThat(t.holders(KEY, 30)).as("the lease stands").containsExactly(HOLDER);
        assertThat(t.takeInterest(KEY, 30, 1_000)).as("nothing to offer it").isEmpty();
        assertThat(t.hold(KEY, 35, T5, () -> { })).as("the same write, run again, is not held").isNull();
        LeaseTable.Hold next = t.hold(KEY, 40, T5.next(HOLDER, 1), () -> { });
        assertThat(next.revokeFrom()).as("a later write revokes it again").containsExactly(HOLDER);
    }
}
