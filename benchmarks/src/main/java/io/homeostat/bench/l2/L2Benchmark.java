package io.homeostat.bench.l2;

import io.homeostat.bench.LoadAverage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.net.URLEncoder;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Hibernate ORM 7 second-level caches compared in one run, each on 3 nodes (3 EntityManagerFactories) sharing one H2
 * database over TCP on 127.0.0.1: no L2, a local JCache (Ehcache 3), Hazelcast's JCache, Infinispan's Hibernate module
 * (replicated, or invalidation) and Homeostat's RegionFactory. One entity, READ_WRITE, with a {@code @Version}.
 *
 * <pre>
 * L2Benchmark [--systems none,jcache-local,hazelcast,infinispan,homeostat] [--threads 4,16] [--seconds 5]
 *             [--warmup 20] [--rows 10000] [--stale-trials 200] [--survival-rows 2000] [--read-tx]
 *             [--rounds 1] [--fork true|false] [--heap 1g] [--out DIR]
 * </pre>
 *
 * Each system runs in its own JVM (same JDK and classpath; {@code --fork false} runs them all in this one) that starts
 * its own H2 server and nodes, then: loads the rows by JDBC, warms every node's cache (every node finds every row),
 * measures {@code find} (find by id in a new EntityManager, ids uniform) and {@code mix90/10} (90 % finds, 10 %
 * updates: find, increment a field, commit) for each thread count, with threads spread over the 3 nodes; runs the
 * stale-read probe; and the node-loss survival test. See {@link L2Run}. The report (table, JSON and Markdown in
 * {@code --out}) gives ops/s, p50/p99, L2 hit ratio, stale reads and survival for each system, and ratios against
 * {@code none} and {@code infinispan} from the same run.
 *
 * <p>{@code --rounds N} runs the whole comparison N times, the systems in reverse order every other round, and adds a
 * table of medians: each system's median over the rounds, and the median of its per-round ratios (each ratio taken
 * within one round, against the system measured in that round). On a machine whose runs of the same code differ by
 * tens of percent (docs/BENCHMARKS.md, session 23), one round's ratio can land anywhere in that spread; the median of
 * three or more is the figure to quote. Exit status 2 on bad arguments, 1 if a system failed.
 */
public final class L2Benchmark {

    private static final String TAG = "@@ ";
    static final List<String> DEFAULT_SYSTEMS = List.of("none", "jcache-local", "hazelcast", "infinispan",
            "homeostat");

    private List<String> systems = DEFAULT_SYSTEMS;
    private int[] threads = {4, 16};
    private int seconds = 5;
    /**
     * Seconds each workload runs before it is measured, the same for every system. With 2 s the JIT was still at work
     * in the measured window: two runs of the same code on the same day differed by more than 2× in the 90/10 mix, for
     * Infinispan and for Homeostat alike (docs/BENCHMARKS.md, session 9).
     */
    private int warmup = 20;
    private int rows = 10_000;
    private int staleTrials = 200;
    private int survivalRows = 2_000;
    /** Times the whole comparison runs; at most {@link #MAX_ROUNDS}. */
    private int rounds = 1;
    static final int MAX_ROUNDS = 20;
    private boolean readTx;
    private boolean fork = true;
    private String heap = "1g";
    private Path out = Path.of("benchmarks", "target", "bench-l2");
    private String child;
    private String run = UUID.randomUUID().toString().substring(0, 8);

    private final List<L2Run.Row> rowsOut = new ArrayList<>();
    private final List<L2Run.Summary> summaries = new ArrayList<>();
    /** The round of each entry of {@link #rowsOut} and of {@link #summaries}, index for index. */
    private final List<Integer> rowRounds = new ArrayList<>();
    private final List<Integer> summaryRounds = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private LoadAverage load;
    private boolean failed;

    public static void main(String[] args) throws Exception {
        quietLogging();
        L2Benchmark b = new L2Benchmark();
        try {
            b.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench l2: " + e.getMessage());
            System.exit(2);
        }
        System.exit(b.child != null ? b.runChild() : b.runAll());
    }

    /** Hibernate, Infinispan and Hazelcast log through SLF4J (slf4j-simple), warnings and worse only. */
    static void quietLogging() {
        setIfAbsent("org.jboss.logging.provider", "slf4j");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // "using the built-in connection pool": the same pool for every system, on purpose
        setIfAbsent("org.slf4j.simpleLogger.log.org.hibernate.orm.connections.pooling", "error");
        // Infinispan's putFromLoad takes its lock with a zero timeout and gives up silently when another node holds
        // it; the remote side still logs each such give-up at ERROR with a stack trace, which would be charged to it
        setIfAbsent("org.slf4j.simpleLogger.log.org.infinispan.interceptors.impl.InvocationContextInterceptor", "off");
        setIfAbsent("java.net.preferIPv4Stack", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--read-tx")) {
                readTx = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--systems":
                    systems = List.of(v.split(","));
                    for (String s : systems) {
                        if (!L2Systems.ALL.contains(s)) {
                            throw new IllegalArgumentException("unknown system '" + s + "'; known: "
                                    + String.join(",", L2Systems.ALL));
                        }
                    }
                    break;
                case "--threads":
                    threads = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                    break;
                case "--rounds":
                    rounds = Integer.parseInt(v);
                    break;
                case "--seconds":
                    seconds = Integer.parseInt(v);
                    break;
                case "--warmup":
                    warmup = Integer.parseInt(v);
                    break;
                case "--rows":
                    rows = Integer.parseInt(v);
                    break;
                case "--stale-trials":
                    staleTrials = Integer.parseInt(v);
                    break;
                case "--survival-rows":
                    survivalRows = Integer.parseInt(v);
                    break;
                case "--fork":
                    fork = Boolean.parseBoolean(v);
                    break;
                case "--heap":
                    heap = v;
                    break;
                case "--out":
                    out = Path.of(v);
                    break;
                case "--child":
                    child = v;
                    break;
                case "--run":
                    run = v;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (seconds < 1 || warmup < 0 || rows < 3 || staleTrials < 0 || survivalRows < 0 || threads.length == 0
                || Arrays.stream(threads).anyMatch(t -> t < 1) || rounds < 1 || rounds > MAX_ROUNDS) {
            throw new IllegalArgumentException("--seconds >= 1, --warmup >= 0, --rows >= 3, --threads >= 1 each, "
                    + "--stale-trials and --survival-rows >= 0, --rounds 1.." + MAX_ROUNDS);
        }
    }

    private L2Run.Options options() {
        return new L2Run.Options(run, threads, seconds, warmup, rows, staleTrials, survivalRows, readTx);
    }

    // --- one system in a child JVM ---------------------------------------------------------------------------------

    private int runChild() {
        L2Run r = new L2Run(child, options());
        try {
            r.run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.out.println(TAG + "FAILED " + enc(Map.of("error", L2Run.oneLine(e))));
            return 1;
        }
        for (L2Run.Row row : r.rows()) {
            System.out.println(TAG + "ROW " + encodeRow(row));
        }
        System.out.println(TAG + "SUMMARY " + encodeSummary(r.summary()));
        System.out.flush();
        return 0;
    }

    // --- the whole comparison --------------------------------------------------------------------------------------

    /** Runs every system, prints the report and writes it to --out; exit status 1 if a system failed. */
    int runAll() throws Exception {
        Files.createDirectories(out);
        load = LoadAverage.start();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String loadStart = LoadAverage.now();
        System.out.printf(Locale.ROOT, "bench l2: %s, run %s; systems %s; 3 nodes each; threads %s; %d s warm-up + "
                + "%d s measured per workload; %,d rows; %d stale-probe trials; %,d survival rows; finds %s%n",
                started, run, systems, Arrays.toString(threads), warmup, seconds, rows, staleTrials, survivalRows,
                (readTx ? "in a transaction" : "outside a transaction")
                        + (rounds > 1 ? "; " + rounds + " rounds" : ""));
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s; load average at start %s; logs in %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), loadStart, out.toAbsolutePath());
        long t0 = System.nanoTime();
        for (int round = 1; round <= rounds; round++) {
            List<String> order = new ArrayList<>(systems);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order); // so that neither system always runs on the warmer machine
            }
            for (String s : order) {
                runOne(s, round);
            }
        }
        long wall = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        String loadEnd = LoadAverage.now();
        notes.add(0, "load average (1, 5, 15 min) at start " + loadStart + ", at end " + loadEnd);
        String header = String.format(Locale.ROOT, "bench l2 %s (run %s), %d s wall; %d cores, %s %s; Hibernate ORM "
                + "%s, H2 %s over TCP; threads %s, %d s warm-up + %d s measured per workload, %,d rows, finds %s",
                started, run, wall, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), org.hibernate.Version.getVersionString(),
                org.h2.engine.Constants.VERSION, Arrays.toString(threads), warmup, seconds, rows,
                readTx ? "in a transaction" : "outside a transaction") + (rounds > 1 ? "; " + rounds + " rounds" : "");
        String md = L2Report.markdown(header, systems, rowsOut, rowRounds, summaries, summaryRounds, rounds, notes);
        System.out.println();
        System.out.println(md);
        Files.writeString(out.resolve("l2-results.md"), md);
        Files.writeString(out.resolve("l2-results.json"),
                L2Report.json(header, rowsOut, rowRounds, summaries, summaryRounds, notes));
        System.out.println("written: " + out.resolve("l2-results.md").toAbsolutePath() + ", "
                + out.resolve("l2-results.json").toAbsolutePath());
        return failed ? 1 : 0;
    }

    /** Runs system {@code s} for round {@code round}, recording its rows and summary with that round. */
    private void runOne(String s, int round) {
        int from = load.mark();
        String label = rounds == 1 ? s : s + " (round " + round + " of " + rounds + ")";
        String log = rounds == 1 ? s + ".log" : s + "-round" + round + ".log";
        System.out.printf(Locale.ROOT, "%n== %s%n", label);
        try {
            if (fork) {
                forkSystem(s, log);
            } else {
                L2Run r = new L2Run(s, options());
                r.run();
                rowsOut.addAll(r.rows());
                summaries.add(r.summary());
            }
        } catch (Exception e) {
            failed = true;
            String line = label + ": FAILED, " + L2Run.oneLine(e) + (fork ? " (see " + out.toAbsolutePath() + "/"
                    + log + ")" : "");
            notes.add(line);
            System.out.println(line);
        }
        while (rowRounds.size() < rowsOut.size()) {
            rowRounds.add(round);
        }
        while (summaryRounds.size() < summaries.size()) {
            summaryRounds.add(round);
        }
        load.since(from, label).ifPresent(line -> {
            notes.add(line);
            System.out.println(line);
        });
    }

    private void forkSystem(String s, String logName) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx" + heap, "-XX:+UseG1GC",
                "-Djava.net.preferIPv4Stack=true", "-cp", System.getProperty("java.class.path"),
                L2Benchmark.class.getName(), "--child", s, "--run", run,
                "--threads", Arrays.stream(threads).mapToObj(Integer::toString).collect(Collectors.joining(",")),
                "--seconds", Integer.toString(seconds), "--warmup", Integer.toString(warmup),
                "--rows", Integer.toString(rows), "--stale-trials", Integer.toString(staleTrials),
                "--survival-rows", Integer.toString(survivalRows)));
        if (readTx) {
            cmd.add("--read-tx");
        }
        Path log = out.resolve(logName);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
        Thread killer = new Thread(p::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killer);
        // generous: start-up and warm-up, the workloads, the probe and the survival test, on a loaded machine
        long budget = 240L + 2L * threads.length * (warmup + seconds + 30L) + staleTrials / 5L + survivalRows / 50L;
        Thread watchdog = new Thread(() -> {
            try {
                if (!p.waitFor(budget, TimeUnit.SECONDS)) {
                    System.out.println(s + ": no result after " + budget + " s; killing it");
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, s + "-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String failure = null;
        boolean summarized = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.startsWith(TAG)) {
                    System.out.println(line);
                    continue;
                }
                String body = line.substring(TAG.length());
                int sp = body.indexOf(' ');
                String kind = body.substring(0, sp);
                Map<String, String> m = dec(body.substring(sp + 1));
                switch (kind) {
                    case "ROW":
                        rowsOut.add(decodeRow(m));
                        break;
                    case "SUMMARY":
                        summaries.add(decodeSummary(m));
                        summarized = true;
                        break;
                    default:
                        failure = m.get("error");
                }
            }
        }
        int code = p.waitFor();
        Runtime.getRuntime().removeShutdownHook(killer);
        if (failure != null || code != 0 || !summarized) {
            throw new IllegalStateException(failure != null ? failure : "exit status " + code);
        }
    }

    // --- encoding of results between the JVMs ----------------------------------------------------------------------

    static String enc(Map<String, ?> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(k).append('=').append(URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
        });
        return b.toString();
    }

    static Map<String, String> dec(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : s.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                m.put(part.substring(0, eq), URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    static String encodeRow(L2Run.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", r.system());
        m.put("workload", r.workload());
        m.put("threads", r.threads());
        m.put("seconds", r.seconds());
        m.put("ops", r.ops());
        m.put("p50", r.p50us());
        m.put("p99", r.p99us());
        m.put("up50", r.updateP50us());
        m.put("hits", r.hits());
        m.put("misses", r.misses());
        m.put("conflicts", r.conflicts());
        m.put("errors", r.errors());
        m.put("firstError", r.firstError());
        return enc(m);
    }

    static L2Run.Row decodeRow(Map<String, String> m) {
        return new L2Run.Row(m.get("system"), m.get("workload"), Integer.parseInt(m.get("threads")),
                Double.parseDouble(m.get("seconds")), Long.parseLong(m.get("ops")), Double.parseDouble(m.get("p50")),
                Double.parseDouble(m.get("p99")), Double.parseDouble(m.get("up50")), Long.parseLong(m.get("hits")),
                Long.parseLong(m.get("misses")), Long.parseLong(m.get("conflicts")), Long.parseLong(m.get("errors")),
                m.get("firstError"));
    }

    static String encodeSummary(L2Run.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", s.system());
        m.put("describe", s.describe());
        m.put("startSeconds", s.startSeconds());
        m.put("warmSeconds", s.warmSeconds());
        m.put("staleTrials", s.staleTrials());
        m.put("staleReads", s.staleReads());
        m.put("probeReadHits", s.probeReadHits());
        m.put("probeUpdateFailures", s.probeUpdateFailures());
        m.put("probeP50", s.probeP50us());
        m.put("ownRows", s.survivalOwnRows());
        m.put("ownHits", s.survivalOwnHits());
        m.put("lostRows", s.survivalLostRows());
        m.put("lostHits", s.survivalLostHits());
        m.put("lookups", s.survivalLookups());
        m.put("leaveMillis", s.leaveMillis());
        m.put("notes", String.join("\n", s.notes()));
        return enc(m);
    }

    static L2Run.Summary decodeSummary(Map<String, String> m) {
        String n = m.getOrDefault("notes", "");
        return new L2Run.Summary(m.get("system"), m.get("describe"), Double.parseDouble(m.get("startSeconds")),
                Double.parseDouble(m.get("warmSeconds")), Integer.parseInt(m.get("staleTrials")),
                Integer.parseInt(m.get("staleReads")), Integer.parseInt(m.get("probeReadHits")),
                Integer.parseInt(m.get("probeUpdateFailures")), Double.parseDouble(m.get("probeP50")),
                Integer.parseInt(m.get("ownRows")), Integer.parseInt(m.get("ownHits")),
                Integer.parseInt(m.get("lostRows")), Integer.parseInt(m.get("lostHits")),
                Long.parseLong(m.get("lookups")), Long.parseLong(m.get("leaveMillis")), n.isEmpty() ? List.of() : List.of(n.split("\n")));
    }
}
