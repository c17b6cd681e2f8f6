package io.homeostat.jpa;

import io.homeostat.jpa.model.Book;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.h2.tools.Server;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.cache.spi.entry.CacheEntry;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.hibernate.stat.Statistics;

/**
 * Test fixture: one H2 database served over TCP on 127.0.0.1 (a free port), and entity manager factories, each its own
 * Homeostat node of one cluster, all sharing that database.
 */
final class TestCluster implements AutoCloseable {

    private final Server h2;
    private final String url;
    private final String clusterName;
    private final List<EntityManagerFactory> factories = new ArrayList<>();

    TestCluster(String clusterName) {
        this.clusterName = clusterName;
        System.setProperty("h2.bindAddress", "127.0.0.1");
        int port = freePort();
        try {
            h2 = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start H2 on 127.0.0.1:" + port, e);
        }
        url = "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:" + clusterName + ";DB_CLOSE_DELAY=-1";
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A factory that is node {@code nodeName} of this cluster; the first one creates the schema. */
    EntityManagerFactory node(String nodeName, Map<String, String> extra) {
        Map<String, Object> p = new HashMap<>();
        p.put("jakarta.persistence.jdbc.url", url);
        p.put("jakarta.persistence.jdbc.user", "sa");
        p.put("jakarta.persistence.jdbc.password", "");
        p.put("jakarta.persistence.schema-generation.database.action", factories.isEmpty() ? "drop-and-create"
                : "none");
        p.put(HomeostatSettings.CLUSTER_NAME, clusterName);
        p.put(HomeostatSettings.NODE_NAME, nodeName);
        p.putAll(extra);
        EntityManagerFactory emf = Persistence.createEntityManagerFactory("library", p);
        factories.add(emf);
        return emf;
    }

    EntityManagerFactory node(String nodeName) {
        return node(nodeName, Map.of());
    }

    String jdbcUrl() {
        return url;
    }

    static void inTx(EntityManagerFactory emf, Consumer<EntityManager> work) {
        call(emf, em -> {
            work.accept(em);
            return null;
        });
    }

    static <T> T call(EntityManagerFactory emf, Function<EntityManager, T> work) {
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            T result = work.apply(em);
            em.getTransaction().commit();
            return result;
        } finally {
            if (em.getTransaction().isActive()) {
                em.getTransaction().rollback();
            }
            em.close();
        }
    }

    /** Book {@code id}'s title as node {@code emf} reads it in a new transaction (null if there is no such book). */
    static String title(EntityManagerFactory emf, long id) {
        String[] t = new String[1];
        inTx(emf, em -> {
            Book b = em.find(Book.class, id);
            t[0] = b == null ? null : b.getTitle();
        });
        return t[0];
    }

    static Statistics stats(EntityManagerFactory emf) {
        return emf.unwrap(SessionFactoryImplementor.class).getStatistics();
    }

    static HomeostatRegionFactory regionFactory(EntityManagerFactory emf) {
        return (HomeostatRegionFactory) emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory();
    }

    /** The title in node {@code emf}'s view of the L2 entry of book {@code id}, or null if it has none. */
    static String cachedTitle(EntityManagerFactory emf, long id) {
        Object entry = cachedEntry(emf, id);
        if (entry == null) {
            return null;
        }
        EntityPersister p = emf.unwrap(SessionFactoryImplementor.class).getMappingMetamodel()
                .getEntityDescriptor(Book.class);
        int title = List.of(p.getPropertyNames()).indexOf("title");
        return (String) ((CacheEntry) entry).getDisassembledState()[title];
    }

    /** What node {@code emf}'s L2 returns to Hibernate for book {@code id}, or null on a miss. */
    static Object cachedEntry(EntityManagerFactory emf, long id) {
        SessionFactoryImplementor sf = emf.unwrap(SessionFactoryImplementor.class);
        EntityPersister p = sf.getMappingMetamodel().getEntityDescriptor(Book.class);
        EntityDataAccess access = p.getCacheAccessStrategy();
        Object key = access.generateCacheKey(id, p, sf, null);
        EntityManager em = emf.createEntityManager();
        try {
            return access.get(em.unwrap(SharedSessionContractImplementor.class), key);
        } finally {
            em.close();
        }
    }

    /** Book {@code id}'s Hibernate cache key as node {@code emf} makes it. */
    static Object cacheKey(EntityManagerFactory emf, long id) {
        SessionFactoryImplementor sf = emf.unwrap(SessionFactoryImplementor.class);
        EntityPersister p = sf.getMappingMetamodel().getEntityDescriptor(Book.class);
        return p.getCacheAccessStrategy().generateCacheKey(id, p, sf, null);
    }

    /**
     * Waits until every READ_WRITE after-commit step of these factories has run (they run off the committing thread),
     * so that a test can look at what a commit left in the cache.
     */
    static void releasesDone(EntityManagerFactory... emfs) {
        for (EntityManagerFactory emf : emfs) {
            try {
                if (!regionFactory(emf).awaitReleases(30_000)) {
                    throw new AssertionError("after-commit cache steps still running after 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Closes one factory (its node leaves the cluster). */
    void close(EntityManagerFactory emf) {
        factories.remove(emf);
        emf.close();
    }

    @Override
    public void close() {
        for (int i = factories.size() - 1; i >= 0; i--) {
            try {
                factories.get(i).close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        factories.clear();
        h2.stop();
    }
}
