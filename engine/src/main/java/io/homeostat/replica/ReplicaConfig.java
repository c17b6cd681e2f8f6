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
 * @param leaseMillis             read leases for near caches, 0 (the default) for none: how long a replica promises to
 *                                revoke before a write changes a key. With leases on, a member that takes over a
 *                                position acknowledges no write until the position's previous holder handed its
 *                                leases over (a round trip after a graceful join or leave) or this long passed (after
 *                                a crash), so writes may stall that long after a crash; with leases off,
 *                                {@code getNear} is a plain quorum read. The same on every node.
 * @param maxLeasesPerGroup       leases one replica tracks per group; requests beyond are refused (read remotely)
 * @param maxNearEntries          entries of this node's near cache
 * @param nearIdleMillis          a near-cache entry read within this long keeps its leases renewed in the background
 *                                (in bulk, per group); one not read for longer lapses at the end of its lease. 0: no
 *                                renewal (every entry lapses a lease period after it was read)
 * @param plantedBugForTest       a deliberate bug for the checker self-tests; {@link PlantedBug#NONE} except in tests
 */
public record ReplicaConfig(int replication, int groupsLog2, boolean founder, long checkIntervalMillis,
        long proposalTimeoutMillis, int maxConcurrentProposals, int pullBatchItems, long opTimeoutMillis,
        int opMaxAttempts, long leaseMillis, int maxLeasesPerGroup, int maxNearEntries, long nearIdleMillis,
        PlantedBug plantedBugForTest) {

    /** Bugs the checker self-tests plant on purpose, to show the checkers can fail. Never set outside tests. */
    public enum PlantedBug {
        NONE,
        /** A new member serves before its state transfer. */
        SERVE_BEFORE_RECOVERY,
        /** Participants vote prepared without checking the tag a transaction read. */
        SKIP_VERSION_VALIDATION,
        /** An item counts as prepared with one prepared replica instead of a majority. */
        MINORITY_COMMIT,
        /** Replicas change a key without revoking the read leases on it (near caches serve stale values). */
        SKIP_LEASE_REVOCATION,
        /**
         * A previous holder of a position answers its successor's lease handoff request with no leases, and the
         * successor lifts its quarantine all the same (near caches serve values a completed write replaced).
         */
        HAND_OVER_NO_LEASES,
        /**
         * A holder counts an offered lease from when the offer arrived instead of from the revocation before it (its
         * near cache outlives the replicas' leases when offers travel slowly).
         */
        OFFER_DATED_ON_ARRIVAL,
        /**
         * A member that took a position over votes on transactions and acknowledges writes there at once, as at its
         * other positions, instead of waiting out the position's quarantine (near caches serve values a completed
         * write replaced).
         */
        VOTE_IN_QUARANTINE,
        /**
         * A transaction's manager commits on early votes without waiting for the replicas of the nodes they name as
         * still holding leases (near caches serve values a committed write replaced).
         */
        COMMIT_BEFORE_REVOCATION,
        /**
         * A near-cache entry set aside while this node's replica held a write's lock comes back after the decision with
         * the value it had, not the one the replica stores (near caches serve values a committed write replaced).
         */
        RESUME_OLD_VALUE
    }

    public ReplicaConfig {
        Placement.validate(replication, groupsLog2);
        require(checkIntervalMillis > 0, "checkIntervalMillis must be > 0");
        require(proposalTimeoutMillis > 0, "proposalTimeoutMillis must be > 0");
        require(maxConcurrentProposals >= 1 && maxConcurrentProposals <= 1_024, "maxConcurrentProposals in 1..1024");
        require(pullBatchItems >= 1 && pullBatchItems <= 65_536, "pullBatchItems in 1..65536");
        require(opTimeoutMillis > 0, "opTimeoutMillis must be > 0");
        require(opMaxAttempts >= 1 && opMaxAttempts <= 32, "opMaxAttempts in 1..32");
        require(leaseMillis == 0 || leaseMillis >= 10 && leaseMillis <= 60_000, "leaseMillis 0 (off) or in 10..60000");
        require(maxLeasesPerGroup >= 1 && maxLeasesPerGroup <= 1 << 24, "maxLeasesPerGroup in 1..2^24");
        require(maxNearEntries >= 0 && maxNearEntries <= 1 << 24, "maxNearEntries in 0..2^24");
        require(nearIdleMillis >= 0 && nearIdleMillis <= 3_600_000, "nearIdleMillis in 0..3600000");
        require(plantedBugForTest != null, "plantedBugForTest must not be null (use NONE)");
    }

    public static ReplicaConfig defaults() {
        return new ReplicaConfig(3, 8, false, 500, 2_000, 32, 256, 1_000, 4, 0, 65_536, 65_536, 60_000,
                PlantedBug.NONE);
    }

    public ReplicaConfig withFounder(boolean f) {
        return copy(replication, groupsLog2, f, plantedBugForTest);
    }

    public ReplicaConfig withGroupsLog2(int log2) {
        return copy(replication, log2, founder, plantedBugForTest);
    }

    public ReplicaConfig withReplication(int r) {
        return copy(r, groupsLog2, founder, plantedBugForTest);
    }

    /** Read-lease time; every node of a cluster must use the same value (it bounds the new members' quarantine). */
    public ReplicaConfig withLeaseMillis(long millis) {
        return new ReplicaConfig(replication, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, millis, maxLeasesPerGroup,
                maxNearEntries, nearIdleMillis, plantedBugForTest);
    }

    /** How long an unread near-cache entry keeps its leases renewed; 0 for no renewal. */
    public ReplicaConfig withNearIdleMillis(long millis) {
        return new ReplicaConfig(replication, groupsLog2, founder, checkIntervalMillis, proposalTimeoutMillis,
                maxConcurrentProposals, pullBatchItems, opTimeoutMillis, opMaxAttempts, leaseMillis, maxLeasesPerGroup,
                maxNearEntries, millis, plantedBugForTest);
    }

    /** The same configuration with a deliberate bug, for the checker self-tests. */
    public ReplicaConfig withPlantedBugForTest(PlantedBug bug) {
        return copy(replication, groupsLog2, founder, bug);
    }

    public boolean planted(PlantedBug bug) {
        return plantedBugForTest == bug;
    }

    private ReplicaConfig copy(int r, int log2, boolean f, PlantedBug bug) {
        return new ReplicaConfig(r, log2, f, checkIntervalMillis, proposalTimeoutMillis, maxConcurrentProposals,
                pullBatchItems, opTimeoutMillis, opMaxAttempts, leaseMillis, maxLeasesPerGroup, maxNearEntries,
                nearIdleMillis, bug);
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
