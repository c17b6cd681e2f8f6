package io.homeostat.wildflyit.app;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.PersistenceUnit;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.util.function.Function;
import javax.naming.InitialContext;
import org.hibernate.SessionFactory;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.stat.Statistics;

/**
 * The test application's window on its persistence unit: {@code GET /cache?op=put|rename|find&id=..&name=..} runs one
 * JTA transaction and answers {@code name=<name>;hits=<L2 hits>;misses=<L2 misses>;factory=<region factory>}, where
 * hits and misses are this request's, from Hibernate's Statistics.
 */
@WebServlet("/cache")
public class CacheServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @PersistenceUnit(unitName = "it")
    private transient EntityManagerFactory emf;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getParameter("op");
        long id = Long.parseLong(req.getParameter("id"));
        String name = req.getParameter("name");
        Statistics stats = emf.unwrap(SessionFactory.class).getStatistics();
        long hits0 = stats.getSecondLevelCacheHitCount();
        long misses0 = stats.getSecondLevelCacheMissCount();
        String result;
        try {
            switch (op) {
                case "put":
                    result = inTx(em -> {
                        em.persist(new Item(id, name));
                        return name;
                    });
                    break;
                case "rename":
                    result = inTx(em -> {
                        em.find(Item.class, id).setName(name);
                        return name;
                    });
                    break;
                case "find":
                    result = inTx(em -> {
                        Item i = em.find(Item.class, id);
                        return i == null ? null : i.getName();
                    });
                    break;
                default:
                    resp.sendError(400, "op must be put, rename or find");
                    return;
            }
        } catch (Exception e) {
            throw new IOException(op + " " + id + " failed: " + e, e);
        }
        String factory = emf.unwrap(SessionFactoryImplementor.class).getCache().getRegionFactory().getClass()
                .getName();
        resp.setContentType("text/plain");
        resp.getWriter().print("name=" + result + ";hits=" + (stats.getSecondLevelCacheHitCount() - hits0)
                + ";misses=" + (stats.getSecondLevelCacheMissCount() - misses0) + ";factory=" + factory);
    }

    private <T> T inTx(Function<EntityManager, T> work) throws Exception {
        UserTransaction tx = (UserTransaction) new InitialContext().lookup("java:comp/UserTransaction");
        tx.begin();
        EntityManager em = emf.createEntityManager();
        try {
            em.joinTransaction();
            T result = work.apply(em);
            tx.commit();
            return result;
        } catch (Exception e) {
            if (tx.getStatus() != jakarta.transaction.Status.STATUS_NO_TRANSACTION) {
                tx.rollback();
            }
            throw e;
        } finally {
            em.close();
        }
    }
}
