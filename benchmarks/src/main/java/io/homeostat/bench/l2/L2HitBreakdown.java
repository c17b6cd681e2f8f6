package io.homeostat.bench.l2;

import io.homeostat.jpa.HomeostatSettings;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.SharedCacheMode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.hibernate.jpa.HibernatePersistenceConfiguration;

/**
 * Where the time of one Homeostat L2 find goes, on one thread, with nothing else running in the JVM: 3 Homeostat
 * nodes (JGroups on 127.0.0.1), one in-memory H2 database, the benchmark's {@link Item}. Each step is timed
 * operation by operation (System.nanoTime around each), and its p50 and mean are printed:
 * <ol>
 *   <li>{@code open+close}: an EntityManager opened and closed, nothing else (the session's cluster-clock read
 *   included);</li>
 *   <li>{@code region get}: {@code Cache.contains(Item, id)} of an entry this node holds a read lease on: cache key,
 *   near reads of the entry and the region generation, decode; no session;</li>
 *   <li>{@code find, near hit}: open, {@code find}, close, for rows this node read within the lease;</li>
 *   <li>{@code find, near miss}: the same for rows cached by another node and never read on this one: the first read
 *   asks the replicas for the value and a lease (one round trip);</li>
 *   <li>{@code find, database}: the same with {@code CacheRetrieveMode.BYPASS}: one H2 query, no L2 read.</li>
 * </ol>
 * Not a comparison between systems (that is {@link L2Benchmark}): it explains one system's figures. Usage:
 * {@code L2HitBreakdown [--rows 1000] [--rounds 20] [--port 7950]}; Homeostat settings may be given as system
 * properties (e.g. {@code -Dhomeostat.near-cache.reuse-decoded=false}).
 */
public final class L2HitBreakdown {

    private L2HitBreakdown() {
    }

    public static void main(String[] args) throws Exception {
        int[] opt = {1_000, 20, 7_950}; // rows, rounds, port
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> opt[0] = Integer.parseInt(args[i + 1]);
                case "--rounds" -> opt[1] = Integer.parseInt(args[i + 1]);
                case "--port" -> opt[2] = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int rows = opt[0];
        int rounds = opt[1];
        int port = opt[2];
        String db = "jdbc:h2:mem:breakdown-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        String cluster = "breakdown-" + UUID.randomUUID().toString().substring(0, 8);
        List<EntityManagerFactory> nodes = new ArrayList<>();
        try (Connection keepOpen = DriverManager.getConnection(db, "sa", "")) {
            for (int i = 0; i < 3; i++) {
                nodes.add(node(db, cluster, port, i));
            }
            insert(keepOpen, 2 * rows);
            EntityManagerFactory me = nodes.get(0);
            // rows 1..rows: cached by node-2; rows+1..2*rows: cached by node-2 too, read on node-1 only when measured
            for (long id = 1; id <= 2L * rows; id++) {
                find(nodes.get(1), id, false);
            }
            System.out.printf(Locale.ROOT, "L2HitBreakdown: %d rows, %d rounds, reuse-decoded=%s, lease-millis=%s%n",
                    rows, rounds, System.getProperty(HomeostatSettings.NEAR_CACHE_REUSE_DECODED, "default"),
                    System.getProperty(HomeostatSettings.NEAR_CACHE_LEASE_MILLIS, "default"));
            long[] missIds = new long[rows];
            Arrays.setAll(missIds, i -> rows + 1L + i);
            long[] hitIds = new long[rows];
            Arrays.setAll(hitIds, i -> 1L + i);
            for (int r = 0; r < 3; r++) { // JIT warm-up of every path, then the same again measured
                run("open+close", 10_000, i -> me.createEntityManager().close(), r == 2);
                for (long id : hitIds) {
                    find(me, id, false); // take the leases
                }
                run("region get", rounds * rows,
                        i -> me.getCache().contains(Item.class, hitIds[(int) (i % rows)]), r == 2);
                for (long id : hitIds) {
                    find(me, id, false);
                }
                run("find, near hit", rounds * rows, i -> find(me, hitIds[(int) (i % rows)], false), r == 2);
                if (r == 2) {
                    run("find, near miss", rows, i -> find(me, missIds[(int) i], false), true);
                }
                run("find, database", rows, i -> find(me, hitIds[(int) i], true), r == 2);
            }
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).close();
            }
        }
    }

    private static void run(String what, int n, LongConsumer op, boolean print) {
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            op.accept(i);
            ns[i] = System.nanoTime() - t;
        }
        if (print) {
            long sum = Arrays.stream(ns).sum();
            Arrays.sort(ns);
            System.out.printf(Locale.ROOT, "  %-16s %7d ops  p50 %9.2f µs  p90 %9.2f µs  mean %9.2f µs%n", what, n,
                    ns[n / 2] / 1e3, ns[n * 9 / 10] / 1e3, sum / 1e3 / n);
        }
    }

    private static void find(EntityManagerFactory emf, long id, boolean bypass) {
        EntityManager em = emf.createEntityManager();
        try {
            Item it = bypass
                    ? em.find(Item.class, id, Map.of("jakarta.persistence.cache.retrieveMode", CacheRetrieveMode.BYPASS))
                    : em.find(Item.class, id);
            if (it == null) {
                throw new IllegalStateException("row " + id + " not found");
            }
        } finally {
            em.close();
        }
    }

    private static EntityManagerFactory node(String db, String cluster, int port, int i) {
        HibernatePersistenceConfiguration c = new HibernatePersistenceConfiguration("breakdown-" + i)
                .managedClass(Item.class)
                .sharedCacheMode(SharedCacheMode.ENABLE_SELECTIVE)
                .jdbcUrl(db)
                .jdbcCredentials("sa", "")
                .jdbcPoolSize(4)
                .property("jakarta.persistence.schema-generation.database.action", i == 0 ? "create" : "none")
                .property("hibernate.cache.use_second_level_cache", "true")
                .property("hibernate.cache.use_query_cache", "false")
                .property("hibernate.cache.region.factory_class", "homeostat")
                .property(HomeostatSettings.CLUSTER_NAME, cluster)
                .property(HomeostatSettings.NODE_NAME, "node-" + (i + 1))
                .property(HomeostatSettings.TRANSPORT_PORT, Integer.toString(port))
                .property(HomeostatSettings.TRANSPORT_PORT_RANGE, "5");
        return c.createEntityManagerFactory();
    }

    private static void insert(Connection c, int rows) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(
                "insert into bench_item (id, version, counter, payload) values (?, 0, 0, ?)")) {
            for (int id = 1; id <= rows; id++) {
                ps.setLong(1, id);
                ps.setString(2, ("item-" + id + " ").repeat(20).substring(0, 100));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
