package io.homeostat.runtime;

import java.util.Objects;

/**
 * Where a node can be reached: a transport endpoint plus a virtual-node index.
 *
 * <p>One process (one endpoint) can host several virtual nodes, each with its own ring position and event loop; they
 * share the endpoint and differ in {@code vnode}. In the simulator the endpoint is {@code sim:<index>}.
 *
 * <p>Addresses are values: equality and hash codes are stable across runs, which the simulator's trace digest needs.
 */
public record Address(String endpoint, int vnode) implements Comparable<Address> {

    public Address {
        Objects.requireNonNull(endpoint, "endpoint");
        if (endpoint.isEmpty()) {
            throw new IllegalArgumentException("endpoint must not be empty");
        }
        if (vnode < 0) {
            throw new IllegalArgumentException("vnode must be >= 0, was " + vnode);
        }
    }

    /** The address of simulated node {@code index}. */
    public static Address sim(int index) {
        return new Address("sim:" + index, 0);
    }

    @Override
    public int compareTo(Address o) {
        int c = endpoint.compareTo(o.endpoint);
        return c != 0 ? c : Integer.compare(vnode, o.vnode);
    }

    /** Written out (the same formula as the JDK's derived one) so that this hot path is a plain call. */
    @Override
    public int hashCode() {
        return 31 * endpoint.hashCode() + vnode;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && vnode == a.vnode && endpoint.equals(a.endpoint);
    }

    @Override
    public String toString() {
        return vnode == 0 ? endpoint : endpoint + "#" + vnode;
    }
}
