package io.homeostat.jpa;

import static io.homeostat.jpa.TestCluster.inTx;
import static io.homeostat.jpa.TestCluster.regionFactory;
import static io.homeostat.jpa.TestCluster.stats;
import static io.homeostat.jpa.TestCluster.title;
import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.jpa.model.Book;
import jakarta.persistence.EntityManagerFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Entity data is replicated (R=3): a node leaving does not take the cached entries with it. */
class NodeStopTest {

    private static final int BOOKS = 200;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void afterOneOfThreeNodesStopsTheOthersStillHitTheEntriesCachedBefore() {
        try (TestCluster cluster = new TestCluster("stop")) {
            List<EntityManagerFactory> nodes = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                nodes.add(cluster.node("node-" + i, Map.of(HomeostatSettings.OPERATION_TIMEOUT_MILLIS, "2000")));
            }
            inTx(nodes.get(0), em -> {
                for (long id = 1; id <= BOOKS; id++) {
                    em.persist(new Book(id, "isbn-" + id, "title-" + id));
                }
            });
            for (long id = 1; id <= BOOKS; id++) {
                title(nodes.get((int) (id % 3)), id); // every node caches a third
            }
            // Replicas of a key sit 1/R of the ring apart; a node owning more than 1/3 of the ring holds two replicas
            // of some groups, and losing it loses their majority (docs/CONSISTENCY.md). Stop the node with the
            // smallest arc, which never holds two.
            EntityManagerFactory leaving = nodes.stream().min(Comparator.comparingDouble(n -> arc(n, nodes)))
                    .orElseThrow();
            long t0 = System.nanoTime();
            cluster.close(leaving);
            nodes.remove(leaving);
            System.out.printf("the leave took %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            long hitsBefore = nodes.stream().mapToLong(n -> stats(n).getSecondLevelCacheHitCount()).sum();
            for (long id = 1; id <= BOOKS; id++) {
                assertThat(title(nodes.get((int) (id % 2)), id)).isEqualTo("title-" + id);
            }
            long hits = nodes.stream().mapToLong(n -> stats(n).getSecondLevelCacheHitCount()).sum() - hitsBefore;
            System.out.printf("after the stop: %d of %d reads hit%n", hits, BOOKS);
            if (hits < Math.ceil(BOOKS * 0.95)) {
                for (EntityManagerFactory n : nodes) {
                    System.out.println(describe(n)); // the evidence, before the assertion fails
                }
            }
            assertThat(hits).isGreaterThanOrEqualTo((long) Math.ceil(BOOKS * 0.95));
        }
    }

    /** The node's status: groups it holds that do not serve, locks held, ring neighbours. */
    private static String describe(EntityManagerFactory n) {
        io.homeostat.runtime.threaded.EmbeddedNode.Status s = regionFactory(n).node().status(5_000);
        StringBuilder b = new StringBuilder("node ").append(s.address()).append(" ring ").append(s.ringId())
                .append(" pred ").append(s.predecessor()).append(" succ ").append(s.successors()).append(" groups ")
                .append(s.groups().size()).append(", not serving: ");
        s.groups().stream().filter(g -> !g.serving()).forEach(g -> b.append(g).append(' '));
        b.append("; active txns ").append(s.activeTransactions()).append(", locks ").append(s.locks())
                .append("; handled ").append(s.handledMessages()).append(", dropped ").append(s.droppedMessages())
                .append(", handler failures ").append(s.handlerFailures());
        return b.toString();
    }

    /** The fraction of the ring between the node and its predecessor (the keys it owns). */
    private static double arc(EntityManagerFactory node, List<EntityManagerFactory> all) {
        double self = regionFactory(node).node().ringId().fraction();
        double best = 1;
        for (EntityManagerFactory other : all) {
            if (other != node) {
                double d = self - regionFactory(other).node().ringId().fraction();
                best = Math.min(best, d <= 0 ? d + 1 : d);
            }
        }
        return best;
    }
}
