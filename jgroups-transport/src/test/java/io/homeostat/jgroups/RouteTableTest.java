package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.Address;
import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

/** Routes follow the view by JGroups address, with a grace period for members that left it; on a fake clock. */
class RouteTableTest {

    private static final long GRACE_MILLIS = 1_000;
    private static final long MILLI = 1_000_000L;

    private final AtomicLong nanos = new AtomicLong(42);
    private final RouteTable routes = new RouteTable(GRACE_MILLIS, 100, nanos::get);
    private final Address a = UUID.randomUUID();
    private final Address b = UUID.randomUUID();
    private final Address c = UUID.randomUUID();

    private void advanceMillis(long millis) {
        nanos.addAndGet(millis * MILLI);
    }

    @Test
    void aMemberThatLeftTheViewStaysRoutedForTheGracePeriodThenIsForgotten() {
        routes.onView(Set.of(a, b, c), Map.of("b", b, "c", c));
        routes.onView(Set.of(a, b), Map.of("b", b));
        advanceMillis(GRACE_MILLIS - 1);
        assertThat(routes.get("c")).isEqualTo(c);
        advanceMillis(1);
        assertThat(routes.get("c")).isNull();
        assertThat(routes.get("b")).isEqualTo(b);
        assertThat(routes.size()).isEqualTo(1);
    }

    @Test
    void aMemberInTheViewIsNeverForgotten() {
        routes.onView(Set.of(a, b), Map.of("b", b));
        advanceMillis(1_000 * GRACE_MILLIS);
        assertThat(routes.get("b")).isEqualTo(b);
        routes.onView(Set.of(a, b), Map.of("b", b));
        assertThat(routes.get("b")).isEqualTo(b);
    }

    @Test
    void aMemberThatComesBackWithinTheGraceKeepsItsRoute() {
        routes.onView(Set.of(a, c), Map.of("c", c));
        routes.onView(Set.of(a), Map.of());
        advanceMillis(GRACE_MILLIS / 2);
        routes.onView(Set.of(a, c), Map.of("c", c));
        advanceMillis(10 * GRACE_MILLIS);
        assertThat(routes.get("c")).isEqualTo(c);
    }

    /** The regression that reverted route pruning by name: a member whose name JGroups does not know yet. */
    @Test
    void aRouteLearnedFromAFrameIsKeptWhileItsAddressIsInTheViewEvenIfItsNameIsUnknown() {
        routes.onView(Set.of(a, b), Map.of()); // b joined, its logical name not yet in JGroups' NameCache
        assertThat(routes.learn("b", b)).isTrue();
        routes.onView(Set.of(a, b), Map.of()); // another view, name still unknown
        advanceMillis(10 * GRACE_MILLIS);
        assertThat(routes.get("b")).isEqualTo(b);
    }

    @Test
    void framesFromAMemberOutsideTheViewRestartItsGrace() {
        routes.onView(Set.of(a, c), Map.of("c", c));
        routes.onView(Set.of(a), Map.of());
        advanceMillis(GRACE_MILLIS - 1);
        assertThat(routes.learn("c", c)).isFalse();
        advanceMillis(GRACE_MILLIS - 1);
        assertThat(routes.get("c")).isEqualTo(c);
        advanceMillis(1);
        assertThat(routes.get("c")).isNull();
    }

    @Test
    void aRestartedMemberReplacesTheOldAddressOfItsName() {
        routes.onView(Set.of(a, c), Map.of("c", c));
        Address restarted = UUID.randomUUID();
        routes.onView(Set.of(a, restarted), Map.of("c", restarted));
        assertThat(routes.get("c")).isEqualTo(restarted);
        advanceMillis(10 * GRACE_MILLIS);
        assertThat(routes.get("c")).isEqualTo(restarted);
    }

    @Test
    void viewChangesForgetExpiredRoutesEvenIfNobodyAsks() {
        routes.onView(Set.of(a, b, c), Map.of("b", b, "c", c));
        routes.onView(Set.of(a, b), Map.of("b", b));
        advanceMillis(GRACE_MILLIS);
        assertThat(routes.onView(Set.of(a, b), Map.of("b", b))).containsExactly(c);
        assertThat(routes.size()).isEqualTo(1);
    }

    @Test
    void theTableIsBoundedByEvictingTheLongestDepartedFirst() {
        RouteTable small = new RouteTable(60_000, 3, nanos::get);
        small.onView(Set.of(a), Map.of());
        Address[] gone = new Address[4];
        for (int i = 0; i < gone.length; i++) {
            gone[i] = UUID.randomUUID();
            small.learn("gone-" + i, gone[i]); // outside the view: in grace from now
            advanceMillis(1);
        }
        assertThat(small.size()).isEqualTo(3);
        assertThat(small.get("gone-0")).isNull();
        assertThat(small.get("gone-3")).isEqualTo(gone[3]);

        Address b2 = UUID.randomUUID();
        Address c2 = UUID.randomUUID();
        Address d2 = UUID.randomUUID();
        small.onView(Set.of(a, b2, c2, d2), Map.of("b2", b2, "c2", c2, "d2", d2));
        assertThat(small.size()).isEqualTo(3); // members in the view win over departed ones
        assertThat(small.get("b2")).isEqualTo(b2);
        assertThat(small.get("d2")).isEqualTo(d2);
    }
}
