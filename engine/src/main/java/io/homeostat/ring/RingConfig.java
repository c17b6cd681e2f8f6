package io.homeostat.ring;

/**
 * Tuning of the ring overlay. Every period and timeout carries its unit in its name. The defaults suit a LAN or the
 * simulator's default latency (about 2 ms).
 *
 * @param successorListLength      successors each node tracks; the ring survives up to this many adjacent crashes
 * @param stabilizeIntervalMillis  period of Chord stabilization with the successor
 * @param fixFingersIntervalMillis period between finger-table refresh rounds (a round takes about log2(N) lookups)
 * @param heartbeatIntervalMillis  period of failure-detector pings to neighbours and fingers
 * @param phiThreshold             phi-accrual suspicion threshold
 * @param minStdDeviationMillis    floor of the heartbeat inter-arrival deviation used by phi
 * @param acceptablePauseMillis    extra silence tolerated before phi rises (GC pauses, lost heartbeats)
 * @param suspicionTtlMillis       how long a suspected address is remembered (and kept out of the routing state)
 * @param mergeProbeIntervalMillis period of probing one random discovered address for another ring
 * @param joinRetryMillis          period of probing while this node is alone on its ring
 * @param lookupTimeoutMillis      time an originator waits for a lookup reply before retrying
 * @param lookupMaxRetries         retries of a lookup after its first attempt
 * @param maxHops                  a lookup forwarded more often than this is dropped (routing loops under churn)
 * @param brokenStabilizationForTest planted bug for checker self-tests: stabilization ignores what it learns. Never set
 *                                 this outside tests.
 */
public record RingConfig(
        int successorListLength,
        long stabilizeIntervalMillis,
        long fixFingersIntervalMillis,
        long heartbeatIntervalMillis,
        double phiThreshold,
        long minStdDeviationMillis,
        long acceptablePauseMillis,
        long suspicionTtlMillis,
        long mergeProbeIntervalMillis,
        long joinRetryMillis,
        long lookupTimeoutMillis,
        int lookupMaxRetries,
        int maxHops,
        boolean brokenStabilizationForTest) {

    public RingConfig {
        require(successorListLength >= 1 && successorListLength <= 64, "successorListLength must be in 1..64");
        require(stabilizeIntervalMillis > 0, "stabilizeIntervalMillis must be > 0");
        require(fixFingersIntervalMillis > 0, "fixFingersIntervalMillis must be > 0");
        require(heartbeatIntervalMillis > 0, "heartbeatIntervalMillis must be > 0");
        require(phiThreshold > 0, "phiThreshold must be > 0");
        require(minStdDeviationMillis > 0, "minStdDeviationMillis must be > 0");
        require(acceptablePauseMillis >= 0, "acceptablePauseMillis must be >= 0");
        require(suspicionTtlMillis > 0, "suspicionTtlMillis must be > 0");
        require(mergeProbeIntervalMillis > 0, "mergeProbeIntervalMillis must be > 0");
        require(joinRetryMillis > 0, "joinRetryMillis must be > 0");
        require(lookupTimeoutMillis > 0, "lookupTimeoutMillis must be > 0");
        require(lookupMaxRetries >= 0 && lookupMaxRetries <= 16, "lookupMaxRetries must be in 0..16");
        require(maxHops >= 8 && maxHops <= 1024, "maxHops must be in 8..1024");
    }

    public static RingConfig defaults() {
        return new RingConfig(8, 500, 3_000, 500, 8.0, 100, 1_000, 10_000, 2_000, 500, 1_000, 3, 64, false);
    }

    public RingConfig withSuccessorListLength(int n) {
        return new RingConfig(n, stabilizeIntervalMillis, fixFingersIntervalMillis, heartbeatIntervalMillis,
                phiThreshold, minStdDeviationMillis, acceptablePauseMillis, suspicionTtlMillis,
                mergeProbeIntervalMillis, joinRetryMillis, lookupTimeoutMillis, lookupMaxRetries, maxHops,
                brokenStabilizationForTest);
    }

    /** The planted bug used by the checker self-test. */
    public RingConfig withBrokenStabilizationForTest() {
        return new RingConfig(successorListLength, stabilizeIntervalMillis, fixFingersIntervalMillis,
                heartbeatIntervalMillis, phiThreshold, minStdDeviationMillis, acceptablePauseMillis,
                suspicionTtlMillis, mergeProbeIntervalMillis, joinRetryMillis, lookupTimeoutMillis, lookupMaxRetries,
                maxHops, true);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid ring configuration: " + message);
        }
    }
}
