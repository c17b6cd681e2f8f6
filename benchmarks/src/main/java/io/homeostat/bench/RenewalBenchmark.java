package io.homeostat.bench;

import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.jgroups.JGroupsOptions;
import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What keeping near-cache entries leased costs while nobody reads: three members in this JVM (JGroups loopback stack,
 * R = 3, evenly spaced), {@code --keys} keys written; then, for {@code --seconds} each, the process CPU time of an idle
 * cluster with empty near caches (the baseline) and of the same cluster once every member has read every key through
 * its near cache (so every entry is renewed in the background until it has been idle for {@code nearIdleMillis}).
 * Prints CPU milliseconds per second of each phase, their ratio, and the renewal frames sent per second. At the end
 * every member reads every key once more and counts the lease request messages that caused (one to each replica per
 * entry that lapsed): 0 means renewal kept every entry.
 *
 * <pre>java -cp ... io.homeostat.bench.RenewalBenchmark [--keys 10000] [--seconds 10] [--lease-millis 4000]
 *     [--groups-log2 6] [--base-port 17950]</pre>
 */
public final class RenewalBenchmark {

    private static final int NODES = 3;

    private RenewalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int keys = 10_000;
        int seconds = 10;
        long leaseMillis = 4_000;
        int basePort = 17_950;
        int groupsLog2 = 6; // the JPA adapter's default: 64 groups
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--keys" -> keys = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--lease-millis" -> leaseMillis = Long.parseLong(args[i + 1]);
                case "--base-port" -> basePort = Integer.parseInt(args[i + 1]);
                case "--groups-log2" -> groupsLog2 = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; known: --keys, --seconds, --lease-millis, --groups-log2, --base-port");
            }
        }
        List<String> members = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            members.add("127.0.0.1[" + (basePort + i) + "]");
        }
        List<JGroupsTransport> transports = new ArrayList<>();
        List<EmbeddedNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                JGroupsTransport t = JGroupsTransport.start(JGroupsOptions.builder().clusterName("renewal-bench")
                        .nodeName("renew-" + i).stack("loopback").bindPort(basePort + i).portRange(0)
                        .initialMembers(members).build());
                transports.add(t);
                BigInteger p = BigInteger.valueOf(i).shiftLeft(128).divide(BigInteger.valueOf(NODES));
                nodes.add(EmbeddedNode.start(t, t, EmbeddedNode.Settings.of(t.address(0)).withFounder(i == 0)
                        .withRingId(new RingId(p.shiftRight(64).longValue(), p.longValue()))
                        .withGroupsLog2(groupsLog2).withLeaseMillis(leaseMillis)));
            }
            System.out.printf("renewal: %d members, %d groups, %d keys, lease %d ms, %d s per phase%n", NODES,
                    1 << groupsLog2, keys, leaseMillis, seconds);
            awaitServing(nodes);
            Homeostat writer = nodes.get(0).client();
            for (int k = 0; k < keys; k++) {
                writer.put(key(k), ("value-" + k).getBytes(StandardCharsets.UTF_8));
            }
            settle(seconds);
            double idle = cpuMillisPerSecond(seconds, transports, null);
            for (EmbeddedNode n : nodes) {
                for (int k = 0; k < keys; k++) {
                    n.client().getNear(key(k));
                }
            }
            long readAt = System.nanoTime();
            settle(seconds);
            long[] renewals = new long[1];
            long notServing = count(transports, "NotServing");
            double leased = cpuMillisPerSecond(seconds, transports, renewals);
            notServing = count(transports, "NotServing") - notServing;
            long idleSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - readAt);
            long before = leaseRequests(transports);
            for (EmbeddedNode n : nodes) {
                for (int k = 0; k < keys; k++) {
                    n.client().getNear(key(k));
                }
            }
            long lapsed = leaseRequests(transports) - before;
            System.out.printf("renewal: idle cluster %.1f CPU ms/s; with %d leased entries %.1f CPU ms/s (%.2fx); "
                    + "renewal messages %.1f/s; lease request messages after %d s unread: %d (one to each of the R = 3 "
                    + "replicas per lapsed entry); NotServing answers while leased: %d%n", idle, NODES * keys, leased,
                    leased / idle, renewals[0] / (double) seconds, idleSeconds, lapsed, notServing);
        } finally {
            for (EmbeddedNode n : nodes) {
                n.close();
            }
            for (JGroupsTransport t : transports) {
                t.close();
            }
        }
    }

    private static byte[] key(int k) {
        return ("key-" + k).getBytes(StandardCharsets.UTF_8);
    }

    /** Until every member can write and read its own probe key (bounded: 120 s). */
    private static void awaitServing(List<EmbeddedNode> nodes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < nodes.size(); i++) {
            while (true) {
                try {
                    nodes.get(i).client().put("probe-" + i, new byte[] {1});
                    if (nodes.get(i).client().get("probe-" + i).isPresent()) {
                        break;
                    }
                } catch (HomeostatException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("member " + i + " did not serve its probe key within 120 s");
                }
                Thread.sleep(200);
            }
        }
    }

    /** Lets the previous step's traffic and JIT compilation die down before a measurement. */
    private static void settle(int seconds) throws InterruptedException {
        Thread.sleep(TimeUnit.SECONDS.toMillis(Math.max(2, seconds / 2)));
    }

    private static double cpuMillisPerSecond(int seconds, List<JGroupsTransport> transports, long[] renewals)
            throws InterruptedException {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long renewBefore = renewFrames(transports);
        Map<Long, Long> user0 = userNanosByThread();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long cpu = os.getProcessCpuTime() - cpu0;
        long user = userNanosSince(user0);
        long wall = System.nanoTime() - t0;
        if (renewals != null) {
            renewals[0] = renewFrames(transports) - renewBefore;
        }
        System.out.printf("renewal: phase: %.1f CPU ms/s, of which user time in Java threads %.1f ms/s%n",
                cpu / 1e6 / (wall / 1e9), user / 1e6 / (wall / 1e9));
        return cpu / 1e6 / (wall / 1e9);
    }

    /** User-mode CPU time by thread id, of the threads alive now. */
    private static Map<Long, Long> userNanosByThread() {
        java.lang.management.ThreadMXBean t = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : t.getAllThreadIds()) {
            long u = t.getThreadUserTime(id);
            if (u >= 0) {
                out.put(id, u);
            }
        }
        return out;
    }

    /**
     * User-mode CPU time spent since {@code before} by the threads alive then and now (the rest of the process CPU
     * time is the kernel's and the JVM's own threads', GC and JIT).
     */
    private static long userNanosSince(Map<Long, Long> before) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : userNanosByThread().entrySet()) {
            Long b = before.get(e.getKey());
            if (b != null) {
                sum += e.getValue() - b;
            }
        }
        return sum;
    }

    /** Renewal messages: requests sent alone and bundles of several. */
    private static long renewFrames(List<JGroupsTransport> transports) {
        return count(transports, "LeaseRenew") + count(transports, "LeaseRenewBundle");
    }

    private static long leaseRequests(List<JGroupsTransport> transports) {
        return count(transports, "LeaseRequest");
    }

    private static long count(List<JGroupsTransport> transports, String type) {
        long n = 0;
        for (JGroupsTransport t : transports) {
            for (Map.Entry<String, JGroupsTransport.TypeCount> e : t.sentByType().entrySet()) {
                if (e.getKey().endsWith("." + type)) {
                    n += e.getValue().remote() + e.getValue().local();
                }
            }
        }
        return n;
    }
}
