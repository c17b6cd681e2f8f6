package io.homeostat.wiki;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;

/** The wiki's operations, each one JPA transaction. Thread-safe. */
final class Wiki {

    /** A save's outcome: saved, or a conflict with the version someone else saved since the form was loaded. */
    record SaveResult(boolean saved, Page current, String submitted) {
    }

    record Change(String title, int revision, String author, String summary, Instant created) {
    }

    private final EntityManagerFactory emf;

    Wiki(EntityManagerFactory emf) {
        this.emf = emf;
    }

    EntityManagerFactory emf() {
        return emf;
    }

    Statistics statistics() {
        return emf.unwrap(SessionFactory.class).getStatistics();
    }

    /** The page by title, through the natural-id and entity caches. */
    Optional<Page> page(String title) {
        return read(em -> Optional.ofNullable(em.unwrap(Session.class).bySimpleNaturalId(Page.class).load(title)));
    }

    /**
     * Saves a new text. {@code expectedVersion} is the version the editor started from, or -1 for a new page. If
     * the page changed since (or was created by someone else), nothing is saved and the result holds the current
     * page; the same when a concurrent save wins the race at commit ({@code @Version}).
     */
    SaveResult save(String title, long expectedVersion, String body, String author, String summary) {
        EntityManager em = emf.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            Page page = em.unwrap(Session.class).bySimpleNaturalId(Page.class).load(title);
            if (page == null && expectedVersion != -1) {
                tx.rollback();
                return new SaveResult(false, null, body);
            }
            if (page != null && page.getVersion() != expectedVersion) {
                tx.rollback();
                return new SaveResult(false, page, body);
            }
            Instant now = Instant.now();
            if (page == null) {
                page = new Page(title);
                page.change(body, author, now);
                em.persist(page);
            } else {
                page.change(body, author, now);
                em.createQuery("delete from PageLink l where l.source = :p").setParameter("p", page).executeUpdate();
            }
            em.persist(new Revision(page, page.getRevisions(), body, author, summary, now));
            for (String target : Titles.links(body)) {
                em.persist(new PageLink(page, target));
            }
            tx.commit();
            return new SaveResult(true, page, body);
        } catch (OptimisticLockException e) {
            return conflictAfterRace(title, body, tx);
        } catch (PersistenceException e) {
            if (e.getCause() instanceof OptimisticLockException
                    || e.getCause() instanceof org.hibernate.StaleStateException
                    || e.getCause() instanceof org.hibernate.exception.ConstraintViolationException) {
                return conflictAfterRace(title, body, tx);
            }
            throw e;
        } finally {
            if (tx.isActive()) {
                tx.rollback();
            }
            em.close();
        }
    }

    private SaveResult conflictAfterRace(String title, String body, EntityTransaction tx) {
        if (tx.isActive()) {
            tx.rollback();
        }
        return new SaveResult(false, page(title).orElse(null), body);
    }

    List<Revision> history(String title) {
        return read(em -> em.createQuery("select r from Revision r where r.page.title = :t order by r.number desc",
                Revision.class).setParameter("t", title).setMaxResults(500).getResultList());
    }

    Optional<Revision> revision(String title, int number) {
        return read(em -> em.createQuery("select r from Revision r where r.page.title = :t and r.number = :n",
                Revision.class).setParameter("t", title).setParameter("n", number).getResultStream().findFirst());
    }

    List<String> backlinks(String title) {
        return read(em -> em.createQuery("select distinct l.source.title from PageLink l where l.target = :t "
                + "order by l.source.title", String.class).setParameter("t", title).setMaxResults(200)
                .getResultList());
    }

    List<Change> recentChanges(int max) {
        return read(em -> em.createQuery("select r from Revision r join fetch r.page order by r.created desc, r.id desc",
                Revision.class).setMaxResults(max).getResultList().stream()
                .map(r -> new Change(r.getPage().getTitle(), r.getNumber(), r.getAuthor(), r.getSummary(),
                        r.getCreated()))
                .toList());
    }

    List<String> search(String query, int max) {
        String pattern = "%" + query.toLowerCase(java.util.Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                .replace("_", "\\_") + "%";
        return read(em -> em.createQuery("select p.title from Page p where lower(p.title) like :q escape '\\' "
                + "order by p.title", String.class).setParameter("q", pattern).setMaxResults(max).getResultList());
    }

    /** Inserts pages that do not exist yet, {@code batch} per transaction; returns how many were inserted. */
    int seed(List<SeedData.SeedPage> pages, int batch) {
        int inserted = 0;
        for (int from = 0; from < pages.size(); from += batch) {
            List<SeedData.SeedPage> chunk = pages.subList(from, Math.min(pages.size(), from + batch));
            inserted += read(em -> {
                int n = 0;
                for (SeedData.SeedPage sp : chunk) {
                    if (em.unwrap(Session.class).bySimpleNaturalId(Page.class).load(sp.title()) != null) {
                        continue;
                    }
                    Instant now = Instant.now();
                    Page page = new Page(sp.title());
                    page.change(sp.body(), "seed", now);
                    em.persist(page);
                    em.persist(new Revision(page, 1, sp.body(), "seed", "generated page", now));
                    for (String target : Titles.links(sp.body())) {
                        em.persist(new PageLink(page, target));
                    }
                    n++;
                }
                return n;
            });
        }
        return inserted;
    }

    long pageCount() {
        return read(em -> em.createQuery("select count(p) from Page p", Long.class).getSingleResult());
    }

    private <T> T read(Function<EntityManager, T> work) {
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
}
