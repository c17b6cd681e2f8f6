package io.homeostat.runtime.threaded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.ClientOptions;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.ValueTooLargeException;
import io.homeostat.node.HomeostatNode;
import io.homeostat.replica.ReplicaConfig;
import io.homeostat.ring.RingConfig;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.Address;
import io.homeostat.store.MemoryStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The public API against a real three-node cluster: each node on its own threads, in-JVM transport. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThreadedClientTest {

    private static final int NODES = 3;
    private ThreadedDriver driver;
    /** The in-JVM transport, counting what the nodes send. */
    private final CountingTransport transport = new CountingTransport();
    private final List<Homeostat> clients = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        List<Address> addresses = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            addresses.add(new Address("local", i));
        }
        driver = new ThreadedDriver(transport, Discovery.fixed(addresses), NodeOptions.defaults());
        for (int i = 0; i < NODES; i++) {
            ReplicaConfig rc = ReplicaConfig.defaults().withGroupsLog2(3).withFounder(i == 0);
            HomeostatNode p = new HomeostatNode(RingId.random(new SplittableRandom(100 + i)), addresses.get(i),
                    RingConfig.defaults(), rc, new MemoryStorage());
            ThreadedNode n = driver.addNode(addresses.get(i), p);
            clients.add(new ThreadedClient(n, p, new ClientOptions(1_024, 64, 2, 20_000)));
        }
        // the cluster is usable once every node can write and read back through its own client
        for (int i = 0; i < NODES; i++) {
            Homeostat c = clients.get(i);
            String key = "probe-" + i;
            Await.until(Duration.ofSeconds(60), () -> {
                try {
                    c.put(key, bytes("ok"));
                    return c.get(key).isPresent();
                } catch (HomeostatException e) {
                    return false;
                }
            }, "node " + i + " to serve reads and writes");
        }
    }

    @AfterAll
    void stopCluster() {
        if (driver != null) {
            driver.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aWriteOnOneNodeIsReadOnEveryNode() {
        clients.get(0).put("page:Main", bytes("hello"));
        for (Homeostat c : clients) {
            assertThat(c.get("page:Main")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("hello")));
        }
        clients.get(1).delete("page:Main");
        assertThat(clients.get(2).get("page:Main")).isEmpty();
        assertThat(clients.get(2).get("never-written")).isEmpty();
    }

    @Test
    void compareAndSetSucceedsOnlyOnTheExpectedValue() {
        Homeostat c = clients.get(1);
        assertThat(c.compareAndSet("cas", null, bytes("a"))).isTrue();
        assertThat(c.compareAndSet("cas", null, bytes("b"))).isFalse();
        assertThat(c.compareAndSet("cas", bytes("a"), bytes("b"))).isTrue();
        assertThat(clients.get(2).get("cas")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("b")));
    }

    @Test
    void concurrentIncrementsFromEveryNodeAreNotLost() throws Exception {
        int perClient = 15;
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (Homeostat c : clients) {
            runs.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < perClient; i++) {
                    c.transaction(tx -> {
                        long n = tx.get("counter").map(b -> Long.parseLong(new String(b, StandardCharsets.UTF_8)))
                                .orElse(0L);
                        tx.put("counter", bytes(Long.toString(n + 1)));
                        return null;
                    });
                }
            }));
        }
        CompletableFuture.allOf(runs.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        byte[] v = clients.get(0).get("counter").orElseThrow();
        assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo(Long.toString((long) perClient * NODES));
    }

    @Test
    void binaryKeysWork() {
        byte[] key = {0, (byte) 0xff, 7};
        clients.get(0).put(key, bytes("bin"));
        assertThat(clients.get(1).get(key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("bin")));
        assertThat(clients.get(2).get(new byte[] {0, (byte) 0xff})).isEmpty();
    }

    @Test
    void oversizedValuesAreRejectedWithTheLimit() {
        assertThatThrownBy(() -> clients.get(0).put("big", new byte[1_025]))
                .isInstanceOf(ValueTooLargeException.class).hasMessageContaining("1024 bytes")
                .hasMessageContaining("maxValueBytes");
        assertThat(clients.get(0).get("big")).isEmpty();
    }

    @Test
    void asyncCallsComplete() throws Exception {
        clients.get(2).putAsync("async", bytes("x")).get(60, TimeUnit.SECONDS);
        assertThat(clients.get(0).getAsync("async").get(60, TimeUnit.SECONDS))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("x")));
        assertThat(clients.get(1).compareAndSetAsync("async", bytes("x"), bytes("y")).get(60, TimeUnit.SECONDS))
                .isTrue();
    }

    /**
     * A transaction that reads a key this client wrote a moment ago starts from that write (no quorum read); if the
     * key changed elsewhere since, its commit fails validation, the retry reads the current value, and the key is read
     * from a majority for a while after that.
     */
    @Test
    void aTransactionRereadingItsOwnFreshWriteNeedsNoQuorumReadAndAStaleOneRetries() {
        Homeostat c = clients.get(0);
        c.put("own", bytes("a"));
        Class<?> quorumRead = io.homeostat.replica.ReplicaMessage.ReadRequest.class;
        long before = transport.sent(quorumRead);
        c.transaction(tx -> {
            tx.put("own", bytes(new String(tx.get("own").orElseThrow(), StandardCharsets.UTF_8) + "b"));
            return null;
        });
        assertThat(transport.sent(quorumRead)).as("quorum reads for the second transaction").isEqualTo(before);
        assertThat(clients.get(1).get("own")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("ab")));

        clients.get(1).put("own", bytes("x")); // changed elsewhere: client 0's hint is stale now
        c.transaction(tx -> {
            tx.put("own", bytes(new String(tx.get("own").orElseThrow(), StandardCharsets.UTF_8) + "y"));
            return null;
        });
        assertThat(clients.get(2).get("own")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("xy")));

        long beforeThird = transport.sent(quorumRead);
        c.transaction(tx -> {
            tx.put("own", bytes(new String(tx.get("own").orElseThrow(), StandardCharsets.UTF_8) + "z"));
            return null;
        });
        assertThat(transport.sent(quorumRead)).as("a key whose hint went stale is read from a majority for a while")
                .isGreaterThan(beforeThird);
        assertThat(clients.get(1).get("own")).hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("xyz")));
    }
}
