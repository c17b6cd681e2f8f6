package io.homeostat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyTest {

    @Test
    void equalityIsByContentAndKeysAreImmutable() {
        byte[] b = {1, 2, 3};
        Key k = Key.of(b);
        b[0] = 9;
        assertThat(k).isEqualTo(Key.of(new byte[] {1, 2, 3})).hasSameHashCodeAs(Key.of(new byte[] {1, 2, 3}));
        byte[] out = k.toBytes();
        out[1] = 9;
        assertThat(k.toBytes()).containsExactly(1, 2, 3);
        assertThat(Key.of("page:Main")).isEqualTo(Key.of("page:Main".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The caller-side near-cache mirror looks keys up by their bytes and by Key alike, relying on this. */
    @Test
    void comparesWithRawBytesWithoutACopyAndHashesLikeThem() {
        byte[] b = {1, 2, 3};
        Key k = Key.of(b);
        assertThat(k.contentEquals(new byte[] {1, 2, 3})).isTrue();
        assertThat(k.contentEquals(new byte[] {1, 2})).isFalse();
        assertThat(k.contentEquals(new byte[] {1, 2, 4})).isFalse();
        assertThat(k.hashCode()).isEqualTo(Bytes.hash(new byte[] {1, 2, 3}));
        assertThat(Key.of("page:Main").hashCode())
                .isEqualTo(Bytes.hash("page:Main".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * The hash reads eight bytes at a time: every length around the word size, and a change in any one byte, must
     * still change it (and keys that differ only in their last bytes, as scrambled ids do not but others may, must
     * spread over many values).
     */
    @Test
    void hashDependsOnEveryByteAndSpreadsSimilarKeys() {
        java.util.Random random = new java.util.Random(18);
        for (int n = 0; n <= 40; n++) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            int h = Bytes.hash(b);
            assertThat(Bytes.hash(b.clone())).isEqualTo(h);
            assertThat(Bytes.hash(java.util.Arrays.copyOf(b, n + 1))).as("length %d and one zero byte more", n)
                    .isNotEqualTo(h);
            for (int i = 0; i < n; i++) {
                byte[] c = b.clone();
                c[i] ^= 1;
                assertThat(Bytes.hash(c)).as("length %d, byte %d flipped", n, i).isNotEqualTo(h);
            }
        }
        java.util.Set<Integer> buckets = new java.util.HashSet<>();
        byte[] prefix = "hs/l2/io.example.Item\0eE".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int id = 0; id < 10_000; id++) {
            byte[] b = java.util.Arrays.copyOf(prefix, prefix.length + 4);
            b[prefix.length + 2] = (byte) (id >>> 8);
            b[prefix.length + 3] = (byte) id;
            buckets.add(Bytes.hash(b) & 0x3FFF); // a 16,384-bucket table
        }
        assertThat(buckets.size()).as("buckets used by 10,000 keys with consecutive last bytes").isGreaterThan(7_000);
    }

    @Test
    void printsTextOrHex() {
        assertThat(Key.of("page:Main")).hasToString("page:Main");
        assertThat(Key.of(new byte[] {0, (byte) 0xff})).hasToString("0x00ff");
    }

    @Test
    void ordersUnsigned() {
        assertThat(Key.of(new byte[] {(byte) 0x80}).compareTo(Key.of(new byte[] {0x7f}))).isPositive();
        assertThat(Key.of("a").compareTo(Key.of("ab"))).isNegative();
    }

    @Test
    void oversizedKeysAreRejectedWithTheLimit() {
        assertThatThrownBy(() -> Key.of(new byte[Key.MAX_KEY_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
    }
}
