package io.homeostat.jpa;

import static io.homeostat.jpa.TestCluster.inTx;
import static io.homeostat.jpa.TestCluster.stats;
import static io.homeostat.jpa.TestCluster.title;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.jpa.model.Book;
import jakarta.persistence.EntityManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hibernate.cache.spi.access.EntityDataAccess;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Cache payloads are only deserialized behind the allow-list filter. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SerializationFilterTest {

    /** A class that is not on the allow-list; reading it would run its readObject. */
    static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean instantiated;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            instantiated = true;
        }
    }

    private TestCluster cluster;
    private EntityManagerFactory emf;
    private final Codec codec = new Codec(List.of(), 1 << 20);

    @BeforeAll
    void start() {
        cluster = new TestCluster("serialization");
        emf = cluster.node("node-1");
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @BeforeEach
    void reset() {
        Gadget.instantiated = false;
    }

    private static byte[] javaSerialized(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(Codec.SERIAL);
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void allowedValuesRoundTripCompactly() {
        List<Object> values = new ArrayList<>(List.of(42L, 7, "text", new BigDecimal("1.50"), LocalDate.of(2024, 2, 29),
                UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), new ArrayList<>(List.of("a", "b")),
                Map.of("k", 1L)));
        values.add(null);
        for (Object v : values) {
            assertThat(codec.decode(codec.encode(v))).isEqualTo(v);
        }
        assertThat(codec.encode(42L)).hasSize(9);
        assertThat(codec.encode("text")).hasSize(5);
    }

    @Test
    void aSerializedClassNotOnTheListIsRejectedBeforeItIsInstantiated() throws IOException {
        byte[] crafted = javaSerialized(new Gadget());
        assertThatThrownBy(() -> codec.decode(crafted)).isInstanceOf(Codec.RejectedPayloadException.class)
                .hasMessageContaining("deserialization filter").hasMessageContaining(Gadget.class.getName()
                        .substring(0, Gadget.class.getName().indexOf('$')));
        assertThatThrownBy(() -> codec.decode(javaSerialized(List.of(new Gadget()))))
                .isInstanceOf(Codec.RejectedPayloadException.class);
        assertThat(Gadget.instantiated).isFalse();

        Codec allowing = new Codec(List.of("io.homeostat.jpa.*"), 1 << 20); // homeostat.serialization.allow
        assertThat(allowing.allowed(Gadget.class)).isTrue();
        assertThat(codec.allowed(Gadget.class)).isFalse();
        assertThat(new Codec(List.of("com.example.**"), 1 << 20).allowed(java.net.URL.class)).isFalse();
    }

    @Test
    void aCraftedPayloadInTheStoreIsAMissNotAnObject() throws IOException {
        inTx(emf, em -> em.persist(new Book(1L, "isbn-1", "genuine")));
        assertThat(title(emf, 1L)).isEqualTo("genuine"); // cached
        HomeostatRegionFactory factory = TestCluster.regionFactory(emf);
        SessionFactoryImplementor sf = emf.unwrap(SessionFactoryImplementor.class);
        EntityPersister p = sf.getMappingMetamodel().getEntityDescriptor(Book.class);
        EntityDataAccess access = p.getCacheAccessStrategy();
        RegionStore store = ((DataAccess) access).store;
        byte[] key = store.storeKey(factory.keyCodec().bytes(access.generateCacheKey(1L, p, sf, null)));
        byte[] genuine = factory.store().get(key).orElseThrow();
        assertThat(Entry.parse(genuine)).isInstanceOf(Entry.Value.class);
        // a Book disassembles to scalars: stored in the compact form, which deserializes nothing
        assertThat(genuine[Entry.VALUE_PAYLOAD_OFFSET]).isEqualTo(Codec.ENTITY);

        // replace the payload with a java.net.URL: serializable, a JDK class, and not on the allow-list
        byte[] crafted = new Entry.Value(((Entry.Value) Entry.parse(genuine)).gen,
                javaSerialized(new java.net.URL("http://127.0.0.1/"))).toBytes();
        factory.store().put(key, crafted);
        long misses = stats(emf).getSecondLevelCacheMissCount();
        assertThat(title(emf, 1L)).isEqualTo("genuine"); // from the database
        assertThat(stats(emf).getSecondLevelCacheMissCount()).isEqualTo(misses + 1);

        byte[] gadget = new Entry.Value(((Entry.Value) Entry.parse(genuine)).gen, javaSerialized(new Gadget()))
                .toBytes();
        factory.store().put(key, gadget);
        assertThat(title(emf, 1L)).isEqualTo("genuine");
        assertThat(stats(emf).getSecondLevelCacheMissCount()).isEqualTo(misses + 2);
        assertThat(Gadget.instantiated).isFalse();
    }
}
