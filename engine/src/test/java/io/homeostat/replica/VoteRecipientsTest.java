package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a replica sends its Paxos Commit vote: a majority of acceptors that keeps the fast path after one loss. */
class VoteRecipientsTest {

    private static NodeRef node(int i) {
        return new NodeRef(new RingId(0, i), Address.sim(i));
    }

    private static final NodeRef T = node(0); // the manager's node
    private static final NodeRef A = node(1);
    private static final NodeRef B = node(2);
    private static final NodeRef C = node(3);
    private static final NodeRef D = node(4);

    private static List<NodeRef> to(GroupView acceptors, NodeRef self) {
        return TransactionManager.voteRecipients(acceptors, self.address(), T.address());
    }

    @Test
    void aReplicaElsewhereSendsToItsOwnNodeAndTheManagersWhenTheyHoldAMajority() {
        GroupView v = new GroupView(7, 3, List.of(A, T, B));
        assertThat(to(v, A)).containsExactlyInAnyOrder(A, T);
        assertThat(to(v, B)).containsExactlyInAnyOrder(B, T);
    }

    @Test
    void theManagersOwnReplicaSendsToEveryAcceptor() {
        GroupView v = new GroupView(7, 3, List.of(A, T, B));
        assertThat(to(v, T)).containsExactlyInAnyOrder(A, T, B);
    }

    @Test
    void everyAcceptorWhenTheManagerIsNoAcceptor() {
        GroupView v = new GroupView(7, 3, List.of(A, B, C));
        assertThat(to(v, A)).containsExactlyInAnyOrder(A, B, C);
        // a replica of another group, on a node that is no acceptor either
        assertThat(to(v, D)).containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void everyAcceptorWhenTheTwoNodesHoldNoMajority() {
        GroupView five = new GroupView(7, 3, List.of(A, T, B, C, D));
        assertThat(to(five, A)).containsExactlyInAnyOrder(A, T, B, C, D);
        GroupView notSelf = new GroupView(7, 3, List.of(T, B, C));
        assertThat(to(notSelf, A)).containsExactlyInAnyOrder(T, B, C);
    }

    @Test
    void aNodeHoldingTwoPositionsCountsTwice() {
        GroupView v = new GroupView(7, 3, List.of(A, B, A));
        assertThat(TransactionManager.voteRecipients(v, A.address(), C.address())).containsExactly(A);
    }

    @Test
    void theFastPathSurvivesTheLossOfAnyOneNodeButTheManager() {
        GroupView v = new GroupView(7, 3, List.of(A, T, B));
        for (NodeRef lost : List.of(A, B)) {
            int chosen = 0;
            for (NodeRef replica : List.of(A, T, B)) {
                if (replica.equals(lost)) {
                    continue;
                }
                long live = to(v, replica).stream().filter(n -> !n.equals(lost)).count();
                if (live >= v.majority()) {
                    chosen++;
                }
            }
            assertThat(chosen).as("replicas whose vote is still chosen without " + lost).isGreaterThanOrEqualTo(
                    v.majority());
        }
    }
}
