package io.homeostat.runtime.threaded;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.HomeostatException;
import io.homeostat.runtime.Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A cluster of embedded nodes: it serves reads and writes, reports its state, and a graceful leave loses nothing. */
class EmbeddedNodeTest {

    private final List<EmbeddedNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(EmbeddedNode::close);
    }

    /** Messages by type and sender, counted on their way through the transport. */
    private final CountingTransport transport = new CountingTransport();

    private long sent(Address from, Class<?> type) {
        return transport.sent(from, type);
    }

    private void startCluster(int n) throws Exception {
        List<Address> addresses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            addresses.add(new Address("embedded", i));
        }
        for (int i = 0; i < n; i++) {
            nodes.add(EmbeddedNode.start(transport, Discovery.fixed(addresses),
                    EmbeddedNode.Settings.of(addresses.get(i)).withFounder(i == 0).withGroupsLog2(3)
                            .withLeaseMillis(2_000)));
        }
        for (EmbeddedNode node : nodes) {
            Await.until(Duration.ofSeconds(60), () -> {
                try {
                    node.client().put("probe-" + node.address(), bytes("ok"));
                    return node.client().get("probe-" + node.address()).isPresent();
                } catch (HomeostatException e) {
                    return false;
                }
            }, node.address() + " to serve");
        }
    }

    /** Decodes UTF-8 (null stays null), counting its calls in {@code decodes}. */
    private static java.util.function.Function<byte[], String> countingUtf8(
            java.util.concurrent.atomic.AtomicInteger decodes) {
        return b -> {
            decodes.incrementAndGet();
            return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void statusShowsTheRingAndTheGroupsEachNodeHolds() throws Exception {
        startCluster(3);
        // once stabilized: every node has ring neighbours, and the 8 groups' 3 positions each are all held by the
        // nodes (the ownership loop settles within a few periods)
        Await.until(Duration.ofSeconds(30), this::heldPositions, held -> held == 8 * 3,
                held -> held + " positions held, or a node without ring neighbours");
        Await.until(Duration.ofSeconds(60), this::groupsOnDistinctNodes, n -> n == 8,
                n -> n + " of 8 groups have their 3 replicas on 3 distinct nodes");
        for (EmbeddedNode node : nodes) {
            EmbeddedNode.Status s = node.status(5_000);
            assertThat(s.address()).isEqualTo(node.address().toString());
            assertThat(s.handlerFailures()).isZero();
            assertThat(s.groups()).allSatisfy(g -> assertThat(g.serving()).isTrue());
            assertThat(s.recentActions()).as("the action log of %s", s.address()).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.atMillis()).isBetween(0L, s.nowMillis()));
        }
        // the founder created every group; each other node claimed slots and copied their data
        for (EmbeddedNode node : nodes.subList(1, nodes.size())) {
            assertThat(node.status(5_000).recentActions()).extracting(a -> a.loop())
                    .contains("join", "claim", "repair");
        }
    }

    /** Groups whose newest view, as some member reports it, has R distinct members. */
    private int groupsOnDistinctNodes() {
        java.util.Map<Integer, EmbeddedNode.GroupStatus> newest = new java.util.TreeMap<>();
        for (EmbeddedNode node : nodes) {
            for (EmbeddedNode.GroupStatus g : node.status(5_000).groups()) {
                newest.merge(g.group(), g, (a, b) -> a.epoch() >= b.epoch() ? a : b);
            }
        }
        return (int) newest.values().stream().filter(g -> g.members().stream().distinct().count() == 3).count();
    }

    /** Positions the nodes hold in the views they installed; -1 while some node has no ring neighbours yet. */
    private int heldPositions() {
        int positions = 0;
        for (EmbeddedNode node : nodes) {
            EmbeddedNode.Status s = node.status(5_000);
            if (s.predecessor() == null || s.successors().isEmpty()) {
                return -1;
            }
            for (EmbeddedNode.GroupStatus g : s.groups()) {
                positions += (int) g.members().stream().filter(m -> m.equals(s.address())).count();
            }
        }
        return positions;
    }

    @Test
    void aGracefulLeaveHandsEveryPositionOffAndLosesNothing() throws Exception {
        startCluster(4);
        for (int k = 0; k < 50; k++) {
            nodes.get(k % 4).client().put("k" + k, bytes("v" + k));
        }
        EmbeddedNode leaving = nodes.remove(3);
        assertThat(leaving.leave(30_000)).as("handed off within 30 s").isTrue();
        for (int k = 0; k < 50; k++) {
            byte[] expected = bytes("v" + k);
            assertThat(nodes.get(k % 3).client().get("k" + k)).as("k%d", k)
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
        }
        for (EmbeddedNode node : nodes) {
            for (EmbeddedNode.GroupStatus g : node.status(5_000).groups()) {
                assertThat(g.members()).doesNotContain(leaving.address().toString());
            }
        }
    }

    /**
     * Three nodes, R = 3: the nodes take positions proposed by the cluster, so each holds one replica of every group,
     * and after any one of them crashes every key is still readable and writable on the other two (at random
     * positions one node often holds two replicas of a group, and its crash leaves that group without a majority).
     */
    @Test
    void withThreeNodesEveryKeyStaysWritableWhenOneCrashes() throws Exception {
        startCluster(3);
        // the founder creates every group on itself; the others then claim the slots the ring gives them
        Await.until(Duration.ofSeconds(60), this::groupsOnDistinctNodes, n -> n == 8,
                n -> n + " of 8 groups have their 3 replicas on 3 distinct nodes");
        for (int k = 0; k < 40; k++) {
            nodes.get(k % 3).client().put("k" + k, bytes("v" + k));
        }
        long[] before = {nodes.get(0).status(5_000).nowMillis(), nodes.get(1).status(5_000).nowMillis()};
        EmbeddedNode crashed = nodes.remove(2);
        crashed.close();
        for (int k = 0; k < 40; k++) {
            byte[] expected = bytes("v" + k);
            EmbeddedNode via = nodes.get(k % 2);
            assertThat(via.client().get("k" + k)).as("k%d", k)
                    .hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
            via.client().put("k" + k, bytes("w" + k));
        }
            // the survivors notice and repair: one of them suspects the crashed node and claims its replicas
        Await.until(Duration.ofSeconds(60), () -> {
            boolean suspected = false;
            boolean claimed = false;
            for (int n = 0; n < 2; n++) {
                for (io.homeostat.node.ActionLog.Action a : nodes.get(n).status(5_000).recentActions()) {
                    if (a.atMillis() >= before[n]) {
                        suspected |= a.loop().equals("suspect") && a.detail().contains(crashed.address().toString());
                        claimed |= a.loop().equals("claim") && a.detail().contains(crashed.address().toString());
                    }
                }
            }
            return suspected && claimed;
        }, "a survivor to log the suspicion of " + crashed.address() + " and a claim of its replicas");
    }

    /**
     * Near reads are local once leased and never stale: node 0 reads a key through its near cache, node 1 writes it,
     * and node 0's next near read, started after the write returned, sees the new value. Repeated for many keys and
     * rounds, with node 2 reading too.
     */
    @Test
    void nearReadsNeverReturnAValueAWriteHasReplaced() throws Exception {
        startCluster(3);
        EmbeddedNode reader = nodes.get(0);
        EmbeddedNode writer = nodes.get(1);
        EmbeddedNode other = nodes.get(2);
        int stale = 0;
        for (int round = 0; round < 20; round++) {
            for (int k = 0; k < 10; k++) {
                String key = "near-" + k;
                byte[] before = bytes("r" + round + "-" + key);
                writer.client().put(key, before);
                assertThat(reader.client().getNear(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(before));
                assertThat(reader.client().getNear(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(before));
                other.client().getNear(key);
                byte[] after = bytes("w" + round + "-" + key);
                writer.client().put(key, after);
                if (!java.util.Arrays.equals(reader.client().getNear(key).orElse(null), after)
                        || !java.util.Arrays.equals(other.client().getNear(key).orElse(null), after)) {
                    stale++;
                }
            }
        }
        assertThat(stale).as("near reads that returned a value a completed write had replaced").isZero();
        // with no write in flight, a near read leases the key (right after a write, the replicas may still hold the
        // transaction's lock and refuse: the read then goes to the replicas, which is why this waits)
        Await.until(Duration.ofSeconds(10), () -> {
            for (int k = 0; k < 10; k++) {
                reader.client().getNear("near-" + k);
            }
            return reader.status(5_000).nearCacheEntries() > 0;
        }, "the reader to hold keys under read leases");
    }

    /**
     * A prepared near reader ({@code Homeostat.nearReader}) is as fresh as a near read: it keeps the entry it found,
     * and once another node's write to the key has returned, its next read returns the new value, never the kept one
     * (also after the key was deleted and written again). While the entry is unchanged it returns the object its
     * decoder made the first time.
     */
    @Test
    void aPreparedNearReaderNeverReturnsAValueAWriteHasReplaced() throws Exception {
        startCluster(3);
        EmbeddedNode reader = nodes.get(0);
        EmbeddedNode writer = nodes.get(1);
        java.util.concurrent.atomic.AtomicInteger decodes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Supplier<String> read = reader.client().nearReader(
                "prepared".getBytes(java.nio.charset.StandardCharsets.UTF_8), countingUtf8(decodes));
        assertThat(read.get()).as("a key never written").isNull();
        int stale = 0;
        for (int round = 0; round < 30; round++) {
            String value = "v" + round;
            if (round % 10 == 9) {
                writer.client().delete("prepared");
                if (read.get() != null) {
                    stale++;
                }
            }
            writer.client().put("prepared", bytes(value));
            if (!value.equals(read.get())) {
                stale++;
            }
        }
        assertThat(stale).as("prepared reads that returned a value a completed write had replaced").isZero();
        // with no write in flight the key gets leased: then the reader reuses what it decoded
        String first = awaitReusedDecode(read, "a near hit that reuses its decoded value");
        int before = decodes.get();
        for (int i = 0; i < 100; i++) {
            assertThat(read.get()).isSameAs(first);
        }
        assertThat(decodes.get()).as("decodes of an unchanged entry").isEqualTo(before);
        writer.client().put("prepared", bytes("last"));
        assertThat(read.get()).as("the read after the write returned").isEqualTo("last");
    }

    /**
     * Reads until two reads in a row return the same non-null object (a local hit reusing what it decoded) and returns
     * it; fails after 10 s.
     */
    private static String awaitReusedDecode(java.util.function.Supplier<String> read, String what) throws Exception {
        String[] first = {null};
        Await.until(Duration.ofSeconds(10), () -> {
            String a = read.get();
            String b = read.get();
            first[0] = a;
            return a != null && a == b;
        }, what);
        return first[0];
    }

    /**
     * A decoded near read decodes once per near-cache entry: while the entry is unchanged, the same decoder gets back
     * the very object it made (no copy, no decode), another decoder decodes afresh, and once another node's write has
     * returned, the next decoded read gets the new value, never the object decoded from the old one.
     */
    @Test
    void decodedNearReadsAreReusedUntilAWriteReplacesTheValue() throws Exception {
        startCluster(3);
        EmbeddedNode reader = nodes.get(0);
        EmbeddedNode writer = nodes.get(1);
        java.util.concurrent.atomic.AtomicInteger decodes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.Function<byte[], String> decode = countingUtf8(decodes);
        for (int round = 0; round < 5; round++) {
            String key = "decoded-" + round;
            byte[] key8 = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            writer.client().put(key, bytes("v1-" + round));
            // right after a write the replicas may refuse a lease (the transaction's lock): wait for a local hit
            String first = awaitReusedDecode(() -> reader.client().getNear(key8, decode),
                    "a near hit on " + key + " that reuses its decoded value");
            assertThat(first).isEqualTo("v1-" + round);
            int before = decodes.get();
            for (int i = 0; i < 100; i++) {
                assertThat(reader.client().getNear(key8, decode)).isSameAs(first);
            }
            assertThat(decodes.get()).as("decodes of an unchanged entry").isEqualTo(before);
            java.util.function.Function<byte[], String> other =
                    b -> new String(b, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(reader.client().getNear(key8, other)).isEqualTo("v1-" + round).isNotSameAs(first);
            writer.client().put(key, bytes("v2-" + round));
            assertThat(reader.client().getNear(key8, decode)).as("the read after the write returned")
                    .isEqualTo("v2-" + round);
        }
    }

    /**
     * A transaction reads a key this node holds under a read lease from its near cache: a compare-and-set of a leased
     * key sends no read to the replicas, and commits. Its commit still validates what it read: once another node's
     * write has returned (revoking the lease), the same compare-and-set with the old expected value fails and leaves
     * the newer value in place.
     */
    @Test
    void transactionsReadLeasedKeysFromTheNearCache() throws Exception {
        startCluster(3);
        EmbeddedNode reader = nodes.get(0);
        EmbeddedNode writer = nodes.get(1);
        Class<?> readRequest = io.homeostat.replica.ReplicaMessage.ReadRequest.class;
        for (int round = 0; round < 5; round++) {
            String key = "cas-" + round;
            writer.client().put(key, bytes("a"));
            // right after a write the replicas may refuse a lease (the transaction's lock): wait until it is local
            Await.until(Duration.ofSeconds(10), () -> {
                reader.client().getNear(key);
                long before = sent(reader.address(), readRequest)
                        + sent(reader.address(), io.homeostat.replica.ReplicaMessage.LeaseRequest.class);
                reader.client().getNear(key);
                return sent(reader.address(), readRequest)
                        + sent(reader.address(), io.homeostat.replica.ReplicaMessage.LeaseRequest.class) == before;
            }, "a near hit on " + key);
            long reads = sent(reader.address(), readRequest);
            assertThat(reader.client().compareAndSet(key, bytes("a"), bytes("b"))).isTrue();
            assertThat(sent(reader.address(), readRequest)).as("reads sent by a transaction on a leased key")
                    .isEqualTo(reads);
            assertThat(writer.client().get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("b")));
            // the commit revoked every lease, the reader's too; lease it again, then change it elsewhere
            Await.until(Duration.ofSeconds(10), () -> {
                reader.client().getNear(key);
                return java.util.Arrays.equals(reader.client().getNear(key).orElse(null), bytes("b"));
            }, "the reader to see b");
            writer.client().put(key, bytes("c"));
            assertThat(reader.client().compareAndSet(key, bytes("b"), bytes("d"))).as("a CAS on a replaced value")
                    .isFalse();
            assertThat(writer.client().get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("c")));
        }
    }
}
