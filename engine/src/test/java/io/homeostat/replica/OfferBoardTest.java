package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaMessage.LeaseOffer;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a holder accepts offered leases, and from when it counts them. */
class OfferBoardTest {

    private static final Address A = Address.sim(1);
    private static final Address B = Address.sim(2);
    private static final Address C = Address.sim(3);
    /** The holder: no member of {@link #VIEW}, unless a test says otherwise. */
    private static final Address H = Address.sim(4);
    private static final Key KEY = Key.of("k");
    private static final long LEASE = 2_000;
    private static final GroupView VIEW = view(5);
    private static final Tag T1 = Tag.ZERO.next(A, 1);
    private static final Tag T2 = T1.next(A, 2);
    private static final long NONCE_A = OfferBoard.firstNonce(7) + 3;
    private static final long NONCE_B = OfferBoard.firstNonce(9) + 1;

    private static GroupView view(long epoch) {
        List<NodeRef> members = List.of(new NodeRef(RingId.ofKey("a"), A), new NodeRef(RingId.ofKey("b"), B),
                new NodeRef(RingId.ofKey("c"), C));
        return new GroupView(0, epoch, members);
    }

    private static LeaseOffer offer(Tag tag, long nonce) {
        return new LeaseOffer(0, VIEW.epoch(), KEY, tag, Bytes.of("v"), nonce);
    }

    @Test
    void aMajorityOfOffersNamingTheirNewestRevocationsInstallsFromTheEarliestRevocation() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, B, NONCE_B, 130);
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 200, LEASE, H)).as("one of three positions").isNull();
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 201, LEASE, H)).as("a duplicate is not a second").isNull();
        OfferBoard.Install in = b.offered(offer(T1, NONCE_B), B, VIEW, 210, LEASE, H);
        assertThat(in).isNotNull();
        assertThat(in.tag()).isEqualTo(T1);
        assertThat(in.anchorMillis()).as("counted from the earliest revocation, before any grant").isEqualTo(100);
    }

    @Test
    void anOfferNamingAnOlderRevocationOrFromAReplicaThatNeverRevokedCountsForNothing() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, A, NONCE_A + 1, 150); // the key changed again
        b.revoked(KEY, B, NONCE_B, 130);
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 200, LEASE, H)).isNull();
        assertThat(b.offered(offer(T1, NONCE_B), B, VIEW, 200, LEASE, H)).as("A's offer did not count").isNull();
        assertThat(b.offered(offer(T1, 1), C, VIEW, 200, LEASE, H)).as("C never revoked").isNull();
    }

    @Test
    void aRevocationDiscardsTheOffersGatheredAndADuplicateIsNeverRedated() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, B, NONCE_B, 130);
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 200, LEASE, H)).isNull();
        b.revoked(KEY, C, OfferBoard.firstNonce(11), 202); // another replica's revocation leaves A's offer standing
        b.revoked(KEY, A, NONCE_A + 1, 205); // A announces another change of the key
        assertThat(b.offered(offer(T1, NONCE_B), B, VIEW, 210, LEASE, H)).as("A's offer was discarded").isNull();
        assertThat(b.offered(offer(T1, OfferBoard.firstNonce(11)), C, VIEW, 211, LEASE, H)).as("B and C")
                .isNotNull();

        b.revoked(KEY, A, NONCE_A, 5_000); // a duplicate of A's revocation, delivered late
        assertThat(b.offered(offer(T2, NONCE_A), A, VIEW, 5_010, LEASE, H)).as("not dated on its late arrival")
                .isNull();
        assertThat(b.offered(offer(T2, NONCE_B), B, VIEW, 5_010, LEASE, H)).isNull();
    }

    @Test
    void offersOfAnotherEpochOrLongAfterTheRevocationCountForNothing() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, B, NONCE_B, 100);
        b.offered(offer(T1, NONCE_A), A, VIEW, 200, LEASE, H);
        assertThat(b.offered(offer(T1, NONCE_B), B, view(6), 200, LEASE, H)).as("our view moved on").isNull();
        assertThat(b.offered(offer(T1, NONCE_B), B, VIEW, 100 + LEASE, LEASE, H)).as("no lease time left").isNull();
    }

    @Test
    void aRestartedReplicaStartsAfreshWhileAnOvertakenRevocationIsNotDated() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A + 10, 100);
        Key other = Key.of("other");
        b.revoked(other, A, NONCE_A + 5, 110); // sent before the one above, arrived after it
        b.revoked(other, B, NONCE_B, 110);
        assertThat(b.offered(new LeaseOffer(0, 5, other, T1, null, NONCE_A + 5), A, VIEW, 120, LEASE, H)).isNull();
        assertThat(b.offered(new LeaseOffer(0, 5, other, T1, null, NONCE_B), B, VIEW, 120, LEASE, H)).isNull();

        long restarted = OfferBoard.firstNonce(12) + 1; // a new incarnation of A
        b.revoked(other, A, restarted, 130);
        assertThat(b.offered(new LeaseOffer(0, 5, other, T1, null, restarted), A, VIEW, 140, LEASE, H))
                .as("with B's offer, gathered before").isNotNull();
    }

    @Test
    void aHolderThatReplicatesTheGroupNeedsItsOwnReplicasOffer() {
        OfferBoard b = new OfferBoard();
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, B, NONCE_B, 110);
        long nonceC = OfferBoard.firstNonce(11);
        b.revoked(KEY, C, nonceC, 120);
        // C holds a position: A's and B's offers are a majority, but not enough for C
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 200, LEASE, C)).isNull();
        assertThat(b.offered(offer(T1, NONCE_B), B, VIEW, 201, LEASE, C)).as("without C's own offer").isNull();
        OfferBoard.Install in = b.offered(offer(T1, nonceC), C, VIEW, 202, LEASE, C);
        assertThat(in).as("with it").isNotNull();
        assertThat(in.anchorMillis()).isEqualTo(100);
    }

    @Test
    void anOwnOfferGatheredBeforeTheOwnReplicaVotedOnAWriteNoLongerCounts() {
        OfferBoard b = new OfferBoard();
        long nonceC = OfferBoard.firstNonce(11);
        b.revoked(KEY, A, NONCE_A, 100);
        b.revoked(KEY, C, nonceC, 120);
        assertThat(b.offered(offer(T1, nonceC), C, VIEW, 200, LEASE, C)).isNull();
        b.dropOwn(KEY, C); // C's replica voted on the next write: its earlier offer is of the value being replaced
        assertThat(b.offered(offer(T1, NONCE_A), A, VIEW, 201, LEASE, C)).as("A with C's dropped offer").isNull();
    }
}
