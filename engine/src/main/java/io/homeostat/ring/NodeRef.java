package io.homeostat.ring;

import io.homeostat.runtime.Address;

/** A ring member: its position on the circle and where to reach it. */
public record NodeRef(RingId id, Address address) {

    @Override
    public String toString() {
        return id.shortString() + "@" + address;
    }
}
