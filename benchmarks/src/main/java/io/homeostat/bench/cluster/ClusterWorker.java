package io.homeostat.bench.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One process of a benchmarked cluster, started by {@link ClusterBenchmark}: it runs one member of a system embedded,
 * reads commands on stdin and answers on stdout with lines starting {@code @@ } (anything else on stdout is library
 * chatter the harness logs). Exits when stdin closes, so it never outlives the harness.
 *
 * <pre>
 * ClusterWorker SYSTEM INDEX PROCESSES BASE_PORT
 * commands: READY | STATUS | LOAD prefix count value | SUM prefix count
 *           | RUN workload threads warmupMs measureMs keys | QUIT
 * </pre>
 */
public final class ClusterWorker {

    private static final String TAG = "@@ ";

    private final KvSystem system;
    private final int index;
    private final PrintStream out;

    private ClusterWorker(KvSystem system, int index, PrintStream out) {
        this.system = system;
        this.index = index;
        this.out = out;
    }

    static KvSystem create(String name) {
        switch (name) {
            case "homeostat":
                return new HomeostatSystem();
            case "infinispan":
                return new InfinispanSystem();
            case "hazelcast":
                return new HazelcastSystem();
            default:
                throw new IllegalArgumentException("unknown system " + name);
        }
    }

    public static void main(String[] args) throws Exception {
        // Protocol lines go to the real stdout; libraries that print to System.out go to stderr (the log file).
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        String name = args[0];
        int index = Integer.parseInt(args[1]);
        int processes = Integer.parseInt(args[2]);
        int basePort = Integer.parseInt(args[3]);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.MINUTES.toMillis(30));
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("worker: 30 minutes passed, exiting");
            Runtime.getRuntime().halt(3);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        KvSystem system = create(name);
        try {
            system.start(index, processes, basePort);
        } catch (Exception | Error e) {
            e.printStackTrace();
            protocol.println(TAG + "FAILED start: " + oneLine(e));
            Runtime.getRuntime().halt(1);
        }
        protocol.println(TAG + "STARTED " + system.describe());
        ClusterWorker w = new ClusterWorker(system, index, protocol);
        int rc = 0;
        try {
            w.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        } catch (Exception | Error e) {
            e.printStackTrace();
            rc = 1;
        }
        Thread closer = new Thread(system::close, "close");
        closer.setDaemon(true);
        closer.start();
        closer.join(10_000);
        if (jdk.jfr.FlightRecorder.isInitialized()) {
            // halt skips the JVM's own dump at exit: stopping a recording writes it to its file
            for (jdk.jfr.Recording r : jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings()) {
                if (r.getState() == jdk.jfr.RecordingState.RUNNING) {
                    r.stop();
                }
            }
        }
        Runtime.getRuntime().halt(rc);
    }

    static String oneLine(Throwable e) {
        String m = e.getClass().getSimpleName() + ": " + e.getMessage();
        return m.replace('\n', ' ').replace('"', '\'');
    }

    private void serve(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            String[] a = line.trim().split("\\s+");
            switch (a[0]) {
                case "READY":
                    out.println(TAG + "READY " + probe());
                    break;
                case "STATUS":
                    String s;
                    try {
                        s = system.status();
                    } catch (Exception e) {
                        s = "false -1";
                    }
                    out.println(TAG + "STATUS " + s);
                    break;
                case "LOAD":
                    for (int i = 0; i < Integer.parseInt(a[2]); i++) {
                        system.write(a[1] + i, Long.parseLong(a[3]));
                    }
                    out.println(TAG + "LOADED");
                    break;
                case "SUM":
                    long sum = 0;
                    for (int i = 0; i < Integer.parseInt(a[2]); i++) {
                        sum += system.read(a[1] + i);
                    }
                    out.println(TAG + "SUM " + sum);
                    break;
                case "RUN":
                    out.println(TAG + "RESULT " + run(a[1], Integer.parseInt(a[2]), Long.parseLong(a[3]),
                            Long.parseLong(a[4]), Integer.parseInt(a[5])));
                    break;
                case "QUIT":
                    return;
                default:
                    out.println(TAG + "ERROR unknown command " + a[0]);
            }
        }
    }

    /** Puts and reads back a probe key until it works (at most 3 minutes); returns the milliseconds it took. */
    private long probe() throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MINUTES.toNanos(3);
        String key = "probe-" + index;
        long n = 0;
        while (System.nanoTime() < deadline) {
            n++;
            try {
                system.write(key, n);
                if (system.read(key) == n) {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }
            } catch (Exception e) {
                System.err.println("probe: " + oneLine(e));
            }
            Thread.sleep(200);
        }
        return -1;
    }

    /** What one client thread did. */
    private static final class ThreadStats {
        final Histogram hist = new Histogram();
        long commits;
        long aborts;
        long errors;
        long unknown;
        long committedTotal; // warm-up included, for the increment audit
        long unknownTotal;
        String key;
    }

    private String run(String workload, int threads, long warmupMs, long measureMs, int keys) throws Exception {
        List<ThreadStats> stats = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long measureTo = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
        for (int t = 0; t < threads; t++) {
            ThreadStats st = new ThreadStats();
            st.key = "inc" + keys + "-" + index + "-" + t;
            stats.add(st);
            long seed = ThreadLocalRandom.current().nextLong();
            Thread th = new Thread(() -> loop(workload, st, keys, new SplittableRandom(seed), measureFrom, measureTo,
                    firstError), "client-" + t);
            workers.add(th);
        }
        workers.forEach(Thread::start);
        sleepUntil(measureFrom);
        long sentBefore = system.messagesSent();
        Map<String, Long> countersBefore = system.transportCounters();
        long cpuBefore = processCpuNanos();
        sleepUntil(measureTo);
        long cpuAfter = processCpuNanos();
        long sentAfter = system.messagesSent();
        Map<String, Long> countersAfter = system.transportCounters();
        for (Thread th : workers) {
            th.join();
        }
        Histogram all = new Histogram();
        long commits = 0;
        long aborts = 0;
        long errors = 0;
        long unknown = 0;
        long auditBad = 0;
        for (ThreadStats st : stats) {
            all.add(st.hist);
            commits += st.commits;
            aborts += st.aborts;
            errors += st.errors;
            unknown += st.unknown;
            if (workload.equals("increment")) {
                long v = system.read(st.key);
                if (v < st.committedTotal || v > st.committedTotal + st.unknownTotal) {
                    auditBad++;
                    System.err.println("audit: " + st.key + " = " + v + ", committed " + st.committedTotal
                            + " + unknown " + st.unknownTotal);
                }
            }
        }
        long sent = sentBefore < 0 ? -1 : sentAfter - sentBefore;
        StringBuilder counters = new StringBuilder();
        for (Map.Entry<String, Long> e : countersAfter.entrySet()) {
            long d = e.getValue() - countersBefore.getOrDefault(e.getKey(), 0L);
            if (d != 0) {
                counters.append(counters.length() == 0 ? "" : ";").append(e.getKey()).append('=').append(d);
            }
        }
        String err = firstError.get();
        return String.format(Locale.ROOT, "{\"proc\":%d,\"workload\":\"%s\",\"threads\":%d,\"measureMs\":%d,"
                + "\"commits\":%d,\"aborts\":%d,\"errors\":%d,\"unknown\":%d,\"sent\":%d,\"auditBad\":%d,"
                + "\"cpuNanos\":%d,\"firstError\":\"%s\",\"counters\":\"%s\",\"hist\":\"%s\"}", index,
                workload, threads, measureMs, commits, aborts, errors, unknown, sent, auditBad,
                cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore, err == null ? "" : err, counters,
                all.encode());
    }

    /** CPU time this process has used (all threads, user and system), or -1 if the JVM cannot tell. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long d;
        while ((d = nanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(d);
        }
    }

    private void loop(String workload, ThreadStats st, int keys, SplittableRandom rnd, long measureFrom,
            long measureTo, AtomicReference<String> firstError) {
        long now;
        while ((now = System.nanoTime()) < measureTo) {
            boolean measured = now >= measureFrom;
            try {
                int aborts;
                switch (workload) {
                    case "increment":
                        aborts = system.increment(st.key);
                        break;
                    case "read":
                        system.read("read-" + rnd.nextInt(keys));
                        aborts = 0;
                        break;
                    case "bank":
                        int from = rnd.nextInt(keys);
                        int to = rnd.nextInt(keys - 1);
                        if (to >= from) {
                            to++;
                        }
                        aborts = system.transfer("acct-" + from, "acct-" + to, 1 + rnd.nextInt(100));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown workload " + workload);
                }
                long end = System.nanoTime();
                st.committedTotal++;
                if (measured) {
                    st.commits++;
                    st.aborts += aborts;
                    st.hist.record(TimeUnit.NANOSECONDS.toMicros(end - now));
                }
            } catch (Exception e) {
                boolean unknown = system.outcomeUnknown(e);
                if (unknown) {
                    st.unknownTotal++;
                }
                if (measured) {
                    st.errors++;
                    if (unknown) {
                        st.unknown++;
                    }
                }
                if (firstError.compareAndSet(null, oneLine(e))) {
                    e.printStackTrace();
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
