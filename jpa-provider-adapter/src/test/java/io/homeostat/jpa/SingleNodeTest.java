package io.homeostat.jpa;

import static io.homeostat.jpa.TestCluster.cacheKey;
import static io.homeostat.jpa.TestCluster.cachedEntry;
import static io.homeostat.jpa.TestCluster.cachedTitle;
import static io.homeostat.jpa.TestCluster.regionFactory;
import static io.homeostat.jpa.TestCluster.releasesDone;
import static io.homeostat.jpa.TestCluster.title;
import static io.homeostat.jpa.TestCluster.inTx;
import static io.homeostat.jpa.TestCluster.stats;
import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.jpa.model.Book;
import jakarta.persistence.EntityManager;
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

    @Test
    void aHitReusesTheObjectDecodedFromTheSameEntryAndAnUpdateReplacesIt() {
        inTx(emf, em -> em.persist(new Book(7L, "isbn-7", "first")));
        emf.getCache().evictAll();
        assertThat(title(emf, 7L)).isEqualTo("first"); // load, cached

        Object hit = cachedEntry(emf, 7L);
        assertThat(hit).isNotNull();
        assertThat(cachedEntry(emf, 7L)).isSameAs(hit); // same bytes in the store: not decoded again

        inTx(emf, em -> em.find(Book.class, 7L).setTitle("second"));
        releasesDone(emf);
        assertThat(cachedEntry(emf, 7L)).isNotSameAs(hit);
        assertThat(cachedTitle(emf, 7L)).isEqualTo("second");

        emf.getCache().evict(Book.class, 7L);
        assertThat(cachedEntry(emf, 7L)).isNull();
    }

    /**
     * A region eviction while an update holds its lock lets a load that started after the eviction (and read the row
     * before the update committed) cache the old row over the lock; only the update's after-commit step removes it. So
     * that step must not be left to run after the commit returns: the read right after the commit sees the new title.
     */
    @Test
    void anEvictionDuringAnUpdateKeepsItsCacheStepBeforeTheCommitReturns() throws Exception {
        inTx(emf, em -> em.persist(new Book(11L, "isbn-11", "old")));
        releasesDone(emf);
        assertThat(title(emf, 11L)).isEqualTo("old");
        try (AutoCloseable held = regionFactory(emf).holdReleases()) {
            EntityManager writer = emf.createEntityManager();
            try {
                writer.getTransaction().begin();
                writer.find(Book.class, 11L).setTitle("new");
                writer.flush(); // the entry is locked in the cache now
                emf.getCache().evictAll();
                assertThat(title(emf, 11L)).isEqualTo("old"); // loaded after the eviction: may replace the older lock
                writer.getTransaction().commit();
            } finally {
                writer.close();
            }
            assertThat(title(emf, 11L)).isEqualTo("new");
        }
        releasesDone(emf);
        assertThat(title(emf, 11L)).isEqualTo("new");
    }

    @Test
    void aLoadThatReadTheOldRowCannotReplaceWhatAnUpdatePublishesAfterAnEvictionDuringIt() {
        RegionStore store = bookStore(emf);
        byte[] key = "generation-probe".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(store.putFromLoad(key, "old", store.now())).isTrue();
        RegionStore.LockId lock = store.lock(key); // an update locks the entry
        store.evictAll(); // a region eviction commits before the update's database commit
        long loadStarted = store.now(); // a load starts after the eviction and reads the old row
        // the eviction is seen after the database commit, so the step runs here and publishes the new value
        assertThat(store.afterUpdate(key, "new", lock)).isTrue();
        assertThat(store.get(key)).isEqualTo("new");
        // the load's put comes last: were the value published at the lock's (older) generation, it would win
        assertThat(store.putFromLoad(key, "old", loadStarted)).isFalse();
        assertThat(store.get(key)).isEqualTo("new");
    }

    private static RegionStore bookStore(EntityManagerFactory emf) {
        org.hibernate.engine.spi.SessionFactoryImplementor sf =
                emf.unwrap(org.hibernate.engine.spi.SessionFactoryImplementor.class);
        return ((DataAccess) sf.getMappingMetamodel().getEntityDescriptor(Book.class).getCacheAccessStrategy()).store;
    }

    @Test
    void hibernatesDefaultEntityKeyGetsTheCompactFormNotJavaSerialization() {
        Object key = cacheKey(emf, 7L);
        byte[] bytes = regionFactory(emf).keyCodec().bytes(key);
        assertThat(bytes[0]).isEqualTo((byte) 'E');
        // 'E', role (2 + name), tenant (2 + 0), id (tag + 8): no serialized class descriptors
        String role = io.homeostat.jpa.model.Book.class.getName();
        assertThat(bytes).hasSize(1 + 2 + role.length() + 2 + 9);
        // the exact form (every node, of every version, must compute the same store key for a row)
        java.nio.ByteBuffer expected = java.nio.ByteBuffer.allocate(bytes.length);
        expected.put((byte) 'E').putShort((short) role.length())
                .put(role.getBytes(java.nio.charset.StandardCharsets.UTF_8)).putShort((short) 0)
                .put(KeyCodec.SCRAMBLED_LONG).putLong(KeyCodec.scramble(7L));
        assertThat(bytes).isEqualTo(expected.array());
        assertThat(regionFactory(emf).keyCodec().bytes(key)).isEqualTo(bytes).isNotSameAs(bytes);
    }

    /** A read builds its store key in one array: byte for byte the prefix followed by the key's own bytes. */
    @Test
    void aKeyBuiltBehindAPrefixIsThePrefixAndTheKey() {
        KeyCodec codec = regionFactory(emf).keyCodec();
        byte[] prefix = bookStore(emf).entryPrefix();
        Object[] keys = {cacheKey(emf, 7L), cacheKey(emf, -1L), "a custom key",
            "x".repeat(3 * KeyCodec.MAX_RAW_KEY_BYTES)};
        for (Object key : keys) {
            byte[] plain = codec.bytes(key);
            assertThat(codec.bytes(prefix, key)).as("%s", key.toString().length() > 40 ? "a long key" : key)
                    .isEqualTo(Bytes.concat(prefix, plain));
        }
        assertThat(codec.bytes(keys[3])[0]).as("a long key is digested").isEqualTo((byte) 'H');
        assertThat(bookStore(emf).storeKey(codec.bytes(keys[0]))).isEqualTo(codec.bytes(prefix, keys[0]));
    }
}
