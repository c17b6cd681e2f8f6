package io.homeostat.jpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.SplittableRandom;
import org.hibernate.cache.spi.entry.StandardCacheEntryImpl;
import org.junit.jupiter.api.Test;

/** The compact form of entity cache entries: exact round trips, the Java-serialized fallback, malformed input. */
class EntityEntriesTest {

    private final Codec codec = new Codec(List.of(), 1 << 20);

    private static StandardCacheEntryImpl entry(String subclass, Object version, Serializable... state)
            throws ReflectiveOperationException {
        Constructor<StandardCacheEntryImpl> c = StandardCacheEntryImpl.class.getDeclaredConstructor(
                Serializable[].class, String.class, Object.class);
        c.setAccessible(true);
        return c.newInstance(state, subclass, version);
    }

    private static void assertSameEntry(Object actual, StandardCacheEntryImpl expected) {
        assertThat(actual).isInstanceOf(StandardCacheEntryImpl.class);
        StandardCacheEntryImpl a = (StandardCacheEntryImpl) actual;
        assertThat(a.getSubclass()).isEqualTo(expected.getSubclass());
        assertThat(a.getVersion()).isEqualTo(expected.getVersion());
        assertThat(a.getDisassembledState()).containsExactly(expected.getDisassembledState());
        for (int i = 0; i < a.getDisassembledState().length; i++) {
            Object v = a.getDisassembledState()[i];
            Object e = expected.getDisassembledState()[i];
            assertThat(v == null ? null : v.getClass()).isEqualTo(e == null ? null : e.getClass());
        }
    }

    @Test
    void everyScalarTypeRoundTripsExactlyAndSmallerThanJavaSerialization() throws Exception {
        assertThat(EntityEntries.available()).isTrue();
        StandardCacheEntryImpl e = entry("com.example.Item", 7L, 42L, -1, "text é ✓", "", null, true, false,
                Double.NaN, -0.0d, 1.5f, (short) -300, (byte) -7, 'x', Long.MIN_VALUE, Integer.MAX_VALUE);
        byte[] compact = codec.encode(e);
        assertThat(compact[0]).isEqualTo(Codec.ENTITY);
        assertSameEntry(codec.decode(compact), e);

        StandardCacheEntryImpl versionless = entry("V", null);
        assertSameEntry(codec.decode(codec.encode(versionless)), versionless);
        StandardCacheEntryImpl intVersion = entry("V", 3, "a");
        assertSameEntry(codec.decode(codec.encode(intVersion)), intVersion);

        // what the benchmark's entity disassembles to: about half the bytes of the deflated Java serialization
        StandardCacheEntryImpl item = entry("io.homeostat.bench.l2.Item", 7L, 7L, 12_345L, "x".repeat(100));
        byte[] small = codec.encode(item);
        assertThat(small[0]).isEqualTo(Codec.ENTITY);
        assertThat(small.length).isLessThan(180);
    }

    @Test
    void anEntryWithAnyOtherValueIsJavaSerializedAsBefore() throws Exception {
        StandardCacheEntryImpl withDate = entry("com.example.Event", 1L, 5L, new Date(0));
        byte[] b = codec.encode(withDate);
        assertThat(b[0]).isIn(Codec.SERIAL, Codec.SERIAL_DEFLATED);
        assertSameEntry(codec.decode(b), withDate);

        StandardCacheEntryImpl bytesValue = entry("com.example.Blob", null, (Serializable) new byte[] {1, 2});
        byte[] c = codec.encode(bytesValue);
        assertThat(c[0]).isIn(Codec.SERIAL, Codec.SERIAL_DEFLATED);
        assertThat((byte[]) ((StandardCacheEntryImpl) codec.decode(c)).getDisassembledState()[0])
                .containsExactly(1, 2);

        StandardCacheEntryImpl dateVersion = entry("com.example.Timed", new Date(5), "a");
        assertThat(codec.encode(dateVersion)[0]).isIn(Codec.SERIAL, Codec.SERIAL_DEFLATED);
    }

    @Test
    void malformedCompactEntriesAreRejectedNeverThrownThroughOrBuilt() throws Exception {
        byte[] good = codec.encode(entry("com.example.Item", 7L, 42L, "text", 1.5d));
        // every truncation, and the entry with a byte too many
        for (int len = 1; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> codec.decode(cut)).isInstanceOf(Codec.RejectedPayloadException.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> codec.decode(longer)).isInstanceOf(Codec.RejectedPayloadException.class);

        // a value count far beyond the bytes that follow (no huge array is allocated), an unknown value tag
        byte[] hugeCount = {Codec.ENTITY, 1, 'X', EntityEntries.V_NULL, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, 0x07};
        assertThatThrownBy(() -> codec.decode(hugeCount)).isInstanceOf(Codec.RejectedPayloadException.class);
        byte[] unknownTag = {Codec.ENTITY, 1, 'X', 99, 0};
        assertThatThrownBy(() -> codec.decode(unknownTag)).isInstanceOf(Codec.RejectedPayloadException.class)
                .hasMessageContaining("unknown value tag 99");
        byte[] overlongVarint = {Codec.ENTITY, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1};
        assertThatThrownBy(() -> codec.decode(overlongVarint)).isInstanceOf(Codec.RejectedPayloadException.class);

        // random damage: either a clean rejection or some well-formed entry, never another exception
        SplittableRandom r = new SplittableRandom(20261127);
        for (int i = 0; i < 20_000; i++) {
            byte[] damaged = good.clone();
            damaged[1 + r.nextInt(damaged.length - 1)] = (byte) r.nextInt(256);
            try {
                assertThat(codec.decode(damaged)).isInstanceOf(StandardCacheEntryImpl.class);
            } catch (Codec.RejectedPayloadException expected) {
                // rejected: read as a miss
            }
        }
    }
}
