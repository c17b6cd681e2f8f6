package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import java.util.Collection;
import java.util.List;

/**
 * Where a {@link ThreadedNode} gets {@link io.homeostat.runtime.Environment#knownAddresses()}: a seed list, a JGroups
 * view, or the addresses a {@link ThreadedDriver} hosts.
 *
 * <p>Called on node threads, concurrently, once per protocol call of {@code knownAddresses()}: implementations must be
 * thread-safe and cheap. The list may include dead nodes and need not include the caller.
 */
@FunctionalInterface
public interface Discovery {

    /** The addresses currently known; never null (a null answer is treated as empty). */
    List<Address> knownAddresses();

    /** A fixed seed list. */
    static Discovery fixed(Collection<Address> addresses) {
        List<Address> copy = List.copyOf(addresses);
        return () -> copy;
    }
}
