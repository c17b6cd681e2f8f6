package io.homeostat.bench.cluster;

import io.homeostat.bench.LoadAverage;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same workloads against Homeostat, Infinispan and Hazelcast, each as a real cluster of processes on 127.0.0.1,
 * in one run. For each system the harness starts the processes ({@link ClusterWorker}, same JDK and classpath), waits
 * until every member can write and read a probe key and the cluster has settled, loads the data, then runs each
 * workload with the client threads spread evenly over the processes: each process runs its share against its own
 * embedded member and reports counts and a latency histogram as one JSON line. Processes are killed at the end of each
 * system, and on exit whatever happens.
 *
 * <pre>
 * ClusterBenchmark [--processes 4] [--threads 4,40] [--bank-threads 40] [--seconds 20] [--warmup 60]
 *                  [--systems homeostat,infinispan,hazelcast] [--base-port 17800] [--heap 1g] [--logs DIR]
 *                  [--ring even|random] [--jfr DIR]
 * </pre>
 *
 * {@code --jfr DIR} records a JDK Flight Recording (settings {@code profile}) of process 0 of every system into
 * {@code DIR/<system>-0.jfr}, for profiling; the recording costs that process a little CPU.
 *
 * Workloads: {@code increment} (each thread its own counter; one transaction reads it and writes +1),
 * {@code read} (strongly consistent get of one of 1,000 existing keys), {@code bank} (100 accounts; a transaction
 * moves a random amount between two random accounts; the total is audited at the end). Exit status 1 if an audit
 * fails, 2 on bad arguments.
 */
public final class ClusterBenchmark {

    private static final String TAG = "@@ ";
    private static final int READ_KEYS = 1_000;
    private static final int ACCOUNTS = 100;
    private static final long OPENING_BALANCE = 1_000;

    private int processes = 4;
    private int[] threads = {4, 40};
    private int bankThreads = 40;
    private int seconds = 20;
    /**
     * Seconds each workload runs before it is measured, the same for every system. Long enough for the JIT: the C2
     * compiler threads of Homeostat's 4 members together took 55-70 % of a core (a third of this 2-core machine) for
     * the first 45-50 s of the increment workload, and again for 20-25 s when the bank workload began;
     * with a 30 s warm-up the same build measured 4,262 and 1,970 increments a second at 40 threads, with 60 s 4,875
     * and 5,012.
     */
    private int warmup = 60;
    private List<String> systems = List.of("homeostat", "infinispan", "hazelcast");
    private int basePort = 17_800;
    private String heap = "1g";
    private String ring = "even";
    private Path logs = Path.of("benchmarks", "target", "bench-cluster");
    private Path jfr;

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<Process> live = new CopyOnWriteArrayList<>();
    private LoadAverage load;
    private boolean auditFailed;

    /** One measured workload of one system, summed over the processes. */
    record Row(String system, String workload, int threads, double txPerSec, double p50Ms, double p99Ms,
            double abortRate, long commits, long aborts, long errors, long unknown, double msgsPerTx, long auditBad,
            Map<String, Long> counters, long cpuNanos) {

        /** CPU time of the member processes (all their threads, clients included) per commit, or NaN. */
        double cpuMicrosPerTx() {
            return cpuNanos < 0 || commits == 0 ? Double.NaN : cpuNanos / 1_000.0 / commits;
        }

        /** A transport counter (summed over the processes) per commit, or NaN if not counted. */
        double perTx(String counter) {
            Long n = counters.get(counter);
            return n == null || commits == 0 ? Double.NaN : n / (double) commits;
        }
    }

    public static void main(String[] args) throws Exception {
        ClusterBenchmark b = new ClusterBenchmark();
        try {
            b.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench cluster: " + e.getMessage());
            System.exit(2);
        }
        System.exit(b.runAll());
    }

    private void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--processes":
                    processes = Integer.parseInt(v);
                    break;
                case "--threads":
                    threads = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                    break;
                case "--bank-threads":
                    bankThreads = Integer.parseInt(v);
                    break;
                case "--seconds":
                    seconds = Integer.parseInt(v);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(v);
                    break;
                case "--systems":
                    systems = List.of(v.split(","));
                    for (String s : systems) {
                        ClusterWorker.create(s);
                    }
                    break;
                case "--base-port":
                    basePort = Integer.parseInt(v);
                    break;
                case "--ring":
                    ring = v;
                    if (!ring.equals("even") && !ring.equals("random")) {
                        throw new IllegalArgumentException("--ring must be even or random");
                    }
                    break;
                case "--heap":
                    heap = v;
                    break;
                case "--logs":
                    logs = Path.of(v);
                    break;
                case "--jfr":
                    jfr = Path.of(v);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (processes < 1 || seconds < 1 || warmup < 0 || bankThreads < 1) {
            throw new IllegalArgumentException("--processes, --seconds, --bank-threads must be >= 1, --warmup >= 0");
        }
    }

    private int runAll() throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "kill-workers"));
        Files.createDirectories(logs);
        load = LoadAverage.start();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        System.out.printf(Locale.ROOT, "bench cluster: %s, %d processes per system, threads %s, bank %d threads, "
                + "%d s warm-up + %d s measured per workload%n", started, processes, Arrays.toString(threads),
                bankThreads, warmup, seconds);
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, load average at start %s; worker logs in %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), LoadAverage.now(), logs.toAbsolutePath());
        long t0 = System.nanoTime();
        for (int s = 0; s < systems.size(); s++) {
            String name = systems.get(s);
            int from = load.mark();
            try {
                runSystem(name, basePort + 100 * s);
            } catch (Exception e) {
                String line = name + ": SKIPPED, " + ClusterWorker.oneLine(e) + " (see " + logs.toAbsolutePath()
                        + "/" + name + "-*.log)";
                notes.add(line);
                System.out.println(line);
            } finally {
                killAll();
            }
            load.since(from, name).ifPresent(line -> {
                notes.add(line);
                System.out.println(line);
            });
        }
        printReport(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
        return auditFailed ? 1 : 0;
    }

    // --- one system ---------------------------------------------------------------------------------------------

    private final class Worker {
        final int index;
        final Process process;
        final Writer stdin;
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

        Worker(String system, int index, int port) throws IOException {
            this.index = index;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx" + heap, "-XX:+UseG1GC",
                    "-Djava.net.preferIPv4Stack=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dbench.homeostat.ring=" + ring));
            if (jfr != null && index == 0) {
                Files.createDirectories(jfr);
                cmd.add("-XX:StartFlightRecording=settings=profile,filename="
                        + jfr.resolve(system + "-0.jfr").toAbsolutePath());
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ClusterWorker.class.getName(), system,
                    Integer.toString(index), Integer.toString(processes), Integer.toString(port)));
            File log = logs.resolve(system + "-" + index + ".log").toFile();
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log)).start();
            live.add(process);
            stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith(TAG)) {
                            replies.add(line.substring(TAG.length()));
                        }
                    }
                } catch (IOException e) {
                    // process gone
                }
                replies.add("EXITED");
            }, system + "-" + index + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        /** The next reply, which must start with {@code word}. */
        String expect(String word, long timeoutSeconds) throws Exception {
            String r = replies.poll(timeoutSeconds, TimeUnit.SECONDS);
            if (r == null) {
                throw new IllegalStateException("process " + index + " did not answer " + word + " within "
                        + timeoutSeconds + " s");
            }
            if (!r.startsWith(word)) {
                throw new IllegalStateException("process " + index + " answered '" + r + "' instead of " + word);
            }
            return r.substring(word.length()).trim();
        }
    }

    private void runSystem(String name, int port) throws Exception {
        System.out.printf(Locale.ROOT, "%n== %s: starting %d processes (ports %d..%d on 127.0.0.1)%n", name, processes,
                port, port + processes - 1);
        long t0 = System.nanoTime();
        List<Worker> ws = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            ws.add(new Worker(name, i, port));
        }
        String describe = null;
        for (Worker w : ws) {
            describe = w.expect("STARTED", 240);
        }
        System.out.println(name + ": " + describe);
        notes.add(name + ": " + describe);
        for (Worker w : ws) {
            w.send("READY");
        }
        for (Worker w : ws) {
            if (Long.parseLong(w.expect("READY", 240)) < 0) {
                throw new IllegalStateException("process " + w.index + " could not write and read a probe key");
            }
        }
        System.out.printf(Locale.ROOT, "%s: every member wrote and read its probe key %.1f s after start%n", name,
                (System.nanoTime() - t0) / 1e9);
        settle(name, ws);
        System.out.printf(Locale.ROOT, "%s: settled %.1f s after start; loading %d read keys and %d accounts%n", name,
                (System.nanoTime() - t0) / 1e9, READ_KEYS, ACCOUNTS);
        ws.get(0).send("LOAD read- " + READ_KEYS + " 1");
        ws.get(0).expect("LOADED", 300);
        ws.get(0).send("LOAD acct- " + ACCOUNTS + " " + OPENING_BALANCE);
        ws.get(0).expect("LOADED", 300);
        for (int t : threads) {
            measure(name, ws, "increment", t, t);
            measure(name, ws, "read", t, READ_KEYS);
        }
        measure(name, ws, "bank", bankThreads, ACCOUNTS);
        ws.get(0).send("SUM acct- " + ACCOUNTS);
        long total = Long.parseLong(ws.get(0).expect("SUM", 120));
        long expected = ACCOUNTS * OPENING_BALANCE;
        String audit = String.format(Locale.ROOT, "%s: bank audit: total of %d accounts = %d, expected %d: %s", name,
                ACCOUNTS, total, expected, total == expected ? "conserved" : "WRONG TOTAL (benchmark failure)");
        if (total != expected) {
            auditFailed = true;
        }
        System.out.println(audit);
        notes.add(audit);
        for (Worker w : ws) {
            w.send("QUIT");
        }
        for (Worker w : ws) {
            if (!w.process.waitFor(15, TimeUnit.SECONDS)) {
                w.process.destroyForcibly();
            }
        }
    }

    /**
     * Waits (at most 150 s) until every member reports the cluster settled. Homeostat: every replica position served
     * and no group naming a process twice (or, with random ring positions, that count unchanged for 10 s): the
     * founder starts out holding every position and hands them over as the others join.
     */
    private void settle(String name, List<Worker> ws) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        int expectedPositions = name.equals("homeostat")
                ? (1 << HomeostatSystem.GROUPS_LOG2) * Math.min(HomeostatSystem.REPLICATION, processes) : -1;
        String last = "";
        int stableRounds = 0;
        long previousShared = -1;
        long shared = 0;
        long lastPrint = 0;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            long sum = 0;
            shared = 0;
            for (Worker w : ws) {
                w.send("STATUS");
            }
            for (Worker w : ws) {
                String[] s = w.expect("STATUS", 30).split(" ");
                all &= Boolean.parseBoolean(s[0]);
                sum += Long.parseLong(s[1]);
                shared += s.length > 2 ? Long.parseLong(s[2]) : 0;
            }
            last = all + (expectedPositions > 0 ? ", replica positions served " + sum + " of " + expectedPositions
                    + ", groups naming a process twice " + shared : "");
            if (expectedPositions > 0 && System.nanoTime() - lastPrint > 10_000_000_000L) {
                System.out.println(name + ": settling: " + last);
                lastPrint = System.nanoTime();
            }
            boolean ok = all && (expectedPositions < 0 || sum == expectedPositions);
            if (ok && shared == previousShared) {
                stableRounds++;
            } else {
                stableRounds = 0;
            }
            previousShared = shared;
            if (ok && (shared == 0 ? stableRounds >= 1 : stableRounds >= 10)) {
                break;
            }
            Thread.sleep(1_000);
        }
        if (shared > 0) {
            String line = String.format(Locale.ROOT, "%s: %d of %d replica groups name one process more than once in "
                    + "their view (fewer than %d distinct copies)", name, shared, 1 << HomeostatSystem.GROUPS_LOG2,
                    HomeostatSystem.REPLICATION);
            notes.add(line);
            System.out.println(line);
        }
        if (System.nanoTime() >= deadline) {
            String line = name + ": not settled after 150 s (" + last + "); measuring anyway";
            notes.add(line);
            System.out.println(line);
        }
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|-?\\d+)");

    private static Map<String, String> parse(String json) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher x = FIELD.matcher(json);
        while (x.find()) {
            String v = x.group(2);
            m.put(x.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
        }
        return m;
    }

    private void measure(String name, List<Worker> ws, String workload, int totalThreads, int keys) throws Exception {
        List<Worker> used = new ArrayList<>();
        for (Worker w : ws) {
            int share = totalThreads / processes + (w.index < totalThreads % processes ? 1 : 0);
            if (share > 0) {
                w.send("RUN " + workload + " " + share + " " + warmup * 1000L + " " + seconds * 1000L + " " + keys);
                used.add(w);
            }
        }
        Histogram hist = new Histogram();
        long commits = 0;
        long aborts = 0;
        long errors = 0;
        long unknown = 0;
        long sent = 0;
        long auditBad = 0;
        boolean counted = true;
        String firstError = "";
        Map<String, Long> counters = new java.util.TreeMap<>();
        long cpuNanos = 0;
        for (Worker w : used) {
            Map<String, String> r = parse(w.expect("RESULT", warmup + seconds + 180L));
            hist.add(Histogram.decode(r.get("hist")));
            commits += Long.parseLong(r.get("commits"));
            aborts += Long.parseLong(r.get("aborts"));
            errors += Long.parseLong(r.get("errors"));
            unknown += Long.parseLong(r.get("unknown"));
            long s = Long.parseLong(r.get("sent"));
            counted &= s >= 0;
            sent += s;
            auditBad += Long.parseLong(r.get("auditBad"));
            long cpu = Long.parseLong(r.getOrDefault("cpuNanos", "-1"));
            cpuNanos = cpuNanos < 0 || cpu < 0 ? -1 : cpuNanos + cpu;
            String cs = r.getOrDefault("counters", "");
            for (String kv : cs.isEmpty() ? new String[0] : cs.split(";")) {
                int eq = kv.lastIndexOf('=');
                counters.merge(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)), Long::sum);
            }
            if (firstError.isEmpty()) {
                firstError = r.get("firstError");
            }
        }
        double attempts = commits + aborts;
        Row row = new Row(name, workload, totalThreads, commits / (double) seconds, hist.quantile(0.5) / 1000.0,
                hist.quantile(0.99) / 1000.0, attempts == 0 ? 0 : aborts / attempts, commits, aborts, errors,
                unknown, counted && commits > 0 ? sent / (double) commits : Double.NaN, auditBad, counters, cpuNanos);
        rows.add(row);
        System.out.printf(Locale.ROOT, "%s %-9s %3d threads: %,9.0f tx/s  p50 %7.2f ms  p99 %8.2f ms  aborts %5.1f %%"
                + "  errors %d  CPU %.0f us/tx%s%s%s%n", name, workload, totalThreads, row.txPerSec(), row.p50Ms(),
                row.p99Ms(), 100 * row.abortRate(), errors, row.cpuMicrosPerTx(), Double.isNaN(row.msgsPerTx()) ? ""
                        : String.format(Locale.ROOT, "  msgs/tx %.1f", row.msgsPerTx()),
                auditBad > 0 ? "  COUNTER AUDIT FAILED on " + auditBad + " counters" : "",
                firstError.isEmpty() ? "" : "  first error: " + firstError);
        if (!counters.isEmpty()) {
            System.out.printf(Locale.ROOT, "%s %-9s %3d threads: per tx: frames %.1f (+ %.1f local), JGroups messages "
                    + "%.1f (%.1f batches)%n", name, workload, totalThreads, row.perTx("frames"), row.perTx("local"),
                    row.perTx("jgroups"), row.perTx("batches"));
            System.out.println("    frames/tx by type (remote + local): " + byType(row));
        }
        if (auditBad > 0) {
            auditFailed = true;
        }
    }

    /** "Type r + l" per commit for every type sent, biggest first. */
    private static String byType(Row row) {
        Map<String, double[]> types = new java.util.TreeMap<>();
        row.counters().forEach((k, v) -> {
            int colon = k.indexOf(':');
            if (colon > 0) {
                double[] rl = types.computeIfAbsent(k.substring(colon + 1), t -> new double[2]);
                rl[k.startsWith("remote:") ? 0 : 1] += v / (double) Math.max(1, row.commits());
            }
        });
        List<Map.Entry<String, double[]>> sorted = new ArrayList<>(types.entrySet());
        sorted.sort((a, b) -> Double.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]));
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, double[]> e : sorted) {
            if (e.getValue()[0] + e.getValue()[1] < 0.05) {
                continue;
            }
            out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f + %.1f", e.getKey(),
                    e.getValue()[0], e.getValue()[1]));
        }
        return out.toString();
    }

    // --- report -------------------------------------------------------------------------------------------------

    private void printReport(long wallSeconds) {
        System.out.printf(Locale.ROOT, "%n== results (%d s measured per workload, %d s wall in all; load average at "
                + "end %s)%n%n", seconds, wallSeconds, LoadAverage.now());
        System.out.println("| system | workload | threads | tx/s | p50 ms | p99 ms | aborts | errors | msgs/tx "
                + "| frames/tx | JGroups msgs/tx | CPU µs/tx |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %,.0f | %.3f | %.2f | %.1f %% | %d | %s | %s | %s "
                    + "| %s |%n",
                    r.system(), r.workload(), r.threads(), r.txPerSec(), r.p50Ms(), r.p99Ms(), 100 * r.abortRate(),
                    r.errors(), oneDecimal(r.msgsPerTx()), oneDecimal(r.perTx("frames")),
                    oneDecimal(r.perTx("jgroups")), Double.isNaN(r.cpuMicrosPerTx()) ? ""
                            : String.format(Locale.ROOT, "%,.0f", r.cpuMicrosPerTx()));
        }
        System.out.println();
        System.out.println("msgs/tx: protocol messages sent (to other processes and to the own one); frames/tx: those "
                + "encoded and handed to JGroups; JGroups msgs/tx: JGroups messages (a batch carries several frames); "
                + "CPU µs/tx: CPU "
                + "time of all member processes in the window (clients included) per commit");
        for (Row r : rows) {
            if (!r.counters().isEmpty()) {
                System.out.println("- " + r.system() + " " + r.workload() + " " + r.threads()
                        + " threads, frames/tx by "
                        + "type (remote + local): " + byType(r));
            }
        }
        List<String> others = new ArrayList<>();
        for (String s : systems) {
            if (!s.equals("homeostat")) {
                others.add(s);
            }
        }
        if (systems.contains("homeostat") && !others.isEmpty()) {
            System.out.println();
            StringBuilder head = new StringBuilder("| workload | threads |");
            StringBuilder sep = new StringBuilder("| --- | ---: |");
            for (String o : others) {
                head.append(" homeostat/").append(o).append(" tx/s | p50 |");
                sep.append(" ---: | ---: |");
            }
            System.out.println(head);
            System.out.println(sep);
            for (Row h : rows) {
                if (!h.system().equals("homeostat")) {
                    continue;
                }
                StringBuilder line = new StringBuilder("| " + h.workload() + " | " + h.threads() + " |");
                for (String o : others) {
                    Row r = find(o, h.workload(), h.threads());
                    if (r == null || r.txPerSec() == 0) {
                        line.append(" n/a | n/a |");
                    } else {
                        line.append(String.format(Locale.ROOT, " %.2f | %s |", h.txPerSec() / r.txPerSec(),
                                r.p50Ms() <= 0.001 ? "n/a (other p50 <= 1 µs)"
                                        : String.format(Locale.ROOT, "%.2f", h.p50Ms() / r.p50Ms())));
                    }
                }
                System.out.println(line);
            }
        }
        System.out.println();
        for (String n : notes) {
            System.out.println("- " + n);
        }
    }

    private static String oneDecimal(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.1f", v);
    }

    private Row find(String system, String workload, int threads) {
        for (Row r : rows) {
            if (r.system().equals(system) && r.workload().equals(workload) && r.threads() == threads) {
                return r;
            }
        }
        return null;
    }

    // --- processes and load -------------------------------------------------------------------------------------

    private void killAll() {
        if (jfr != null) {
            // a graceful exit first, so that the JVM writes its flight recording
            for (Process p : live) {
                p.destroy();
            }
            for (Process p : live) {
                try {
                    p.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Process p : live) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : live) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        live.clear();
    }
}
