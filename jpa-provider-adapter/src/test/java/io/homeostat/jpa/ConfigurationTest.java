package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.persistence.EntityManagerFactory;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Selection by short and class name, startup failures on bad properties, and factory lifecycle. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigurationTest {

    private TestCluster cluster;

    @BeforeAll
    void start() {
        cluster = new TestCluster("config");
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void anUnknownPropertyFailsStartupNamingItAndListingTheValidOnes() {
        assertThatThrownBy(() -> cluster.node("n", Map.of("homeostat.replication.factr", "3")))
                .hasStackTraceContaining("unknown property 'homeostat.replication.factr'")
                .hasStackTraceContaining(HomeostatSettings.REPLICATION_FACTOR + " (3)")
                .hasStackTraceContaining(HomeostatSettings.CLUSTER_NAME + " (homeostat)");
    }

    @Test
    void anInvalidValueFailsStartupNamingIt() {
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.REPLICATION_FACTOR, "2")))
                .hasStackTraceContaining(HomeostatSettings.REPLICATION_FACTOR + "='2' must be odd");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.OPERATION_TIMEOUT_MILLIS, "soon")))
                .hasStackTraceContaining(HomeostatSettings.OPERATION_TIMEOUT_MILLIS + "='soon' is not a number");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.TRANSPORT, "local",
                HomeostatSettings.TRANSPORT_PORT, "7900")))
                .hasStackTraceContaining(HomeostatSettings.TRANSPORT_PORT + " applies only with homeostat.transport=jgroups");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.TRANSPORT_PORT_RANGE, "5000")))
                .hasStackTraceContaining(HomeostatSettings.TRANSPORT_PORT_RANGE + "='5000' is not in 0..1000");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.TRANSPORT_INITIAL_MEMBERS, "127.0.0.1")))
                .hasStackTraceContaining("entry '127.0.0.1' is not host[port] or host:port");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.TRANSPORT_CREDENTIAL, "cluster.p12")))
                .hasStackTraceContaining(HomeostatSettings.TRANSPORT_CREDENTIAL_PASSWORD + " go together");
        assertThatThrownBy(() -> cluster.node("n", Map.of(HomeostatSettings.TRANSPORT_STACK, "no-such-stack.xml")))
                .hasStackTraceContaining("no-such-stack.xml does not exist");
        assertThatThrownBy(() -> cluster.node("n", Map.of("homeostat.transport.portrange", "5")))
                .hasStackTraceContaining("unknown property 'homeostat.transport.portrange'")
                .hasStackTraceContaining(HomeostatSettings.TRANSPORT_PORT_RANGE + " (20)");
        assertThat(NodeRegistry.runningNodes("config")).isEmpty(); // nothing left running by the failures
    }

    @Test
    void factoriesShareANodeByNameAndEachLeavesOnClose() {
        EntityManagerFactory first = cluster.node("shared");
        EntityManagerFactory second = cluster.node("shared", Map.of("hibernate.cache.region.factory_class",
                HomeostatRegionFactory.class.getName())); // selected by class name
        EntityManagerFactory own = cluster.node("own");
        assertThat(TestCluster.regionFactory(second)).isInstanceOf(HomeostatRegionFactory.class);
        assertThat(TestCluster.regionFactory(first).node().ringId())
                .isEqualTo(TestCluster.regionFactory(second).node().ringId());
        assertThat(TestCluster.regionFactory(own).node().ringId())
                .isNotEqualTo(TestCluster.regionFactory(first).node().ringId());
        assertThat(NodeRegistry.runningNodes("config")).containsExactlyInAnyOrder("shared", "own");

        cluster.close(first);
        assertThat(NodeRegistry.runningNodes("config")).containsExactlyInAnyOrder("shared", "own");
        cluster.close(second);
        assertThat(NodeRegistry.runningNodes("config")).containsExactly("own");
        cluster.close(own);
        assertThat(NodeRegistry.runningNodes("config")).isEmpty();
    }
}
