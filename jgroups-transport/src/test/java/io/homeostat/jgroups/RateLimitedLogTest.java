package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One line per cause per interval, on a fake clock. */
class RateLimitedLogTest {

    @Test
    void logsAtMostOncePerCausePerInterval() {
        AtomicLong nanos = new AtomicLong(1_000);
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), 10_000,
                nanos::get);
        assertThat(log.warn("decode", "first")).isTrue();
        assertThat(log.warn("decode", "suppressed")).isFalse();
        assertThat(log.warn("send", "other cause")).isTrue();
        nanos.addAndGet(9_999_000_000L);
        assertThat(log.warn("decode", "still within the interval")).isFalse();
        nanos.addAndGet(1_000_000L);
        assertThat(log.warn("decode", "next interval")).isTrue();
        assertThat(log.warn("decode", "suppressed again")).isFalse();
    }
}
