package io.homeostat.jgroups;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.jgroups.Address;

/**
 * Engine endpoint name to JGroups address, with a grace period for members that left the JGroups view.
 *
 * <p>A route comes from a view (a member whose logical name JGroups knows) or from the sender of a received frame. A
 * route whose address is in the current view never expires. When its address leaves the view the route is kept for
 * {@code graceNanos} more, so a member that is alive but briefly outside this node's view (a partition being merged, a
 * view installed before the name is known) stays reachable, and a frame from it restarts the grace. After that the
 * route is forgotten: messages to a crashed member are then dropped here instead of being handed to JGroups forever.
 *
 * <p>Whether a member is "in the view" is decided by its JGroups <em>address</em>, never by its logical name, which
 * JGroups may not know yet for a member that just joined (pruning by name is what broke an earlier attempt).
 *
 * <p>At most {@code maxEntries} routes: beyond that, the routes of members outside the view that left it longest ago
 * are evicted first; routes in the view are never evicted (JGroups bounds the view).
 *
 * <p>Thread-safe; lookups are lock-free.
 */
final class RouteTable {

    /** An immutable route: {@code sinceNanos} is when the address was last seen outside the view (if not inView). */
    private record Route(Address address, boolean inView, long sinceNanos) {
    }

    private final ConcurrentMap<String, Route> routes = new ConcurrentHashMap<>();
    private final long graceNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private volatile Set<Address> viewMembers = Set.of();

    RouteTable(long graceMillis, int maxEntries, LongSupplier nanoClock) {
        if (graceMillis < 0 || maxEntries < 1) {
            throw new IllegalArgumentException("graceMillis " + graceMillis + ", maxEntries " + maxEntries);
        }
        this.graceNanos = graceMillis * 1_000_000L;
        this.maxEntries = maxEntries;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** The address of {@code endpoint}, or null if unknown or its grace has run out (then it is forgotten). */
    Address get(String endpoint) {
        Route r = routes.get(endpoint);
        if (r == null) {
            return null;
        }
        if (!r.inView && expired(r, nanoClock.getAsLong())) {
            routes.remove(endpoint, r);
            return null;
        }
        return r.address;
    }

    /**
     * A frame from {@code endpoint} arrived from {@code address}: it is alive there. Returns true if the route is new
     * or changed its address.
     */
    boolean learn(String endpoint, Address address) {
        Route old = routes.get(endpoint);
        boolean inView = viewMembers.contains(address);
        if (old != null && old.address.equals(address) && (old.inView || !inView)) {
            if (!old.inView) { // outside the view but talking to us: restart its grace
                routes.replace(endpoint, old, new Route(address, false, nanoClock.getAsLong()));
            }
            return false;
        }
        routes.put(endpoint, new Route(address, inView, nanoClock.getAsLong()));
        evictIfOverfull();
        return old == null || !old.address.equals(address);
    }

    /**
     * A new view: {@code named} maps the logical names JGroups knows to members of the view. Routes of addresses that
     * are not in {@code members} start (or continue) their grace. Returns the addresses whose routes were forgotten.
     */
    List<Address> onView(Set<Address> members, Map<String, Address> named) {
        viewMembers = Set.copyOf(members);
        long now = nanoClock.getAsLong();
        named.forEach((endpoint, address) -> routes.put(endpoint, new Route(address, true, now)));
        List<Address> forgotten = new ArrayList<>();
        for (Map.Entry<String, Route> e : routes.entrySet()) {
            Route r = e.getValue();
            boolean inView = members.contains(r.address);
            if (inView == r.inView) {
                if (!inView && expired(r, now) && routes.remove(e.getKey(), r)) {
                    forgotten.add(r.address);
                }
                continue;
            }
            routes.replace(e.getKey(), r, new Route(r.address, inView, now));
        }
        forgotten.addAll(evictIfOverfull());
        return forgotten;
    }

    /** Forgets the routes whose grace has run out; returns their addresses. */
    List<Address> expire() {
        long now = nanoClock.getAsLong();
        List<Address> forgotten = new ArrayList<>();
        for (Map.Entry<String, Route> e : routes.entrySet()) {
            Route r = e.getValue();
            if (!r.inView && expired(r, now) && routes.remove(e.getKey(), r)) {
                forgotten.add(r.address);
            }
        }
        return forgotten;
    }

    int size() {
        return routes.size();
    }

    private boolean expired(Route r, long now) {
        return now - r.sinceNanos >= graceNanos;
    }

    private List<Address> evictIfOverfull() {
        if (routes.size() <= maxEntries) {
            return List.of();
        }
        List<Address> evicted = new ArrayList<>(expire());
        synchronized (this) {
            int excess = routes.size() - maxEntries;
            if (excess <= 0) {
                return evicted;
            }
            List<Map.Entry<String, Route>> outside = new ArrayList<>();
            for (Map.Entry<String, Route> e : routes.entrySet()) {
                if (!e.getValue().inView) {
                    outside.add(Map.entry(e.getKey(), e.getValue()));
                }
            }
            long now = nanoClock.getAsLong();
            outside.sort(Comparator.comparingLong(e -> e.getValue().sinceNanos - now)); // oldest departure first
            for (int i = 0; i < outside.size() && excess > 0; i++) {
                Map.Entry<String, Route> e = outside.get(i);
                if (routes.remove(e.getKey(), e.getValue())) {
                    evicted.add(e.getValue().address);
                    excess--;
                }
            }
        }
        return evicted;
    }
}
