package io.homeostat.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** RingId arithmetic against a BigInteger model of the circle. */
class RingIdTest {

    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(128);

    private static BigInteger big(RingId id) {
        return new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(id.hi()).putLong(id.lo()).array());
    }

    private static RingId of(BigInteger b) {
        BigInteger m = b.mod(MOD);
        return new RingId(m.shiftRight(64).longValue(), m.longValue());
    }

    @Provide
    Arbitrary<RingId> ids() {
        Arbitrary<Long> edgy = Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE));
        return Combinators.combine(edgy, edgy).as(RingId::new);
    }

    @Property
    void plusAndMinusAreModular(@ForAll("ids") RingId a, @ForAll("ids") RingId b) {
        assertThat(big(a.plus(b))).isEqualTo(big(a).add(big(b)).mod(MOD));
        assertThat(big(a.minus(b))).isEqualTo(big(a).subtract(big(b)).mod(MOD));
        assertThat(a.plus(b).minus(b)).isEqualTo(a);
    }

    @Property
    void plusPowerOfTwo(@ForAll("ids") RingId a, @ForAll @IntRange(min = 0, max = 127) int e) {
        assertThat(big(a.plusPowerOfTwo(e))).isEqualTo(big(a).add(BigInteger.ONE.shiftLeft(e)).mod(MOD));
    }

    @Property
    void intervalsMatchTheModel(@ForAll("ids") RingId x, @ForAll("ids") RingId a, @ForAll("ids") RingId b) {
        BigInteger dx = big(x).subtract(big(a)).mod(MOD);
        BigInteger db = big(b).subtract(big(a)).mod(MOD);
        boolean whole = a.equals(b);
        boolean open = whole ? !x.equals(a) : dx.signum() > 0 && dx.compareTo(db) < 0;
        boolean halfOpen = whole || (dx.signum() > 0 && dx.compareTo(db) <= 0);
        assertThat(x.inOpen(a, b)).isEqualTo(open);
        assertThat(x.inHalfOpen(a, b)).isEqualTo(halfOpen);
    }

    @Property
    void compareIsUnsigned(@ForAll("ids") RingId a, @ForAll("ids") RingId b) {
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(big(a).compareTo(big(b)));
    }

    @Property
    void hexRoundTrip(@ForAll("ids") RingId a) {
        assertThat(RingId.parse(a.toString())).isEqualTo(a);
        assertThat(of(big(a))).isEqualTo(a);
    }

    @Test
    void keysHashStably() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e: a change of hash would move every stored key
        assertThat(RingId.ofKey("")).hasToString("d41d8cd98f00b204e9800998ecf8427e");
        assertThat(RingId.ofKey("a")).isEqualTo(RingId.ofKey(new byte[] {'a'}));
    }

    @Test
    void wrapAroundIntervals() {
        RingId max = new RingId(-1, -1);
        assertThat(RingId.ZERO.inOpen(max, new RingId(0, 5))).isTrue();
        assertThat(max.next()).isEqualTo(RingId.ZERO);
        assertThat(max.inHalfOpen(new RingId(0, 5), max)).isTrue();
        assertThat(new RingId(0, 5).inOpen(new RingId(0, 5), new RingId(0, 5))).isFalse();
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> RingId.parse("abc")).hasMessageContaining("32 hex digits");
        assertThatThrownBy(() -> RingId.ZERO.plusPowerOfTwo(128)).isInstanceOf(IllegalArgumentException.class);
    }
}
