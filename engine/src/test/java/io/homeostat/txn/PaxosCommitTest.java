package io.homeostat.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.runtime.Address;
import io.homeostat.store.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Paxos Commit's central promise: the original manager and a takeover manager (the original falsely suspected) never
 * decide differently, whatever messages are lost or reordered.
 */
class PaxosCommitTest {

    private static final int R = 3;
    private static final int ACCEPTORS = 3;

    @Test
    void aTakeoverNeverDecidesDifferently() {
        int bothDecided = 0;
        for (long seed = 1; seed <= 5_000; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            TxId tx = new TxId(Address.sim(0), 0, seed);
            List<Key> items = List.of(Key.of("a"), Key.of("b"));
            List<CommitAcceptor> acceptors = new ArrayList<>();
            for (int i = 0; i < ACCEPTORS; i++) {
                acceptors.add(new CommitAcceptor());
            }
            CommitTally original = new CommitTally(tx, items, R, ACCEPTORS);
            CommitTally takeover = new CommitTally(tx, items, R, ACCEPTORS);
            List<CommitAcceptor.Instance> instances = new ArrayList<>();
            for (Key item : items) {
                for (int p = 0; p < R; p++) {
                    instances.add(new CommitAcceptor.Instance(tx, item, p));
                }
            }
            // replicas vote (ballot 0) to each acceptor, some messages lost; the takeover may start at any point
            int takeoverAt = random.nextInt(instances.size() * ACCEPTORS + 1);
            int step = 0;
            boolean tookOver = false;
            for (CommitAcceptor.Instance inst : instances) {
                boolean prepared = random.nextDouble() < 0.85;
                for (int a = 0; a < ACCEPTORS; a++) {
                    if (step++ == takeoverAt) {
                        takeOver(tx, instances, acceptors, takeover, random);
                        tookOver = true;
                    }
                    if (random.nextDouble() < 0.2) {
                        continue; // lost
                    }
                    if (acceptors.get(a).acceptVote(inst, prepared) && random.nextDouble() > 0.2) {
                        original.accepted(inst, a, 0, prepared);
                    }
                }
            }
            if (!tookOver) {
                takeOver(tx, instances, acceptors, takeover, random);
            }
            CommitTally.Decision d1 = original.decision();
            CommitTally.Decision d2 = takeover.decision();
            if (d1 != CommitTally.Decision.PENDING && d2 != CommitTally.Decision.PENDING) {
                bothDecided++;
                assertThat(d2).as("seed %d", seed).isEqualTo(d1);
            }
        }
        assertThat(bothDecided).as("runs where both managers decided").isGreaterThan(300);
    }

    /** Phase 1 at ballot 1 on every instance; propose the highest accepted value, or abort where there is none. */
    private static void takeOver(TxId tx, List<CommitAcceptor.Instance> instances, List<CommitAcceptor> acceptors,
            CommitTally tally, SplittableRandom random) {
        for (CommitAcceptor.Instance inst : instances) {
            int promises = 0;
            long highest = -1;
            boolean value = false;
            List<Integer> promised = new ArrayList<>();
            for (int a = 0; a < ACCEPTORS; a++) {
                if (random.nextDouble() < 0.1) {
                    continue;
                }
                CommitAcceptor.State s = acceptors.get(a).prepare(inst, 1);
                if (s != null) {
                    promises++;
                    promised.add(a);
                    if (s.hasAccepted() && s.acceptedBallot() > highest) {
                        highest = s.acceptedBallot();
                        value = s.acceptedPrepared();
                    }
                }
            }
            if (promises < ACCEPTORS / 2 + 1) {
                continue;
            }
            for (int a : promised) {
                if (acceptors.get(a).accept(inst, 1, value)) {
                    tally.accepted(inst, a, 1, value);
                }
            }
        }
    }
}
