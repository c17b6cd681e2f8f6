package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.replica.ReplicaMessage.LeaseOffer;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jgroups.BytesMessage;
import org.jgroups.protocols.TP;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped TCP stacks send through {@link ReusingNoBundler}: frames of very different sizes, one after another from
 * the same threads, arrive intact (a reused buffer that kept stale bytes or a stale length would corrupt them), and a
 * sending thread keeps one buffer across messages.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JGroupsBundlerTest {

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** A value of {@code size} bytes that differs from every other test value at every position. */
    private static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed * 7);
        }
        return b;
    }

    @Test
    void framesOfMixedSizesArriveIntactAndASenderKeepsItsBuffer() throws Exception {
        int base = TestPorts.freeBlock(3);
        String cluster = "homeostat-bundler-" + base;
        JGroupsTransport a = JGroupsTransport.start(TestPorts.loopback(cluster, "a", base, 2).build());
        cleanup.add(a);
        JGroupsTransport b = JGroupsTransport.start(TestPorts.loopback(cluster, "b", base, 2).build());
        cleanup.add(b);
        Await.until(Duration.ofSeconds(60), () -> a.route("b") != null && b.route("a") != null,
                "both channels to see each other");
        TP transport = a.channel().getProtocolStack().getTransport();
        assertThat(transport.getBundler()).as("the shipped loopback stack's bundler")
                .isInstanceOf(ReusingNoBundler.class);

        Map<Long, byte[]> received = new ConcurrentHashMap<>();
        b.register(b.address(0), (from, m) -> {
            LeaseOffer o = (LeaseOffer) m;
            received.put(o.nonce(), o.value().toBytes());
        });
        int[] sizes = {10, 3_000, 200_000, 7, 50_000, 1, 12_345, 500_000, 64};
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sizes.length; i++) {
                long nonce = round * 100L + i;
                a.send(a.address(0), b.address(0), new LeaseOffer(1, 1, Key.of("k" + nonce), Tag.ZERO,
                        Bytes.of(pattern(sizes[i], (int) nonce)), nonce));
            }
            a.flush();
        }
        Await.until(Duration.ofSeconds(60), () -> received.size() == 3 * sizes.length,
                "every frame to arrive (" + received.size() + " so far)");
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sizes.length; i++) {
                long nonce = round * 100L + i;
                assertThat(Arrays.equals(received.get(nonce), pattern(sizes[i], (int) nonce)))
                        .as("frame %d of %d bytes", nonce, sizes[i]).isTrue();
            }
        }

        // this thread sends twice through the bundler itself: its buffer grows once and is kept
        ReusingNoBundler bundler = (ReusingNoBundler) transport.getBundler();
        org.jgroups.Address to = a.route("b");
        a.channel().send(new BytesMessage(to, pattern(20_000, 1)));
        int afterFirst = bundler.bufferBytes();
        a.channel().send(new BytesMessage(to, pattern(100, 2)));
        assertThat(afterFirst).isGreaterThanOrEqualTo(20_000).isLessThanOrEqualTo(ReusingNoBundler.MAX_KEPT_BYTES);
        assertThat(bundler.bufferBytes()).as("the same buffer, not a new one per message").isEqualTo(afterFirst);
        // those two were not frames of ours: b drops them as undecodable, and counts them
        Await.until(Duration.ofSeconds(30), () -> b.counters().droppedUndecodable() >= 2,
                "b to count the two foreign messages");
    }
}
