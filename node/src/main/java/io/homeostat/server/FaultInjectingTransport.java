package io.homeostat.server;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.threaded.Discovery;
import io.homeostat.runtime.threaded.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link Transport} and {@link Discovery} in front of the real one that can cut this node off from named endpoints,
 * for fault-injection tests: messages to and from a dropped endpoint are discarded (and counted), and discovery stops
 * listing it. Dropping at this layer, rather than in the JGroups stack, cuts exactly the engine's traffic; JGroups may
 * still see the peer, which is fine because its views are only discovery hints.
 *
 * <p>A partition is made by telling every node on each side to drop the other side. With no endpoint dropped this is a
 * plain pass-through. Thread-safe: the drop set is replaced atomically.
 */
final class FaultInjectingTransport implements Transport, Discovery {

    private final Transport transport;
    private final Discovery discovery;
    private volatile Set<String> dropped = Set.of();
    private final LongAdder droppedOut = new LongAdder();
    private final LongAdder droppedIn = new LongAdder();

    FaultInjectingTransport(Transport transport, Discovery discovery) {
        this.transport = transport;
        this.discovery = discovery;
    }

    /** From now on, drop every message to or from these endpoints (replacing any earlier set). */
    void drop(Set<String> endpoints) {
        dropped = Set.copyOf(endpoints);
    }

    /** Stop dropping. */
    void heal() {
        dropped = Set.of();
    }

    Set<String> dropped() {
        return dropped;
    }

    long droppedOutgoing() {
        return droppedOut.sum();
    }

    long droppedIncoming() {
        return droppedIn.sum();
    }

    @Override
    public void register(Address self, Inbox inbox) {
        transport.register(self, (from, m) -> {
            if (dropped.contains(from.endpoint())) {
                droppedIn.increment();
                return;
            }
            inbox.deliver(from, m);
        });
    }

    @Override
    public void unregister(Address self) {
        transport.unregister(self);
    }

    @Override
    public void holdSendsOfThisThread() {
        transport.holdSendsOfThisThread();
    }

    @Override
    public void flush() {
        transport.flush();
    }

    @Override
    public void send(Address from, Address to, Message m) {
        if (dropped.contains(to.endpoint())) {
            droppedOut.increment();
            return;
        }
        transport.send(from, to, m);
    }

    @Override
    public List<Address> knownAddresses() {
        List<Address> all = discovery.knownAddresses();
        Set<String> d = dropped;
        if (d.isEmpty() || all == null) {
            return all;
        }
        List<Address> out = new ArrayList<>(all.size());
        for (Address a : all) {
            if (!d.contains(a.endpoint())) {
                out.add(a);
            }
        }
        return out;
    }
}
