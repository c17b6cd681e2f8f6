package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.Homeostat;
import io.homeostat.jgroups.JGroupsOptions;
import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeRegistryTest {

    @Test
    void factoriesWithTheSameNodeNameShareANodeAndTheLastOneLeaves() {
        Config c = Config.from(Map.of(HomeostatSettings.CLUSTER_NAME, "registry-test"));
        try (NodeRegistry.Handle a = NodeRegistry.acquire(c)) {
            long t0 = System.nanoTime();
            try (NodeRegistry.Handle b = NodeRegistry.acquire(c)) {
                assertThat(b.ringId()).isEqualTo(a.ringId());
                Homeostat h = b.client();
                long t1 = System.nanoTime();
                int n = 200;
                for (int i = 0; i < n; i++) {
                    h.put("k" + i, new byte[] {1});
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    assertThat(h.get("k" + i)).isPresent();
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    h.compareAndSet("k" + i, new byte[] {1}, new byte[] {2});
                }
                long t4 = System.nanoTime();
                System.out.printf("put %.2f ms, get %.2f ms, cas %.2f ms, second acquire %.1f ms%n",
                        (t2 - t1) / 1e6 / n, (t3 - t2) / 1e6 / n, (t4 - t3) / 1e6 / n, (t1 - t0) / 1e6);
            }
            assertThat(NodeRegistry.runningNodes("registry-test")).containsExactly("node-1");
        }
        assertThat(NodeRegistry.runningNodes("registry-test")).isEmpty();
    }

    @Test
    void autoJoinsAClusterFoundedOutsideTheRegistryThatOnlyJGroupsDiscoveryShows() {
        // Another "process": a node started directly on its own JGroups channel, in the default port range.
        JGroupsTransport otherTransport = JGroupsTransport.start(JGroupsOptions.builder().clusterName("elsewhere")
                .bindAddress("127.0.0.1").bindPort(7800).portRange(20).build());
        try (EmbeddedNode other = EmbeddedNode.start(otherTransport, otherTransport,
                EmbeddedNode.Settings.of(otherTransport.address(0)).withFounder(true).withGroupsLog2(6))) {
            other.client().put("written-elsewhere", new byte[] {7});
            try (NodeRegistry.Handle h = NodeRegistry.acquire(Config.from(Map.of(HomeostatSettings.CLUSTER_NAME,
                    "elsewhere")))) {
                assertThat(h.founder()).isFalse();
                assertThat(h.transportView()).contains(otherTransport.endpoint());
                assertThat(h.client().get("written-elsewhere")).hasValueSatisfying(v -> assertThat(v)
                        .containsExactly(7));
            }
        } finally {
            otherTransport.close();
        }
    }

    @Test
    void aNodeThatMustNotFoundFailsStartupWhenNoClusterIsThere() {
        Map<String, String> m = new HashMap<>();
        m.put(HomeostatSettings.CLUSTER_NAME, "nobody-founds");
        m.put(HomeostatSettings.FOUNDER, "false");
        m.put(HomeostatSettings.STARTUP_TIMEOUT_MILLIS, "3000");
        m.put(HomeostatSettings.OPERATION_TIMEOUT_MILLIS, "1000");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> NodeRegistry.acquire(Config.from(m)))
                .hasMessageContaining("could not serve reads and writes within homeostat.timeout.startup-millis=3000")
                .hasMessageContaining("it is not the founder");
        // the wait for a ring position counts against the startup bound (the default position wait is 45 s); the
        // margin is for JGroups' own discovery and a loaded machine
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until startup failed").isLessThan(20_000);
        assertThat(NodeRegistry.runningNodes("nobody-founds")).isEmpty();
    }

    @Test
    void theLocalTransportStillWorksWhenAskedFor() {
        Map<String, String> m = Map.of(HomeostatSettings.CLUSTER_NAME, "local-test", HomeostatSettings.TRANSPORT,
                "local");
        try (NodeRegistry.Handle a = NodeRegistry.acquire(Config.from(m));
                NodeRegistry.Handle b = NodeRegistry.acquire(Config.from(Map.of(HomeostatSettings.CLUSTER_NAME,
                        "local-test", HomeostatSettings.TRANSPORT, "local", HomeostatSettings.NODE_NAME, "node-2")))) {
            assertThat(a.founder()).isTrue();
            assertThat(b.founder()).isFalse();
            assertThat(b.transportView()).isEmpty();
            a.client().put("k", new byte[] {3});
            assertThat(b.client().get("k")).hasValueSatisfying(v -> assertThat(v).containsExactly(3));
        }
        assertThat(NodeRegistry.runningNodes("local-test")).isEmpty();
    }
}
