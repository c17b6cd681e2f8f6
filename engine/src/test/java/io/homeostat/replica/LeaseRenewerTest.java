package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaMessage.LeaseRenewReply;
import io.homeostat.replica.ReplicaMessage.Renewal;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The holder side of bulk renewal: a key is extended once, and only when a majority of positions of the batch's view
 * extended it and no revocation of it arrived meanwhile; replies that do not belong to the batch change nothing; and
 * due keys are split within the per-request bounds.
 */
class LeaseRenewerTest {

    private static final NodeRef A = new NodeRef(new RingId(0, 1), Address.sim(1));
    private static final NodeRef B = new NodeRef(new RingId(0, 2), Address.sim(2));
    private static final NodeRef C = new NodeRef(new RingId(0, 3), Address.sim(3));
    /** Group 5 at epoch 3 on three distinct nodes. */
    private static final GroupView VIEW = new GroupView(5, 3, List.of(A, B, C));

    private final List<Key> extended = new ArrayList<>();

    private static List<Renewal> keys(int n) {
        List<Renewal> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add(new Renewal(Key.of("k" + i), Tag.ZERO));
        }
        return keys;
    }

    private void reply(LeaseRenewer r, NodeRef from, long id, long epoch, Integer... granted) {
        r.onReply(from.address(), new LeaseRenewReply(id, 5, epoch, List.of(granted)),
                (batch, renewal) -> extended.add(renewal.key()));
    }

    @Test
    void aKeyIsExtendedOnceAMajorityOfPositionsExtendedIt() {
        LeaseRenewer r = new LeaseRenewer();
        r.start(7, VIEW, 3, 1_000, keys(3));
        assertThat(r.renewing(Key.of("k1"))).isTrue();
        reply(r, A, 7, 3, 0, 1);
        assertThat(extended).as("one position of three").isEmpty();
        reply(r, A, 7, 3, 0, 1, 2);
        assertThat(extended).as("the same replica again counts once").isEmpty();
        reply(r, B, 7, 3, 1, 2);
        assertThat(extended).containsExactly(Key.of("k1"));
        reply(r, C, 7, 3, 0, 1, 2);
        assertThat(extended).as("k1 once, then k0 and k2 with C").containsExactly(Key.of("k1"), Key.of("k0"),
                Key.of("k2"));
        assertThat(r.renewing(Key.of("k1"))).as("every replica answered: the batch is over").isFalse();
    }

    @Test
    void aRevokedKeyIsNeverExtendedByGrantsInFlight() {
        LeaseRenewer r = new LeaseRenewer();
        r.start(7, VIEW, 3, 1_000, keys(2));
        reply(r, A, 7, 3, 0, 1);
        r.taint(Key.of("k0"));
        reply(r, B, 7, 3, 0, 1);
        reply(r, C, 7, 3, 0, 1);
        assertThat(extended).containsExactly(Key.of("k1"));
    }

    @Test
    void repliesOfAnotherViewOrBatchOrOutOfRangeChangeNothing() {
        LeaseRenewer r = new LeaseRenewer();
        r.start(7, VIEW, 3, 1_000, keys(2));
        reply(r, A, 7, 4, 0);          // another epoch
        reply(r, B, 8, 3, 0);          // another request
        reply(r, C, 7, 3, 5, -1);      // positions outside the request
        r.onReply(A.address(), new LeaseRenewReply(7, 6, 3, List.of(0)), (b, k) -> extended.add(k.key())); // group
        reply(r, new NodeRef(new RingId(0, 9), Address.sim(9)), 7, 3, 0); // not a member
        reply(r, A, 7, 3, 0);
        assertThat(extended).as("only A's own grant counted so far").isEmpty();
        assertThat(r.renewing(Key.of("k0"))).as("B has not answered: the non-member's reply did not count").isTrue();
        r.end(7);
        reply(r, B, 7, 3, 0);
        assertThat(extended).as("a batch that timed out takes no late grant").isEmpty();
        assertThat(r.renewing(Key.of("k0"))).isFalse();
    }

    @Test
    void aBatchAskedOfAQuorumEndsOnceThoseNodesAnswered() {
        LeaseRenewer r = new LeaseRenewer();
        r.start(7, VIEW, 2, 1_000, keys(1));
        reply(r, A, 7, 3, 0);
        assertThat(r.renewing(Key.of("k0"))).isTrue();
        reply(r, B, 7, 3, 0);
        assertThat(extended).containsExactly(Key.of("k0"));
        assertThat(r.renewing(Key.of("k0"))).as("both nodes asked answered: the batch is over").isFalse();
    }

    @Test
    void aNodeHoldingTwoPositionsCountsForBoth() {
        LeaseRenewer r = new LeaseRenewer();
        r.start(7, new GroupView(5, 3, List.of(A, A, B)), 2, 1_000, keys(1));
        reply(r, A, 7, 3, 0);
        assertThat(extended).containsExactly(Key.of("k0"));
    }

    @Test
    void dueKeysAreSplitWithinTheCountAndByteBounds() {
        List<List<Renewal>> byCount = LeaseRenewer.chunks(keys(LeaseRenewer.MAX_KEYS_PER_BATCH * 2 + 1));
        assertThat(byCount).extracting(List::size)
                .containsExactly(LeaseRenewer.MAX_KEYS_PER_BATCH, LeaseRenewer.MAX_KEYS_PER_BATCH, 1);
        List<Renewal> big = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            big.add(new Renewal(Key.of(new byte[Key.MAX_KEY_BYTES]), Tag.ZERO));
        }
        List<List<Renewal>> byBytes = LeaseRenewer.chunks(big);
        for (List<Renewal> chunk : byBytes) {
            assertThat((long) chunk.size() * Key.MAX_KEY_BYTES)
                    .isLessThanOrEqualTo(LeaseRenewer.MAX_KEY_BYTES_PER_BATCH);
        }
        assertThat(byBytes.stream().mapToInt(List::size).sum()).isEqualTo(40);
        assertThat(LeaseRenewer.chunks(List.of())).isEmpty();
    }
}
