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
        assertThat(k.hashCode()).isEqualTo(java.util.Arrays.hashCode(new byte[] {1, 2, 3}));
        assertThat(Key.of("page:Main").hashCode())
                .isEqualTo(java.util.Arrays.hashCode("page:Main".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
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
