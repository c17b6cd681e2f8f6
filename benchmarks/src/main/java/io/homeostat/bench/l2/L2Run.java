package io.homeostat.bench.l2;

import io.homeostat.bench.cluster.Histogram;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockModeType;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.RollbackException;
import jakarta.persistence.SharedCacheMode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.h2.tools.Server;
import org.hibernate.StaleStateException;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.hibernate.stat.Statistics;

/**
 * One system's whole run in this JVM: an H2 TCP server on 127.0.0.1, three EntityManagerFactories (the nodes) sharing
 * it, the rows loaded, the caches warmed, then the workloads, the stale-read probe and the node-loss survival test.
 */
final class L2Run {

    static final int NODES = 3;

    /** Settings shared by every system of a run. */
    record Options(String run, int[] threads, int seconds, int warmup, int rows, int staleTrials, int survivalRows,
            boolean readTx) {
    }

    /** One measured workload: counts over the measured window and latency quantiles in µs. */
    record Row(String system, String workload, int threads, double seconds, long ops, double p50us, double p99us,
            double updateP50us, long hits, long misses, long conflicts, long errors, String firstError) {

        double opsPerSec() {
            return ops / seconds;
        }

        /** L2 hits / (hits + misses), or NaN when the system made no L2 lookups. */
        double hitRatio() {
            return hits + misses == 0 ? Double.NaN : hits / (double) (hits + misses);
        }
    }

    /** The per-system results that are not a workload. */
    record Summary(String system, String describe, double startSeconds, double warmSeconds, int staleTrials,
            int staleReads, int probeReadHits, int probeUpdateFailures, double probeP50us, int survivalOwnRows,
            int survivalOwnHits, int survivalLostRows, int survivalLostHits, long survivalLookups, long leaveMillis,
            List<String> notes) {

        /** Hits / reads over all the rows read after the stop, or NaN if none were or there is no L2. */
        double survival() {
            int rows = survivalOwnRows + survivalLostRows;
            return rows == 0 || survivalLookups == 0 ? Double.NaN
                    : (survivalOwnHits + survivalLostHits) / (double) rows;
        }
    }

    private final String systemName;
    private final Options o;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final List<EntityManagerFactory> nodes = new ArrayList<>();
    private final boolean[] stopped = new boolean[NODES];
    private Summary summary;

    L2Run(String systemName, Options o) {
        this.systemName = systemName;
        this.o = o;
    }

    List<Row> rows() {
        return rows;
    }

    Summary summary() {
        return summary;
    }

    private void say(String format, Object... args) {
        System.out.println(systemName + ": " + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    private void note(String line) {
        notes.add(line);
        say("%s", line);
    }

    // --- the run ----------------------------------------------------------------------------------------------------

    void run() throws Exception {
        System.setProperty("h2.bindAddress", "127.0.0.1");
        int h2Port = freePort();
        Server h2 = Server.createTcpServer("-tcpPort", Integer.toString(h2Port), "-ifNotExists").start();
        // an in-memory database of its own per system: with --fork false the systems share this JVM
        String url = "jdbc:h2:tcp://127.0.0.1:" + h2Port + "/mem:l2bench-" + systemName
                + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
        int basePort = freeRange(6);
        L2System system = L2Systems.create(systemName, o.run(), basePort);
        try {
            long t0 = System.nanoTime();
            StringBuilder starts = new StringBuilder();
            for (int i = 0; i < NODES; i++) {
                long n0 = System.nanoTime();
                nodes.add(node(system, i, url));
                starts.append(String.format(Locale.ROOT, "%snode-%d %.1f s", i == 0 ? "" : ", ", i + 1,
                        (System.nanoTime() - n0) / 1e9));
                if (i == 0) {
                    load(url);
                }
            }
            String settle = system.settle(nodes);
            if (settle != null) {
                note(settle);
            }
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            String describe = system.describe(nodes);
            say("%s", describe);
            say("3 nodes up in %.1f s (factories built in: %s; H2 on 127.0.0.1:%d, cluster ports from %d); %,d rows "
                    + "loaded", startSeconds, starts, h2Port, basePort, o.rows());

            long w0 = System.nanoTime();
            String how = warm();
            double warmSeconds = (System.nanoTime() - w0) / 1e9;
            say("warmed in %.1f s: %s", warmSeconds, how);

            for (int t : o.threads()) {
                measure("find", t, 0);
            }
            for (int t : o.threads()) {
                measure("mix90/10", t, 10);
            }
            int[] probe = staleProbe();
            int[] survival = survival(system);
            summary = new Summary(systemName, describe, startSeconds, warmSeconds, o.staleTrials(), probe[0],
                    probe[1], probe[2], probe[3] / 1000.0, survival[0], survival[1], survival[2], survival[3],
                    survival[5], survival[4], List.copyOf(notes));
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                if (!stopped[i]) {
                    try {
                        nodes.get(i).close();
                    } catch (RuntimeException e) {
                        say("closing node-%d: %s", i + 1, e);
                    }
                }
            }
            system.close();
            try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement()) {
                st.execute("shutdown"); // frees the in-memory database
            } catch (SQLException e) {
                // already gone
            }
            h2.stop();
        }
    }

    private EntityManagerFactory node(L2System system, int i, String url) throws Exception {
        HibernatePersistenceConfiguration c = new HibernatePersistenceConfiguration("l2bench-" + systemName)
                .managedClass(Item.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .jdbcUrl(url)
                .jdbcCredentials("sa", "")
                .jdbcPoolSize(maxThreads() + 4) // warm-up and survival threads are not tied to one node
                .collectStatistics(true)
                .property("jakarta.persistence.schema-generation.database.action", i == 0 ? "create" : "none")
                .property("hibernate.cache.use_second_level_cache", "true")
                .property("hibernate.cache.use_query_cache", "false");
        for (Map.Entry<String, Object> e : system.nodeProperties(i).entrySet()) {
            c.property(e.getKey(), e.getValue());
        }
        return c.createEntityManagerFactory();
    }

    /** The rows, by plain JDBC (no cache involved): id 1..rows, counter 0, a 100-character payload. */
    private void load(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", "")) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "insert into bench_item (id, version, counter, payload) values (?, 0, 0, ?)")) {
                for (int id = 1; id <= o.rows(); id++) {
                    ps.setLong(1, id);
                    ps.setString(2, payload(id));
                    ps.addBatch();
                    if (id % 1_000 == 0 || id == o.rows()) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("analyze");
            }
            c.commit();
        }
    }

    private static String payload(int id) {
        StringBuilder b = new StringBuilder(100);
        while (b.length() < 100) {
            b.append("item-").append(id).append(' ');
        }
        return b.substring(0, 100);
    }

    // --- operations ------------------------------------------------------------------------------------------------

    /** Finds {@code id} in a new EntityManager (in a transaction with --read-tx); returns its counter. */
    private long find(EntityManagerFactory emf, long id) {
        EntityManager em = emf.createEntityManager();
        try {
            if (o.readTx()) {
                em.getTransaction().begin();
            }
            Item it = em.find(Item.class, id);
            if (it == null) {
                throw new IllegalStateException("row " + id + " not found");
            }
            long c = it.getCounter();
            if (o.readTx()) {
                em.getTransaction().commit();
            }
            return c;
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    /** Increments {@code id}'s counter in a transaction; false if it lost an optimistic-lock race (rolled back). */
    private boolean update(EntityManagerFactory emf, long id) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            Item it = em.find(Item.class, id);
            it.setCounter(it.getCounter() + 1);
            em.getTransaction().commit();
            return true;
        } catch (RuntimeException e) {
            if (isConflict(e)) {
                return false;
            }
            throw e;
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    private static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
        }
        return e instanceof RollbackException && e.getCause() == null;
    }

    /** Sets {@code id}'s counter to {@code value}, reading the row from the database under a row lock. */
    private void set(EntityManagerFactory emf, long id, long value) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            Item it = em.find(Item.class, id, LockModeType.PESSIMISTIC_WRITE);
            it.setCounter(value);
            em.getTransaction().commit();
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    private static Statistics stats(EntityManagerFactory emf) {
        return L2Systems.sf(emf).getStatistics();
    }

    private long[] l2Counts(int... which) {
        long hits = 0;
        long misses = 0;
        for (int i : which) {
            Statistics s = stats(nodes.get(i));
            hits += s.getSecondLevelCacheHitCount();
            misses += s.getSecondLevelCacheMissCount();
        }
        return new long[] {hits, misses};
    }

    private long[] l2CountsAll() {
        return l2Counts(0, 1, 2);
    }

    private long randomId() {
        return 1 + ThreadLocalRandom.current().nextInt(o.rows());
    }

    // --- warm-up ---------------------------------------------------------------------------------------------------

    /**
     * Fills the caches: node (id mod 3) finds each row once (the load); then every node finds it, in a second pass so
     * that no two nodes load one row at the same time. Every system gets the same warm-up: a per-node cache loads each
     * row on every node, a shared cache serves the second pass as hits, and a cache with node-local copies (Homeostat's
     * near cache, which the load itself does not fill) takes its copies then, as it would in an application that has
     * run a while.
     */
    private String warm() throws InterruptedException {
        long errors = forEachParallel(maxThreads(), o.rows(), k -> {
            long id = k + 1;
            find(nodes.get((int) (id % NODES)), id);
            return true;
        });
        errors += forEachParallel(maxThreads(), o.rows() * NODES, k -> {
            long id = 1 + k / NODES;
            find(nodes.get(k % NODES), id);
            return true;
        });
        if (errors > 0) {
            note("warm-up: " + errors + " finds failed");
        }
        return "one node loaded each row, then every node found it";
    }

    private int maxThreads() {
        int m = 1;
        for (int t : o.threads()) {
            m = Math.max(m, t);
        }
        return m;
    }

    /**
     * Runs {@code task(k)} for k = 0..n-1 on {@code threads} threads; returns how many threw or returned false. The
     * first failure is noted.
     */
    private long forEachParallel(int threads, int n, IntPredicate task) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong failed = new AtomicLong();
        String[] first = new String[1];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                int k;
                while ((k = next.getAndIncrement()) < n) {
                    try {
                        if (!task.test(k)) {
                            failed.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        synchronized (first) {
                            if (first[0] == null) {
                                first[0] = oneLine(e);
                            }
                        }
                    }
                }
            }, systemName + "-par-" + t);
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        if (first[0] != null) {
            note("first failure: " + first[0]);
        }
        return failed.get();
    }

    // --- workloads -------------------------------------------------------------------------------------------------

    /**
     * {@code threads} closed-loop clients, thread k on node k mod 3, ids uniform over the rows; {@code updatePercent}
     * of the operations are updates, the rest finds. Runs the warm-up, then the measured seconds: an operation counts
     * if it started inside the measured window.
     */
    private void measure(String workload, int threads, int updatePercent) throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmup());
        long end = measureFrom + TimeUnit.SECONDS.toNanos(o.seconds());
        Histogram[] all = new Histogram[threads];
        Histogram[] upd = new Histogram[threads];
        long[] ops = new long[threads];
        long[] conflicts = new long[threads];
        long[] errors = new long[threads];
        String[] firstError = new String[1];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            all[t] = new Histogram();
            upd[t] = new Histogram();
            EntityManagerFactory emf = nodes.get(t % NODES);
            Thread th = new Thread(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                long now;
                while ((now = System.nanoTime()) < end) {
                    long id = 1 + r.nextInt(o.rows());
                    boolean isUpdate = updatePercent > 0 && r.nextInt(100) < updatePercent;
                    boolean ok;
                    try {
                        ok = isUpdate ? update(emf, id) : find(emf, id) >= 0;
                    } catch (RuntimeException e) {
                        if (now >= measureFrom) {
                            errors[me]++;
                            synchronized (firstError) {
                                if (firstError[0] == null) {
                                    firstError[0] = oneLine(e);
                                }
                            }
                        }
                        continue;
                    }
                    long took = System.nanoTime() - now;
                    if (now >= measureFrom) {
                        if (ok) {
                            ops[me]++;
                            all[me].record(took);
                            if (isUpdate) {
                                upd[me].record(took);
                            }
                        } else {
                            conflicts[me]++;
                        }
                    }
                }
            }, systemName + "-" + workload + "-" + t);
            ts.add(th);
            th.start();
        }
        sleepUntil(measureFrom);
        long[] before = l2CountsAll();
        for (Thread th : ts) {
            th.join();
        }
        long[] after = l2CountsAll();
        double seconds = o.seconds(); // the operations that started inside the window, divided by the window
        Histogram h = new Histogram();
        Histogram u = new Histogram();
        long n = 0;
        long c = 0;
        long e = 0;
        for (int t = 0; t < threads; t++) {
            h.add(all[t]);
            u.add(upd[t]);
            n += ops[t];
            c += conflicts[t];
            e += errors[t];
        }
        Row row = new Row(systemName, workload, threads, seconds, n, h.quantile(0.5) / 1000.0,
                h.quantile(0.99) / 1000.0, u.total() == 0 ? Double.NaN : u.quantile(0.5) / 1000.0,
                after[0] - before[0], after[1] - before[1], c, e, firstError[0] == null ? "" : firstError[0]);
        rows.add(row);
        say("%-8s %2d threads: %,10.0f ops/s  p50 %9.1f µs  p99 %9.1f µs%s  L2 hits %s%s%s", workload, threads,
                row.opsPerSec(), row.p50us(), row.p99us(),
                updatePercent > 0 ? String.format(Locale.ROOT, "  update p50 %8.1f µs (p90 %.0f, p99 %.0f, p99.9 %.0f,"
                        + " max %.0f; %,d updates)", row.updateP50us(), u.quantile(0.9) / 1000.0,
                        u.quantile(0.99) / 1000.0, u.quantile(0.999) / 1000.0, u.quantile(1.0) / 1000.0, u.total())
                        : "",
                Double.isNaN(row.hitRatio()) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * row.hitRatio()),
                c > 0 ? "  update conflicts " + c : "", e > 0 ? "  errors " + e + " (first: " + firstError[0] + ")"
                        : "");
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    // --- stale-read probe ------------------------------------------------------------------------------------------

    /**
     * {@code staleTrials} trials, one after the other: the reader node finds a random row (so its cache holds it), the
     * writer node sets the row's counter to a new value and commits, then the reader finds it at once in a new
     * EntityManager. A stale read: the reader gets any other value than the one just committed. Writer and reader
     * rotate over the three node pairs. The writer reads the row under a database row lock
     * ({@code PESSIMISTIC_WRITE}, which bypasses the L2) so that its update always commits whatever its own cache
     * holds. Returns {stale reads, reads served by the L2, failed updates, read p50 in ns}.
     */
    private int[] staleProbe() {
        int stale = 0;
        int hits = 0;
        int failed = 0;
        Histogram reads = new Histogram();
        long t0 = System.nanoTime();
        for (int k = 0; k < o.staleTrials(); k++) {
            int writer = k % NODES;
            int reader = (k + 1 + (k / NODES) % 2) % NODES;
            long id = randomId();
            long value = 1_000_000_000L + k;
            try {
                find(nodes.get(reader), id);
                set(nodes.get(writer), id, value);
            } catch (RuntimeException e) {
                failed++;
                continue;
            }
            long h0 = stats(nodes.get(reader)).getSecondLevelCacheHitCount();
            long r0 = System.nanoTime();
            long seen = find(nodes.get(reader), id);
            reads.record(System.nanoTime() - r0);
            if (stats(nodes.get(reader)).getSecondLevelCacheHitCount() > h0) {
                hits++;
            }
            if (seen != value) {
                stale++;
            }
        }
        say("stale-read probe: %d trials in %.1f s: %d stale reads, %d of the reads served by the L2, %d failed "
                + "updates", o.staleTrials(), (System.nanoTime() - t0) / 1e9, stale, hits, failed);
        return new int[] {stale, hits, failed, (int) Math.min(Integer.MAX_VALUE, Math.round(reads.quantile(0.5)))};
    }

    // --- survival --------------------------------------------------------------------------------------------------

    /**
     * Node loss. Every node's cache is emptied ({@code Cache.evictAll()}), then row i of the first
     * {@code survivalRows} is loaded by node (i mod 3) alone, so each node caches a third. node-3 is stopped (its
     * factory closed; the system's member shut down gracefully). Then each row is read once by a surviving node that
     * did not load it: first the rows the survivors loaded, then the rows node-3 loaded. A hit means the entry cached
     * before the stop was still served by the L2 cluster-wide. Returns {own rows, their hits, lost node's rows, their
     * hits, leave ms, L2 lookups}.
     */
    private int[] survival(L2System system) throws InterruptedException {
        int n = Math.min(o.survivalRows(), o.rows());
        for (EntityManagerFactory emf : nodes) {
            emf.getCache().evictAll();
        }
        long errors = forEachParallel(maxThreads(), n, k -> {
            long id = k + 1;
            find(nodes.get((int) (id % NODES)), id);
            return true;
        });
        if (errors > 0) {
            note("survival: " + errors + " loads failed");
        }
        int victim = NODES - 1;
        long t0 = System.nanoTime();
        nodes.get(victim).close();
        stopped[victim] = true;
        system.nodeStopped(victim);
        long leaveMillis = (System.nanoTime() - t0) / 1_000_000;
        say("survival: %,d rows cached, a third by each node; node-%d stopped in %d ms", n, victim + 1, leaveMillis);
        int[] own = readAfterStop(n, false);
        int[] lost = readAfterStop(n, true);
        say("survival: rows cached by the survivors: %d of %d hits; rows cached by the stopped node: %d of %d hits",
                own[1], own[0], lost[1], lost[0]);
        return new int[] {own[0], own[1], lost[0], lost[1], (int) leaveMillis, own[2] + lost[2]};
    }

    /** Reads, on node-1 or node-2, each row that was loaded by node-3 ({@code lost}) or by the others. */
    private int[] readAfterStop(int n, boolean lost) throws InterruptedException {
        List<long[]> work = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            int loader = (int) (id % NODES);
            if ((loader == NODES - 1) != lost) {
                continue;
            }
            int reader = lost ? (int) ((id / NODES) % 2) : 1 - loader; // never the node that loaded it
            work.add(new long[] {id, reader});
        }
        long[] before = l2Counts(0, 1);
        long errors = forEachParallel(Math.min(8, maxThreads()), work.size(), k -> {
            long[] w = work.get(k);
            find(nodes.get((int) w[1]), w[0]);
            return true;
        });
        long[] after = l2Counts(0, 1);
        if (errors > 0) {
            note("survival: " + errors + " reads after the stop failed");
        }
        return new int[] {work.size(), (int) (after[0] - before[0]),
            (int) (after[0] - before[0] + after[1] - before[1])};
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String s = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (root != e) {
            s += " / " + root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        s = s.replaceAll("\\s+", " ");
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** The first of {@code count} consecutive ports that are free on 127.0.0.1 now, below the ephemeral range. */
    static int freeRange(int count) throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            boolean free = true;
            for (int p = base; p < base + count && free; p++) {
                try (ServerSocket s = new ServerSocket(p, 1, lo)) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no " + count + " consecutive free ports found on 127.0.0.1");
    }
}
