package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ViewAcceptorTest {

    private static NodeRef node(int i) {
        return new NodeRef(new RingId(0, i), Address.sim(i));
    }

    private static GroupView initial() {
        return new GroupView(7, 3, List.of(node(0), node(1), node(2)));
    }

    @Test
    void promiseThenAcceptFencesAndInstallResets() {
        ViewAcceptor a = new ViewAcceptor(initial());
        Ballot b1 = new Ballot(1, Address.sim(5));
        assertThat(a.prepare(3, b1)).isEqualTo(new ViewAcceptor.Promise(null, null));
        GroupView next = initial().with(1, node(5));
        assertThat(a.accept(3, b1, next)).isInstanceOf(ViewAcceptor.Accepted.class);
        assertThat(a.fenced()).isTrue();
        Ballot b2 = new Ballot(2, Address.sim(6));
        assertThat(a.prepare(3, b2)).isEqualTo(new ViewAcceptor.Promise(b1, next));
        assertThat(a.accept(3, b1, initial().with(1, node(6)))).isEqualTo(new ViewAcceptor.Nack(b2));
        assertThat(a.install(next)).isTrue();
        assertThat(a.fenced()).isFalse();
        assertThat(a.prepare(3, b2)).isEqualTo(new ViewAcceptor.Stale(next));
        assertThat(a.install(initial())).isFalse();
    }

    /**
     * Competing proposers over lossy, reordering delivery: at most one next view is ever chosen (accepted by a
     * majority at one ballot). Each proposer follows Paxos: adopt the highest accepted proposal from its promises.
     */
    @Test
    void competingProposersNeverChooseTwoViews() {
        for (long seed = 1; seed <= 2_000; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int n = random.nextBoolean() ? 3 : 5;
            List<NodeRef> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                members.add(node(i));
            }
            GroupView base = new GroupView(1, 1, members);
            List<ViewAcceptor> acceptors = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                acceptors.add(new ViewAcceptor(base));
            }
            Map<Ballot, Map<GroupView, Set<Integer>>> accepts = new HashMap<>();
            Set<GroupView> chosen = new HashSet<>();
            for (int round = 0; round < 12; round++) {
                int proposer = 10 + random.nextInt(3);
                Ballot b = new Ballot(round + 1 + random.nextInt(2), Address.sim(proposer));
                GroupView mine = base.with(random.nextInt(n), node(proposer));
                Ballot highest = null;
                GroupView value = mine;
                int promises = 0;
                for (int i = 0; i < n; i++) {
                    if (random.nextDouble() < 0.3) {
                        continue; // lost
                    }
                    if (acceptors.get(i).prepare(1, b) instanceof ViewAcceptor.Promise p) {
                        promises++;
                        if (p.acceptedBallot() != null && (highest == null || p.acceptedBallot().isAbove(highest))) {
                            highest = p.acceptedBallot();
                            value = p.acceptedView();
                        }
                    }
                }
                if (promises < n / 2 + 1) {
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    if (random.nextDouble() < 0.3) {
                        continue;
                    }
                    if (acceptors.get(i).accept(1, b, value) instanceof ViewAcceptor.Accepted) {
                        Set<Integer> who = accepts.computeIfAbsent(b, k -> new HashMap<>())
                                .computeIfAbsent(value, k -> new HashSet<>());
                        who.add(i);
                        if (who.size() >= n / 2 + 1) {
                            chosen.add(value);
                        }
                    }
                }
            }
            assertThat(chosen).as("seed %d", seed).hasSizeLessThanOrEqualTo(1);
        }
    }
}
