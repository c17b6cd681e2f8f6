package io.homeostat.bench.cluster;

/**
 * One member of a system under test, embedded in a worker process: the operations the workloads need, each with the
 * system's own transactions. Values are longs; an absent key reads as 0. Operations are called from many threads.
 */
interface KvSystem extends AutoCloseable {

    /** Starts member {@code index} of {@code processes}, listening on {@code basePort + index} of 127.0.0.1. */
    void start(int index, int processes, int basePort) throws Exception;

    /** A one-line description of the configuration (replication, locking, ...). */
    String describe();

    /**
     * Whether this member sees the whole cluster settled (all members, no rebalance running), and a number the harness
     * adds up over the members (Homeostat: replica positions served in full groups; others -1).
     */
    String status() throws Exception;

    /** One transaction that reads {@code key} and writes it + 1. Returns the aborted attempts before it committed. */
    int increment(String key) throws Exception;

    /** One transaction moving {@code amount} from {@code from} to {@code to}. Returns the aborted attempts. */
    int transfer(String from, String to, long amount) throws Exception;

    /** A strongly consistent read outside a transaction. */
    long read(String key) throws Exception;

    /** A plain (auto-committed) write. */
    void write(String key, long value) throws Exception;

    /** Messages (frames) this member has sent so far, or -1 if not counted. */
    long messagesSent();

    /** Transport counters by name, cumulative since start (Homeostat: see HomeostatSystem); empty if not counted. */
    default java.util.Map<String, Long> transportCounters() {
        return java.util.Map.of();
    }

    /** Whether {@code e}, thrown by an operation, leaves its outcome unknown (it may have committed). */
    boolean outcomeUnknown(Exception e);

    @Override
    void close();
}
