package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ClientOptions;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.NodeOptions;
import io.homeostat.runtime.threaded.ThreadedClient;
import io.homeostat.runtime.threaded.ThreadedDriver;
import io.homeostat.runtime.threaded.ThreadedNode;
import io.homeostat.store.MemoryStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jgroups.BytesMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three "processes" in one JVM, each a JGroups channel on the loopback stack (real sockets on 127.0.0.1) with its own
 * {@link ThreadedDriver} and engine node: the ring converges and the public API works across them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JGroupsClusterTest {

    private static final int NODES = 3;
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    private final List<JGroupsTransport> transports = new ArrayList<>();
    private final List<ThreadedDriver> drivers = new ArrayList<>();
    private final List<Homeostat> clients = new ArrayList<>();
    private final List<ThreadedNode> nodes = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        int base = TestPorts.freeBlock(NODES + 2);
        String cluster = "homeostat-test-" + base;
        for (int i = 0; i < NODES; i++) {
            transports.add(JGroupsTransport.start(TestPorts.loopback(cluster, "node-" + i, base, NODES + 1).build()));
        }
        Await.until(CONVERGE, () -> transports.stream().allMatch(t -> t.viewEndpoints().size() == NODES),
                "every channel to see all " + NODES + " members");
        for (int i = 0; i < NODES; i++) {
            JGroupsTransport t = transports.get(i);
            ThreadedDriver d = new ThreadedDriver(t, t, NodeOptions.defaults());
            drivers.add(d);
            ReplicaConfig rc = ReplicaConfig.defaults().withGroupsLog2(3).withFounder(i == 0);
            HomeostatNode p = new HomeostatNode(RingId.random(new SplittableRandom(200 + i)), t.address(0),
                    RingConfig.defaults(), rc, new MemoryStorage());
            ThreadedNode n = d.addNode(t.address(0), p);
            nodes.add(n);
            clients.add(new ThreadedClient(n, p, new ClientOptions(64 * 1024, 64, 2, 20_000)));
        }
        for (int i = 0; i < NODES; i++) {
            Homeostat c = clients.get(i);
            String key = "probe-" + i;
            try {
                Await.until(CONVERGE, () -> {
                    try {
                        c.put(key, bytes("ok"));
                        return c.get(key).isPresent();
                    } catch (HomeostatException e) {
                        return false;
                    }
                }, "node " + i + " to serve reads and writes");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + describeCluster(), e);
            }
        }
    }

    /** What each node believes (ring neighbours, groups, recent actions) and its transport counters: for failures. */
    private String describeCluster() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            b.append("node-").append(i).append(": ").append(transports.get(i).counters()).append('\n');
            try {
                b.append(nodes.get(i).query(p -> {
                    HomeostatNode h = (HomeostatNode) p;
                    StringBuilder s = new StringBuilder();
                    s.append("  ring ").append(h.ring().self()).append(" pred ").append(h.ring().predecessor())
                            .append(" succ ").append(h.ring().successors()).append('\n');
                    for (int g = 0; g < h.replicas().placement().groups(); g++) {
                        s.append("  group ").append(g).append(' ').append(h.replicas().installedView(g))
                                .append(" serving=").append(h.replicas().serving(g)).append('\n');
                    }
                    s.append("  actions ").append(h.actions().recent()).append('\n');
                    return s.toString();
                }).get(5, java.util.concurrent.TimeUnit.SECONDS));
            } catch (Exception e) {
                b.append("  no answer: ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    @AfterAll
    void stopCluster() {
        drivers.forEach(ThreadedDriver::close);
        transports.forEach(JGroupsTransport::close);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWriteInOneProcessIsReadInEveryOther() {
        clients.get(0).put("page:Main", bytes("hello"));
        for (Homeostat c : clients) {
            assertThat(c.get("page:Main")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("hello")));
        }
        clients.get(2).put("big", new byte[60_000]);
        assertThat(clients.get(1).get("big")).hasValueSatisfying(v -> assertThat(v).hasSize(60_000));
        assertThat(clients.get(1).compareAndSet("page:Main", bytes("hello"), bytes("bye"))).isTrue();
        assertThat(clients.get(0).get("page:Main")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("bye")));
        for (JGroupsTransport t : transports) {
            assertThat(t.counters().delivered()).isGreaterThan(0);
            assertThat(t.counters().droppedEncodeFailed()).isZero();
        }
        // the nodes' event loops hold their sends and write to members that answer themselves at their flush
        assertThat(transports.stream().mapToLong(t -> t.counters().framesSentInline()).sum())
                .as("frames the node loops wrote themselves").isPositive();
    }

    @Test
    void discoveryListsVnodeZeroOfEveryProcessInTheView() {
        for (JGroupsTransport t : transports) {
            assertThat(t.knownAddresses()).contains(new Address("node-0", 0), new Address("node-1", 0),
                    new Address("node-2", 0));
            assertThat(t.viewEndpoints()).containsExactlyInAnyOrder("node-0", "node-1", "node-2");
        }
    }

    @Test
    void aMessageToAnUnknownEndpointIsDroppedAndCountedWithoutThrowing() {
        JGroupsTransport t = transports.get(0);
        long before = t.counters().droppedNoRoute();
        t.send(t.address(0), new Address("nowhere", 0), new RingMessage.Ping(null));
        assertThat(t.counters().droppedNoRoute()).isEqualTo(before + 1);
    }

    @Test
    void garbageFramesAreDroppedAndCountedAndTheNodeKeepsWorking() throws Exception {
        JGroupsTransport attacker = transports.get(0);
        JGroupsTransport victim = transports.get(1);
        org.jgroups.Address target = attacker.route("node-1");
        assertThat(target).isNotNull();
        MessageCodec codec = new MessageCodec();
        byte[] valid = codec.encode(attacker.address(0), victim.address(0), new RingMessage.Ping(null));
        byte[] otherSchema = valid.clone();
        otherSchema[4] ^= 0x55;
        byte[] unregisteredVnode = codec.encode(attacker.address(0), victim.address(7), new RingMessage.Ping(null));
        SplittableRandom random = new SplittableRandom(7);
        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[random.nextInt(1, 200)];
            random.nextBytes(b);
            garbage.add(b);
        }
        garbage.add(new byte[0]);
        garbage.add(Arrays.copyOf(valid, valid.length - 3));
        garbage.add(otherSchema);
        byte[] batch = codec.encodeBatch(List.of(valid, valid, valid));
        garbage.add(Arrays.copyOf(batch, batch.length - 2)); // truncated batch
        byte[] batchVersion = batch.clone();
        batchVersion[2] = 99; // unknown batch format version
        garbage.add(batchVersion);
        byte[] batchCount = batch.clone();
        batchCount[MessageCodec.HEADER_BYTES] = 0x7F; // more frames than it holds
        garbage.add(batchCount);
        long undecodableBefore = victim.counters().droppedUndecodable();
        long noInboxBefore = victim.counters().droppedNoInbox();
        for (byte[] g : garbage) {
            attacker.channel().send(new BytesMessage(target, g));
        }
        attacker.channel().send(new BytesMessage(target, unregisteredVnode));
        Await.until(Duration.ofSeconds(30), () -> victim.counters().droppedUndecodable()
                >= undecodableBefore + garbage.size() && victim.counters().droppedNoInbox() >= noInboxBefore + 1,
                "the victim to count " + garbage.size() + " undecodable frames and one for an unregistered vnode");
        assertThat(victim.counters().droppedUndecodable()).isEqualTo(undecodableBefore + garbage.size());
        // still serving, through the victim and from the others
        clients.get(1).put("after-garbage", bytes("still here"));
        assertThat(clients.get(2).get("after-garbage"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("still here")));
        assertThat(clients.get(1).get("after-garbage")).isPresent();
    }
}
