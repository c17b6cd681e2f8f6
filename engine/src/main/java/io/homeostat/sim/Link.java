package io.homeostat.sim;

import io.homeostat.runtime.Address;

/** A directed link between two simulated nodes. */
public record Link(Address from, Address to) {
}
