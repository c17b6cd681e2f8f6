package io.homeostat.sim;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * One simulated node: the {@link Environment} its protocol sees, backed by the simulator's virtual clock, event queue
 * and network. A crash discards the protocol's state; a restart builds a fresh protocol from the factory.
 */
public final class SimNode implements Environment {

    private final Simulator sim;
    private final Address address;
    private final Supplier<? extends Protocol> factory;
    private final SplittableRandom random;
    private Protocol protocol;
    private int incarnation;

    SimNode(Simulator sim, Address address, Supplier<? extends Protocol> factory, SplittableRandom random) {
        this.sim = sim;
        this.address = address;
        this.factory = factory;
        this.random = random;
    }

    /** The running protocol, or null while crashed or stopped. */
    public Protocol protocol() {
        return protocol;
    }

    public boolean isAlive() {
        return protocol != null;
    }

    int incarnation() {
        return incarnation;
    }

    void boot() {
        incarnation++;
        protocol = factory.get();
        protocol.start(this);
    }

    void halt() {
        incarnation++;
        protocol = null;
    }

    void deliver(Address from, Message m) {
        protocol.onMessage(this, from, m);
    }

    void fire(Object tag) {
        protocol.onTimer(this, tag);
    }

    @Override
    public Address self() {
        return address;
    }

    @Override
    public long nowMillis() {
        return sim.nowMicros() / 1_000;
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    @Override
    public void send(Address to, Message message) {
        sim.transmit(address, to, message);
    }

    @Override
    public void setTimer(long delayMillis, Object tag) {
        sim.scheduleTimer(this, Math.max(0, delayMillis) * 1_000, tag);
    }

    @Override
    public List<Address> knownAddresses() {
        return sim.membership(address);
    }

    @Override
    public String toString() {
        return "SimNode[" + address + (isAlive() ? "" : ", down") + "]";
    }
}
