package io.homeostat.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The near cache stays within its entry and byte bounds, expires entries, and tells its listener of every change. */
class NearCacheTest {

    private final Set<Key> mirror = new HashSet<>();
    /** The end each installed entry's mirror copy was last given, by installation or by an extension. */
    private final Map<Key, Long> mirrorEnds = new HashMap<>();
    /** When each entry's mirror copy says it was last read. */
    private final Map<Key, Long> mirrorReads = new HashMap<>();

    private NearCache cache(int maxEntries) {
        NearCache c = new NearCache(maxEntries);
        c.setListener(new NearCacheListener() {
            @Override
            public NearCacheListener.Handle installed(Key key, Tag tag, Bytes value, long validUntilMillis) {
                mirror.add(key);
                mirrorEnds.put(key, validUntilMillis);
                return new NearCacheListener.Handle() {
                    @Override
                    public long lastReadMillis() {
                        return mirrorReads.getOrDefault(key, Long.MIN_VALUE);
                    }

                    @Override
                    public void extend(long validUntilMillis) {
                        mirrorEnds.put(key, validUntilMillis);
                    }
                };
            }

            @Override
            public void removed(Key key) {
                mirror.remove(key);
            }
        });
        return c;
    }

    @Test
    void theOldestEntriesGoWhenEitherBoundIsReached() {
        NearCache c = cache(3);
        for (int i = 0; i < 5; i++) {
            c.install(Key.of("k" + i), Tag.ZERO, Bytes.of("v"), 100);
        }
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.valid(Key.of("k0"), 0)).isNull();
        assertThat(c.valid(Key.of("k4"), 0)).isNotNull();

        NearCache big = cache(1_000);
        byte[] mib = new byte[(int) (NearCache.MAX_VALUE_BYTES / 16)];
        for (int i = 0; i < 40; i++) {
            big.install(Key.of("b" + i), Tag.ZERO, Bytes.of(mib), 100);
        }
        assertThat((long) big.size() * mib.length).isLessThanOrEqualTo(NearCache.MAX_VALUE_BYTES);
        big.install(Key.of("huge"), Tag.ZERO, Bytes.of(new byte[mib.length + 1]), 100);
        assertThat(big.valid(Key.of("huge"), 0)).as("a value over a sixteenth of the bound is not kept").isNull();
        assertThat(mirror).hasSize(c.size() + big.size());
    }

    @Test
    void aSweepOffersTheDueEntriesAndDropsTheLapsedOnes() {
        NearCache c = cache(100);
        byte[] sixteenth = new byte[(int) (NearCache.MAX_VALUE_BYTES / 16)];
        c.install(Key.of("lapsed"), 1, Tag.ZERO, Bytes.of(sixteenth), 100, 70, 0);
        c.install(Key.of("due"), 2, Tag.ZERO, Bytes.of("v"), 300, 150, 0);
        c.install(Key.of("later"), 3, Tag.ZERO, Bytes.of("v"), 400, 350, 0);
        Set<Key> due = new HashSet<>();
        c.forEachDue(200, (k, e) -> {
            due.add(k);
            assertThat(e.group()).as("the group given at installation").isEqualTo(2);
        });
        assertThat(due).containsExactly(Key.of("due"));
        assertThat(c.size()).as("the lapsed entry is gone, not left for the bounds").isEqualTo(2);
        assertThat(mirror).containsExactlyInAnyOrder(Key.of("due"), Key.of("later"));
        // its bytes went with it: fifteen more sixteenths of the byte bound fit without pushing anything out
        for (int i = 0; i < 15; i++) {
            c.install(Key.of("b" + i), Tag.ZERO, Bytes.of(sixteenth), 1_000);
        }
        assertThat(c.size()).isEqualTo(17);
        assertThat(c.valid(Key.of("due"), 200)).isNotNull();
    }

    @Test
    void anEntryEndsAtItsValidityAndOnRemoval() {
        NearCache c = cache(10);
        c.install(Key.of("a"), Tag.ZERO, null, 100);
        c.install(Key.of("b"), Tag.ZERO, Bytes.of("x"), 100);
        assertThat(c.valid(Key.of("a"), 99)).isNotNull();
        assertThat(c.valid(Key.of("a"), 100)).isNull();
        c.remove(Key.of("b"));
        assertThat(c.valid(Key.of("b"), 0)).isNull();
        assertThat(mirror).isEmpty();
    }

    @Test
    void aRenewalExtendsTheMirrorsCopyInPlaceAndReadsOnCallersThreadsCount() {
        NearCache c = cache(10);
        Key k = Key.of("k");
        Tag t = Tag.ZERO;
        c.install(k, 5, t, Bytes.of("v"), 100, 70, 0);
        mirrorReads.put(k, 60L); // a hit on a caller's thread, recorded by the mirror's copy
        assertThat(NearCache.lastUsedMillis(c.valid(k, 80))).isEqualTo(60);

        assertThat(c.extend(k, t, 200, 170, 80)).isTrue();
        assertThat(mirrorEnds).containsEntry(k, 200L);
        NearCache.Entry e = c.valid(k, 150);
        assertThat(e).isNotNull();
        assertThat(e.group()).isEqualTo(5);
        assertThat(NearCache.lastUsedMillis(e)).as("the same mirror copy after the extension").isEqualTo(60);

        assertThat(c.extend(k, t, 150, 120, 90)).as("never shortened").isFalse();
        assertThat(mirrorEnds).containsEntry(k, 200L);
        Tag later = t.next(new Address("w", 1), 1);
        assertThat(c.extend(k, later, 300, 270, 90)).as("another value is not extended").isFalse();
        assertThat(mirrorEnds).containsEntry(k, 200L);
    }
}
