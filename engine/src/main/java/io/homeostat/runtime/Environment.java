package io.homeostat.runtime;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The one door through which nondeterminism reaches a protocol: time, timers, randomness, the network and discovery.
 *
 * <p>A protocol never reads a clock, creates a thread, opens a socket or seeds its own random generator; it asks its
 * environment. The simulator implements this with virtual time, a seeded generator and a simulated network, so that a
 * seed replays a run exactly; the threaded driver implements it with the real clock and a real transport.
 *
 * <p>Calls are only valid on the node's own event-loop thread, from inside a protocol handler.
 */
public interface Environment {

    /** This node's own address. */
    Address self();

    /** Monotonic milliseconds (virtual time in the simulator). Never goes backwards; unrelated to the wall clock. */
    long nowMillis();

    /** This node's seeded random source. */
    RandomGenerator random();

    /**
     * Puts a message into the outbox. Delivery is best effort: it may be lost, delayed, duplicated or reordered. Sending
     * to {@link #self()} is allowed and goes through the transport like any other message.
     */
    void send(Address to, Message message);

    /**
     * Asks for {@link Protocol#onTimer} to be called with {@code tag} after {@code delayMillis}. Timers cannot be
     * cancelled; protocols ignore stale tags (for example by carrying a generation number in the tag).
     */
    void setTimer(long delayMillis, Object tag);

    /**
     * Discovery: the addresses this node has heard of (seed lists, JGroups views, the simulator's membership). It may
     * include dead or unreachable nodes and need not include this node. Never null; may be empty.
     */
    List<Address> knownAddresses();
}
