package io.homeostat.wiki;

import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Starts and stops the wiki with its web application: the persistence unit {@code wiki} (and with it this JVM's
 * Homeostat node, which Hibernate starts as its second-level cache), the optional seeding, and the status watcher.
 *
 * <p>Per-node settings are system properties passed through to {@link Persistence#createEntityManagerFactory} as
 * overrides: every {@code homeostat.*}, {@code hibernate.*} and {@code jakarta.persistence.*} property, and
 * {@code wiki.db.url} as the JDBC URL. {@code wiki.seed=N} inserts N generated pages if the database has none.
 */
public class WikiContext implements ServletContextListener {

    static final String WIKI = Wiki.class.getName();
    static final String NODE = NodeInfo.class.getName();
    static final String WATCHER = StatusWatcher.class.getName();
    private static final Logger LOG = Logger.getLogger(WikiContext.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent sce) {
        NodeInfo node = NodeInfo.fromSystemProperties();
        long t0 = System.nanoTime();
        EntityManagerFactory emf = Persistence.createEntityManagerFactory("wiki", overrides());
        Wiki wiki = new Wiki(emf);
        LOG.info(() -> "wiki: persistence unit and cache node started in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        int seed = Integer.getInteger("wiki.seed", 0);
        if (seed > 0 && wiki.pageCount() == 0) {
            long t1 = System.nanoTime();
            int n = wiki.seed(SeedData.generate(seed), 50);
            LOG.info(() -> "wiki: seeded " + n + " pages in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
        }
        StatusWatcher watcher = new StatusWatcher(wiki, node);
        watcher.start();
        sce.getServletContext().setAttribute(WIKI, wiki);
        sce.getServletContext().setAttribute(NODE, node);
        sce.getServletContext().setAttribute(WATCHER, watcher);
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        StatusWatcher watcher = (StatusWatcher) sce.getServletContext().getAttribute(WATCHER);
        if (watcher != null) {
            watcher.close();
        }
        Wiki wiki = (Wiki) sce.getServletContext().getAttribute(WIKI);
        if (wiki != null) {
            long t0 = System.nanoTime();
            System.err.println("wiki: closing the persistence unit; the cache node leaves the cluster");
            wiki.emf().close(); // the cache node leaves the cluster gracefully, handing its replicas off
            // stderr, not the logger: during JVM shutdown java.util.logging may already be reset
            System.err.println("wiki: persistence unit closed, cache node left in "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
    }

    static Map<String, Object> overrides() {
        Map<String, Object> out = new HashMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("homeostat.") || name.startsWith("hibernate.")
                    || name.startsWith("jakarta.persistence.")) {
                out.put(name, System.getProperty(name));
            }
        }
        String url = System.getProperty("wiki.db.url");
        if (url != null && !url.isBlank()) {
            out.put("jakarta.persistence.jdbc.url", url);
        }
        return out;
    }
}
