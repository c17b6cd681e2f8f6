package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hibernate merges the JVM's system properties into its settings: a {@code -Dhomeostat.*} switch meant for something
 * else (a JGroups stack variable such as homeostat.jgroups.dns_query, a test switch) must not fail startup, while an
 * unknown name written in the persistence unit still does.
 */
class ConfigParsingTest {

    private static final String KEY = "homeostat.configparsingtest.switch";

    @Test
    void anUnknownNameThatCameFromTheCommandLineIsIgnored() {
        System.setProperty(KEY, "on");
        try {
            assertThatCode(() -> Config.from(Map.of(KEY, "on"))).doesNotThrowAnyException();
            // the same name with another value was set in the persistence unit: still a mistake to report
            assertThatThrownBy(() -> Config.from(Map.of(KEY, "off")))
                    .hasMessageContaining("unknown property '" + KEY + "'");
        } finally {
            System.clearProperty(KEY);
        }
        assertThatThrownBy(() -> Config.from(Map.of(KEY, "on"))).hasMessageContaining("unknown property '" + KEY + "'");
    }

    /** A write held up by a crashed node's read leases must finish within one operation timeout. */
    @Test
    void theLeaseStaysBelowTheOperationTimeout() {
        assertThatThrownBy(() -> Config.from(Map.of(HomeostatSettings.NEAR_CACHE_LEASE_MILLIS, "5000")))
                .hasMessageContaining(HomeostatSettings.NEAR_CACHE_LEASE_MILLIS + "=5000 must be below "
                        + HomeostatSettings.OPERATION_TIMEOUT_MILLIS + "=5000");
        org.assertj.core.api.Assertions.assertThat(
                Config.from(Map.of(HomeostatSettings.OPERATION_TIMEOUT_MILLIS, "2000")).leaseMillis()).isEqualTo(1600);
        org.assertj.core.api.Assertions.assertThat(Config.from(Map.of()).leaseMillis()).isEqualTo(4000);
    }

    @Test
    void decodedReuseAndAsyncReleasesHaveBoundedDefaultsAndCanBeTurnedOff() {
        Config d = Config.from(Map.of());
        org.assertj.core.api.Assertions.assertThat(d.reuseDecoded()).isTrue();
        org.assertj.core.api.Assertions.assertThat(d.nearIdleMillis()).isEqualTo(60_000);
        org.assertj.core.api.Assertions.assertThat(Config.from(Map.of(HomeostatSettings.NEAR_CACHE_IDLE_MILLIS, "0"))
                .nearIdleMillis()).isZero();
        assertThatThrownBy(() -> Config.from(Map.of(HomeostatSettings.NEAR_CACHE_IDLE_MILLIS, "-5")))
                .hasMessageContaining(HomeostatSettings.NEAR_CACHE_IDLE_MILLIS + "='-5' is not in 0..3600000");
        org.assertj.core.api.Assertions.assertThat(d.asyncReleaseMaxInFlight()).isEqualTo(256);
        Config off = Config.from(Map.of(HomeostatSettings.NEAR_CACHE_REUSE_DECODED, "false",
                HomeostatSettings.ASYNC_RELEASE_MAX_IN_FLIGHT, "0"));
        org.assertj.core.api.Assertions.assertThat(off.reuseDecoded()).isFalse();
        org.assertj.core.api.Assertions.assertThat(off.asyncReleaseMaxInFlight()).isZero();
        assertThatThrownBy(() -> Config.from(Map.of(HomeostatSettings.ASYNC_RELEASE_MAX_IN_FLIGHT, "-1")))
                .hasMessageContaining(HomeostatSettings.ASYNC_RELEASE_MAX_IN_FLIGHT);
        assertThatThrownBy(() -> Config.from(Map.of(HomeostatSettings.NEAR_CACHE_REUSE_DECODED, "16384")))
                .hasMessageContaining(HomeostatSettings.NEAR_CACHE_REUSE_DECODED + "='16384' is not true or false");
        // the old slot-table setting is gone: naming it fails with the list of valid properties
        assertThatThrownBy(() -> Config.from(Map.of("homeostat.near-cache.decoded-entries", "0")))
                .hasMessageContaining("homeostat.near-cache.decoded-entries")
                .hasMessageContaining(HomeostatSettings.NEAR_CACHE_REUSE_DECODED);
    }
}
