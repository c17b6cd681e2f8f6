package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.Homeostat;
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
}
