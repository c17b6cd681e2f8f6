package io.homeostat.runtime.threaded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.check.RingChecker;
import io.homeostat.ring.LookupCallback;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingListener;
import io.homeostat.ring.RingNode;
import io.homeostat.ring.RingView;
import io.homeostat.runtime.Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Eight real {@link RingNode}s, each on its own thread, over a {@link LocalTransport}, with the production
 * {@link RingConfig#defaults()}: they form a correct ring, answer lookups correctly, and heal after a graceful leave.
 *
 * <p>State is read without data races: {@link RingView} copies taken on each node's own thread via
 * {@link ThreadedNode#query}, checked by the same {@link RingChecker} the simulator uses.
 *
 * <p>The tests run in order on one ring; each first awaits a correct ring of the nodes it expects alive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreadedRingTest {

    private static final int NODES = 8;
    private static final int LEAVER = 3;
    private static final Duration CONVERGENCE_AT_MOST = Duration.ofSeconds(60);
    private static final long QUERY_TIMEOUT_SECONDS = 10;
    private static final long LOOKUP_TIMEOUT_SECONDS = 30;
    private static final java.util.function.Function<io.homeostat.runtime.Protocol, RingView> RING_VIEW =
            p -> ((RingNode) p).view();

    private final LocalTransport transport = new LocalTransport();
    private final Map<Address, RingNode> rings = new LinkedHashMap<>();
    private ThreadedDriver driver;

    @BeforeAll
    void startRing() {
        for (int i = 0; i < NODES; i++) {
            Address a = new Address("local", i);
            rings.put(a, new RingNode(RingId.random(new SplittableRandom(i)), a, RingConfig.defaults(),
                    RingListener.NONE));
        }
        driver = new ThreadedDriver(transport, Discovery.fixed(rings.keySet()), NodeOptions.defaults());
        rings.forEach(driver::addNode);
    }

    @AfterAll
    void stopRing() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    @Order(1)
    void eightNodesOnTheirOwnThreadsConvergeToACorrectRing() throws Exception {
        List<RingView> ring = awaitCorrectRing(liveNodes());
        assertThat(ring).hasSize(NODES).noneMatch(RingView::stopped);
        assertThat(driver.nodes()).allSatisfy(n -> {
            assertThat(n.handlerFailures()).isZero();
            assertThat(n.droppedMessages()).isZero();
        });
    }

    @Test
    @Order(2)
    void lookupsFromEveryNodeReturnTheOwnerTheCheckerExpects() throws Exception {
        List<RingView> ring = awaitCorrectRing(liveNodes());
        assertLookupsAgree(ring, 6);
    }

    @Test
    @Order(3)
    void afterAGracefulLeaveTheOtherSevenConvergeAndServeItsKeys() throws Exception {
        List<RingView> before = awaitCorrectRing(liveNodes());
        Address leaverAddress = new Address("local", LEAVER);
        ThreadedNode leaver = driver.node(leaverAddress);
        RingNode leaverRing = rings.get(leaverAddress);
        NodeRef leaverRef = leaver.query(RING_VIEW).get(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS).self();

        leaver.execute(env -> leaverRing.leave(env));
        leaver.stop(); // graceful: the queued leave runs before the loop ends
        assertThat(leaverRing.isStopped()).isTrue(); // safe to read: stop() joined the loop thread
        assertThat(leaver.isTerminated()).isTrue();
        assertThatThrownBy(() -> leaver.query(p -> p).get(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RejectedExecutionException.class);

        List<RingView> after = awaitCorrectRing(liveNodes());
        assertThat(after).hasSize(NODES - 1).extracting(RingView::self).doesNotContain(leaverRef);

        // the leaver's own id now belongs to its old successor
        RingId leaverKey = leaverRef.id();
        NodeRef expected = RingChecker.owner(after, leaverKey);
        assertThat(expected).isEqualTo(RingChecker.owner(before, leaverKey.next()));
        for (ThreadedNode n : liveNodes()) {
            assertThat(lookup(n, leaverKey).get(LOOKUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(expected);
        }
        assertLookupsAgree(after, 3);
    }

    // ------------------------------------------------------------------ helpers

    private List<ThreadedNode> liveNodes() {
        return driver.nodes().stream().filter(ThreadedNode::isRunning).toList();
    }

    /** Waits until the RingChecker finds no violation in views taken on each node's own thread. */
    private List<RingView> awaitCorrectRing(List<ThreadedNode> live) throws Exception {
        Object[] last = new Object[1];
        Await.until(CONVERGENCE_AT_MOST, () -> {
            List<RingView> views = snapshots(live);
            last[0] = views;
            return RingChecker.check(views, 10);
        }, List::isEmpty, v -> v.toString());
        @SuppressWarnings("unchecked")
        List<RingView> ring = (List<RingView>) last[0];
        return ring;
    }

    /** One copy per node, each taken on that node's own thread. */
    private static List<RingView> snapshots(List<ThreadedNode> live) throws Exception {
        List<CompletableFuture<RingView>> futures = new ArrayList<>();
        for (ThreadedNode n : live) {
            futures.add(n.query(RING_VIEW));
        }
        List<RingView> out = new ArrayList<>();
        for (CompletableFuture<RingView> f : futures) {
            out.add(f.get(QUERY_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
        return out;
    }

    /** Starts a lookup on {@code node}'s thread; the future completes from the LookupCallback. */
    private CompletableFuture<NodeRef> lookup(ThreadedNode node, RingId key) {
        RingNode ring = rings.get(node.self());
        CompletableFuture<NodeRef> f = new CompletableFuture<>();
        node.execute(env -> ring.lookup(env, key, new LookupCallback() {
            @Override
            public void found(RingId k, NodeRef responsible, int hops) {
                f.complete(responsible);
            }

            @Override
            public void failed(RingId k) {
                f.completeExceptionally(new AssertionError("lookup of " + k + " from " + node.self() + " failed"));
            }
        }));
        return f;
    }

    /** From every live node, looks up {@code keysPerNode} keys (all in flight at once) and compares the owners. */
    private void assertLookupsAgree(List<RingView> ring, int keysPerNode) throws Exception {
        Map<CompletableFuture<NodeRef>, NodeRef> expected = new LinkedHashMap<>();
        int k = 0;
        for (ThreadedNode n : liveNodes()) {
            for (int j = 0; j < keysPerNode; j++, k++) {
                RingId key = RingId.ofKey("key-" + k);
                expected.put(lookup(n, key), RingChecker.owner(ring, key));
            }
        }
        for (Map.Entry<CompletableFuture<NodeRef>, NodeRef> e : expected.entrySet()) {
            assertThat(e.getKey().get(LOOKUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isEqualTo(e.getValue());
        }
    }
}
