package io.homeostat.replica;

/**
 * Tuning of the replication layer. Every period and timeout carries its unit in its name.
 *
 * @param replication             R, odd: replicas per key (3 by default; 5 supported)
 * @param groupsLog2              2^groupsLog2 replica groups; each group moves between nodes as a unit
 * @param founder                 this node creates the first views of every group (exactly one node of a new
 *                                cluster; later nodes join it)
 * @param checkIntervalMillis     period of the ownership loop: claim the slots the ring says are ours
 * @param proposalTimeoutMillis   a view change that has not been chosen by then is abandoned and retried
 * @param maxConcurrentProposals  view changes this node runs at once
 * @param pullBatchItems          items per state-transfer message
 * @param opTimeoutMillis         one attempt of a quorum phase waits this long for a majority
 * @param opMaxAttempts           attempts of an operation (with a fresh view each time) before it fails
 * @param serveBeforeRecoveryForTest planted bug for checker self-tests: a new member serves before its state transfer.
 *                                Never set this outside tests.
 * @param skipVersionValidationForTest planted bug for checker self-tests: participants vote prepared without checking
 *                                the tag a transaction read. Never set this outside tests.
 * @param minorityCommitForTest   planted bug for checker self-tests: an item counts as prepared with one prepared
 *                                replica instead of a majority. Never set this outside tests.
 */
public record ReplicaConfig(int replication, int groupsLog2, boolean founder, long checkIntervalMillis,
        long proposalTimeoutMillis, int maxConcurrentProposals, int pullBatchItems, long opTimeoutMillis,
        int opMaxAttempts, boolean serveBeforeRecoveryForTest, boolean skipVersionValidationForTest,
        boolean minorityCommitForTest) {

    public ReplicaConfig {
        new Placement(replication, groupsLog2); // validates both
        require(checkIntervalMillis > 0, "checkIntervalMillis must be > 0");
        require(proposalTimeoutMillis > 0, "proposalTimeoutMillis must be > 0");
        require(maxConcurrentProposals >= 1 && maxConcurrentProposals <= 1_024, "maxConcurrentProposals in 1..1024");
        require(pullBatchItems >= 1 && pullBatchItems <= 65_536, "pullBatchItems in 1..65536");
        require(opTimeoutMillis > 0, "opTimeoutMillis must be > 0");
        require(opMaxAttempts >= 1 && opMaxAttempts <= 32, "opMaxAttempts in 1..32");
    }

    public static ReplicaConfig defaults() {
        return new ReplicaConfig(3, 8, false, 500, 2_000, 8, 256, 1_000, 6, false, false, false);
    }

    public ReplicaConfig withFounder(boolean f) {
        return new ReplicaConfig(replication, groupsLog2, f, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, serveBeforeRecoveryForTest,
                skipVersionValidationForTest, minorityCommitForTest);
    }

    public ReplicaConfig withGroupsLog2(int log2) {
        return new ReplicaConfig(replication, log2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, serveBeforeRecoveryForTest,
                skipVersionValidationForTest, minorityCommitForTest);
    }

    public ReplicaConfig withReplication(int r) {
        return new ReplicaConfig(r, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, serveBeforeRecoveryForTest,
                skipVersionValidationForTest, minorityCommitForTest);
    }

    /** The planted bug used by the checker self-test. */
    public ReplicaConfig withServeBeforeRecoveryForTest() {
        return new ReplicaConfig(replication, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, true,
                skipVersionValidationForTest, minorityCommitForTest);
    }

    /** The planted bug of the transaction self-test. */
    public ReplicaConfig withSkipVersionValidationForTest() {
        return new ReplicaConfig(replication, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, serveBeforeRecoveryForTest,
                true, minorityCommitForTest);
    }

    /** The planted bug of the minority-commit self-test. */
    public ReplicaConfig withMinorityCommitForTest() {
        return new ReplicaConfig(replication, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, serveBeforeRecoveryForTest,
                skipVersionValidationForTest, true);
    }

    public Placement placement() {
        return new Placement(replication, groupsLog2);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid replication configuration: " + message);
        }
    }
}
