package io.homeostat.bench.cluster;

import io.homeostat.ClientOptions;
import io.homeostat.ConflictException;
import io.homeostat.Homeostat;
import io.homeostat.OperationTimeoutException;
import io.homeostat.Transaction;
import io.homeostat.jgroups.JGroupsOptions;
import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A Homeostat node (R = 3, Paxos Commit) over the JGroups transport's loopback stack. */
final class HomeostatSystem implements KvSystem {

    static final int REPLICATION = 3;
    static final int GROUPS_LOG2 = 8;

    private JGroupsTransport transport;
    private EmbeddedNode node;
    private Homeostat client;
    private ClientOptions options;
    private boolean evenRing;

    @Override
    public void start(int index, int processes, int basePort) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            members.add("127.0.0.1[" + (basePort + i) + "]");
        }
        transport = JGroupsTransport.start(JGroupsOptions.builder()
                .clusterName("homeostat-bench")
                .nodeName("bench-" + index)
                .stack("loopback")
                .bindPort(basePort + index)
                .portRange(0)
                .initialMembers(members)
                .build());
        // Documented client options: the defaults, with more conflict retries for the contended bank workload.
        ClientOptions d = ClientOptions.defaults();
        options = new ClientOptions(d.maxValueBytes(), 64, d.retryBackoffMillis(), d.timeoutMillis());
        EmbeddedNode.Settings settings = EmbeddedNode.Settings.of(transport.address(0));
        evenRing = !"random".equals(System.getProperty("bench.homeostat.ring", "even"));
        if (evenRing) {
            // Node i at i/N of the circle (Settings.ringId): with N >= R every group's R slots, 1/R apart, fall to
            // R distinct nodes. Random positions on 4 nodes leave many groups with two copies on one process.
            java.math.BigInteger p = java.math.BigInteger.valueOf(index).shiftLeft(128)
                    .divide(java.math.BigInteger.valueOf(processes));
            settings = settings.withRingId(new RingId(p.shiftRight(64).longValue(), p.longValue()));
        }
        node = EmbeddedNode.start(transport, transport, settings
                .withFounder(index == 0)
                .withReplication(REPLICATION)
                .withGroupsLog2(GROUPS_LOG2)
                .withClient(options));
        client = node.client();
    }

    @Override
    public String describe() {
        return "EmbeddedNode over JGroupsTransport (loopback stack), R=" + REPLICATION + ", " + (1 << GROUPS_LOG2)
                + " groups, Paxos Commit, ring positions " + (evenRing ? "evenly spaced" : "random")
                + "; client maxAttempts=" + options.maxAttempts() + " backoff="
                + options.retryBackoffMillis() + "ms";
    }

    /**
     * "true", then the replica positions this node serves (occurrences of its address in the full views of the groups
     * it serves; over all nodes they add up to groups x R once every position is served), then the number of groups
     * whose view names some process more than once, counted by the group's first-named distinct member only (so the
     * harness can add them up).
     */
    @Override
    public String status() {
        EmbeddedNode.Status s = node.status(5_000);
        String self = node.address().toString();
        int positions = 0;
        int shared = 0;
        for (EmbeddedNode.GroupStatus g : s.groups()) {
            if (g.serving() && g.members().size() == REPLICATION) {
                for (String m : g.members()) {
                    if (m.equals(self)) {
                        positions++;
                    }
                }
            }
            java.util.TreeSet<String> distinct = new java.util.TreeSet<>(g.members());
            if (distinct.size() < g.members().size() && self.equals(distinct.first())) {
                shared++;
            }
        }
        return "true " + positions + " " + shared;
    }

    @Override
    public int increment(String key) {
        int[] calls = {0};
        byte[] k = Homeostat.utf8(key);
        for (int round = 0; ; round++) {
            try {
                client.transaction((Transaction tx) -> {
                    calls[0]++;
                    tx.put(k, encode(decode(tx.get(k)) + 1));
                    return null;
                });
                return calls[0] - 1;
            } catch (ConflictException e) {
                if (round >= 4) {
                    throw e;
                }
            }
        }
    }

    @Override
    public int transfer(String from, String to, long amount) {
        int[] calls = {0};
        byte[] a = Homeostat.utf8(from);
        byte[] b = Homeostat.utf8(to);
        for (int round = 0; ; round++) {
            try {
                client.transaction((Transaction tx) -> {
                    calls[0]++;
                    long va = decode(tx.get(a));
                    long vb = decode(tx.get(b));
                    tx.put(a, encode(va - amount));
                    tx.put(b, encode(vb + amount));
                    return null;
                });
                return calls[0] - 1;
            } catch (ConflictException e) {
                if (round >= 4) {
                    throw e;
                }
            }
        }
    }

    @Override
    public long read(String key) {
        return decode(client.get(key));
    }

    @Override
    public void write(String key, long value) {
        client.put(key, encode(value));
    }

    @Override
    public long messagesSent() {
        return transport.counters().sent();
    }

    /**
     * {@code jgroups} (JGroups messages sent), {@code frames} (encoded frames sent, alone or batched), {@code batches},
     * {@code local} (messages to this process, no codec), and per message type {@code remote:Type} and
     * {@code local:Type}.
     */
    @Override
    public java.util.Map<String, Long> transportCounters() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        JGroupsTransport.Counters c = transport.counters();
        m.put("jgroups", c.jgroupsSent());
        m.put("frames", c.framesSent());
        m.put("batches", c.batchesSent());
        m.put("local", c.local());
        transport.sentByType().forEach((type, n) -> {
            m.put("remote:" + type, n.remote());
            m.put("local:" + type, n.local());
        });
        return m;
    }

    @Override
    public boolean outcomeUnknown(Exception e) {
        return e instanceof OperationTimeoutException;
    }

    @Override
    public void close() {
        if (node != null) {
            node.close();
        }
        if (transport != null) {
            transport.close();
        }
    }

    static byte[] encode(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static long decode(Optional<byte[]> v) {
        return v.isPresent() ? ByteBuffer.wrap(v.get()).getLong() : 0L;
    }
}
