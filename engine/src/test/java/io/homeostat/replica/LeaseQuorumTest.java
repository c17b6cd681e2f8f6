package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a holder keeps its read leases: a minimal majority of positions, its own node first, and with every node of a
 * three-node group chosen as the remote replica of exactly one other holder.
 */
class LeaseQuorumTest {

    private static NodeRef node(int n) {
        return new NodeRef(new RingId(0, n), Address.sim(n));
    }

    private static final NodeRef A = node(1);
    private static final NodeRef B = node(2);
    private static final NodeRef C = node(3);
    private static final NodeRef D = node(4);
    private static final NodeRef E = node(5);

    @Test
    void aMemberLeasesAtItsOwnNodeAndTheNextOne() {
        GroupView v = new GroupView(4, 2, List.of(A, B, C));
        assertThat(ReplicaManager.leaseQuorum(v, A.address())).containsExactly(A, B);
        assertThat(ReplicaManager.leaseQuorum(v, B.address())).containsExactly(B, C);
        assertThat(ReplicaManager.leaseQuorum(v, C.address())).containsExactly(C, A);
    }

    @Test
    void eachNodeIsTheRemoteReplicaOfOneHolder() {
        GroupView v = new GroupView(9, 2, List.of(C, A, E, B, D));
        Map<NodeRef, Integer> chosen = new HashMap<>();
        for (NodeRef holder : v.members()) {
            List<NodeRef> q = ReplicaManager.leaseQuorum(v, holder.address());
            assertThat(q).hasSize(3).startsWith(holder).doesNotHaveDuplicates();
            for (NodeRef n : q.subList(1, q.size())) {
                chosen.merge(n, 1, Integer::sum);
            }
        }
        assertThat(chosen).containsOnlyKeys(A, B, C, D, E).allSatisfy((n, count) -> assertThat(count).isEqualTo(2));
    }

    @Test
    void aNodeHoldingTwoPositionsIsAMajorityAlone() {
        GroupView v = new GroupView(4, 5, List.of(A, B, A));
        assertThat(ReplicaManager.leaseQuorum(v, A.address())).containsExactly(A);
        assertThat(ReplicaManager.leaseQuorum(v, B.address())).containsExactly(B, A);
    }

    @Test
    void aHolderOutsideTheGroupStartsAtANodePickedByTheGroup() {
        GroupView g4 = new GroupView(4, 2, List.of(A, B, C));
        GroupView g5 = new GroupView(5, 2, List.of(A, B, C));
        assertThat(ReplicaManager.leaseQuorum(g4, D.address())).containsExactly(B, C);
        assertThat(ReplicaManager.leaseQuorum(g5, D.address())).containsExactly(C, A);
    }
}
