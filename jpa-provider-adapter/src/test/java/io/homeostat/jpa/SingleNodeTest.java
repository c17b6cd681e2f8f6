package io.homeostat.jpa;

import static io.homeostat.jpa.TestCluster.title;
import static io.homeostat.jpa.TestCluster.inTx;
import static io.homeostat.jpa.TestCluster.stats;
import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.jpa.model.Book;
import jakarta.persistence.EntityManagerFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One factory selected by the short name, no homeostat.* property: an embedded single-host cluster. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeTest {

    private TestCluster cluster;
    private EntityManagerFactory emf;

    @BeforeAll
    void start() {
        cluster = new TestCluster("single");
        emf = cluster.node("node-1");
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void statisticsCountPutsMissesAndHits() {
        inTx(emf, em -> em.persist(new Book(1L, "isbn-1", "Dune")));
        emf.getCache().evictAll();
        Statistics s = stats(emf);
        s.clear();

        assertThat(title(emf, 1L)).isEqualTo("Dune"); // miss, then put
        assertThat(s.getSecondLevelCacheMissCount()).isEqualTo(1);
        assertThat(s.getSecondLevelCachePutCount()).isEqualTo(1);
        assertThat(s.getSecondLevelCacheHitCount()).isZero();

        assertThat(title(emf, 1L)).isEqualTo("Dune"); // hit
        assertThat(s.getSecondLevelCacheHitCount()).isEqualTo(1);
        assertThat(s.getSecondLevelCacheMissCount()).isEqualTo(1);
        assertThat(emf.getCache().contains(Book.class, 1L)).isTrue();

        emf.getCache().evict(Book.class, 1L);
        assertThat(emf.getCache().contains(Book.class, 1L)).isFalse();
        assertThat(title(emf, 1L)).isEqualTo("Dune");
        assertThat(s.getSecondLevelCacheMissCount()).isEqualTo(2);
        assertThat(s.getSecondLevelCachePutCount()).isEqualTo(2);
    }
}
