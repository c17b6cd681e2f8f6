package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Protocol;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The production driver: hosts several virtual nodes of one process, each a {@link ThreadedNode} with its own
 * {@link Address} (same endpoint, its own vnode index), protocol and thread (which also keeps its timers), all sharing
 * one {@link Transport}. The counterpart of the simulator's {@code Simulator}.
 *
 * <p>Discovery defaults to every address ever added to this driver (like the simulator's membership); pass a
 * {@link Discovery} for seed lists or a JGroups view. Thread-safe. {@link #close()} stops every node.
 */
public final class ThreadedDriver implements AutoCloseable {

    private final Transport transport;
    private final Discovery discovery;
    private final NodeOptions defaultOptions;
    private final long originNanos = WallClock.nanos();
    private final List<Address> membership = new CopyOnWriteArrayList<>();
    private final List<Address> membershipView = Collections.unmodifiableList(membership);
    private final Map<Address, ThreadedNode> nodes = new LinkedHashMap<>();
    private boolean closed;

    /** A driver whose nodes discover every address added to it, with {@link NodeOptions#defaults()}. */
    public ThreadedDriver(Transport transport) {
        this(transport, null, NodeOptions.defaults());
    }

    /**
     * @param transport      shared by all nodes
     * @param discovery      what nodes see as {@code knownAddresses()}; null for every address added to this driver
     * @param defaultOptions options of nodes added without their own
     */
    public ThreadedDriver(Transport transport, Discovery discovery, NodeOptions defaultOptions) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.discovery = discovery != null ? discovery : () -> membershipView;
        this.defaultOptions = Objects.requireNonNull(defaultOptions, "defaultOptions");
    }

    /** Creates and starts a node with the driver's default options. */
    public ThreadedNode addNode(Address address, Protocol protocol) {
        return addNode(address, protocol, defaultOptions);
    }

    /**
     * Creates and starts a node. An address whose previous node has stopped may be reused (a restart with fresh
     * protocol state).
     *
     * @throws IllegalStateException if a running node has this address, or the driver is closed
     */
    public synchronized ThreadedNode addNode(Address address, Protocol protocol, NodeOptions options) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (closed) {
            throw new IllegalStateException("driver is closed");
        }
        ThreadedNode old = nodes.get(address);
        if (old != null && !old.isTerminated()) {
            throw new IllegalStateException(address + " is already hosted by this driver");
        }
        ThreadedNode node = new ThreadedNode(address, protocol, transport, discovery, originNanos,
                options);
        nodes.put(address, node);
        if (!membership.contains(address)) {
            membership.add(address);
        }
        node.start();
        return node;
    }

    /** The node at {@code address} (running or stopped). */
    public synchronized ThreadedNode node(Address address) {
        ThreadedNode n = nodes.get(address);
        if (n == null) {
            throw new IllegalArgumentException("unknown node " + address);
        }
        return n;
    }

    /** Every node, running or stopped, in the order their addresses were first added. */
    public synchronized List<ThreadedNode> nodes() {
        return List.copyOf(nodes.values());
    }

    /** Every address ever added: the default discovery. */
    public List<Address> membership() {
        return membershipView;
    }

    public Transport transport() {
        return transport;
    }

    /** Milliseconds since this driver was created, on the clock its nodes' {@code nowMillis()} reads. */
    public long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(WallClock.nanos() - originNanos);
    }

    /** Stops every node, in parallel (each finishes the events queued before). Idempotent; nodes may be added later. */
    public void stopAll() {
        List<ThreadedNode> all = nodes();
        for (ThreadedNode n : all) {
            n.requestStop();
        }
        for (ThreadedNode n : all) {
            n.awaitStopped();
        }
    }

    /** Stops every node. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        stopAll();
    }

    @Override
    public synchronized String toString() {
        List<String> running = new ArrayList<>();
        nodes.forEach((a, n) -> {
            if (n.isRunning()) {
                running.add(a.toString());
            }
        });
        return "ThreadedDriver[" + running.size() + " running of " + nodes.size() + ": " + running + "]";
    }
}
