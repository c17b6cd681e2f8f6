package io.homeostat.sim;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A deterministic discrete-event simulator: many nodes, one thread, virtual time in microseconds.
 *
 * <p>One seed drives everything: node ids, each node's random source, the network's latency, loss and duplication.
 * Events are ordered by (time, insertion sequence), so two runs with the same seed and the same script process the same
 * events in the same order and produce the same {@link Trace} digest. Nothing here reads the wall clock.
 */
public final class Simulator {

    private static final int DELIVER = 0;
    private static final int TIMER = 1;
    private static final int ACTION = 2;

    private final long seed;
    private final SplittableRandom random;
    private final SimNetwork network = new SimNetwork();
    private final Trace trace;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Map<Address, SimNode> nodes = new LinkedHashMap<>();
    private final List<Address> membership = new ArrayList<>();
    private final List<Address> membershipView = Collections.unmodifiableList(membership);
    private boolean discoveryFollowsPartitions;
    private final Map<Class<?>, long[]> sentByType = new IdentityHashMap<>();
    private long nowMicros;
    private long sequence;
    private long eventsProcessed;
    private long messagesSent;
    private long messagesDropped;
    private TransmitObserver observer;

    public Simulator(long seed, Trace trace) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.trace = trace;
    }

    public long seed() {
        return seed;
    }

    public SimNetwork network() {
        return network;
    }

    public Trace trace() {
        return trace;
    }

    /** The simulator-level random source (scenario choices); nodes and the network draw from their own splits. */
    public SplittableRandom random() {
        return random;
    }

    public long nowMicros() {
        return nowMicros;
    }

    public long eventsProcessed() {
        return eventsProcessed;
    }

    public long messagesSent() {
        return messagesSent;
    }

    public long messagesDropped() {
        return messagesDropped;
    }

    /** Messages sent so far, by message type simple name, sorted by name. */
    public Map<String, Long> messagesByType() {
        Map<String, Long> out = new TreeMap<>();
        sentByType.forEach((k, v) -> out.put(k.getSimpleName(), v[0]));
        return out;
    }

    /** Every address ever added. */
    List<Address> membership() {
        return membershipView;
    }

    /**
     * What {@code viewer} discovers: every address ever added, or, once {@link #discoveryFollowsPartitions} is on, those
     * the network lets {@code viewer} reach both ways (as a JGroups view splits with the network).
     */
    List<Address> membership(Address viewer) {
        if (!discoveryFollowsPartitions || !network.isPartitioned()) {
            return membershipView;
        }
        List<Address> seen = new ArrayList<>();
        for (Address a : membership) {
            if (a.equals(viewer) || (network.reachable(viewer, a) && network.reachable(a, viewer))) {
                seen.add(a);
            }
        }
        return seen;
    }

    /**
     * Off by default: discovery then shows every address ever added, whatever the partitions. On, a node discovers only
     * the addresses it can reach both ways, like a JGroups member whose view split with the network.
     */
    public void discoveryFollowsPartitions(boolean on) {
        this.discoveryFollowsPartitions = on;
    }

    /** Adds a node (not started). Its protocol is built by {@code factory} at each start and restart. */
    public SimNode addNode(Address address, Supplier<? extends Protocol> factory) {
        if (nodes.containsKey(address)) {
            throw new IllegalArgumentException("duplicate node address " + address);
        }
        SimNode n = new SimNode(this, address, factory, random.split());
        nodes.put(address, n);
        membership.add(address);
        return n;
    }

    public SimNode node(Address address) {
        SimNode n = nodes.get(address);
        if (n == null) {
            throw new IllegalArgumentException("unknown node " + address);
        }
        return n;
    }

    public Collection<SimNode> nodes() {
        return Collections.unmodifiableCollection(nodes.values());
    }

    /** Starts (or restarts after a crash) a node with fresh protocol state. */
    public void start(Address address) {
        SimNode n = node(address);
        if (n.isAlive()) {
            throw new IllegalStateException(address + " is already running");
        }
        trace.record(nowMicros, address, "start", null, null);
        n.boot();
    }

    /** Crash-stops a node: its state is lost, its timers die, messages to it are dropped until it restarts. */
    public void crash(Address address) {
        SimNode n = node(address);
        if (n.isAlive()) {
            trace.record(nowMicros, address, "crash", null, null);
            n.halt();
        }
    }

    /** Runs {@code action} at virtual time {@code atMicros} (or now, if that has passed). */
    public void at(long atMicros, Runnable action) {
        enqueue(new Event(Math.max(atMicros, nowMicros), ACTION, null, 0, null, action));
    }

    /** Sees every message as it is sent; may crash nodes (faults aimed at protocol steps). */
    @FunctionalInterface
    public interface TransmitObserver {
        /** {@code message} from {@code from} to {@code to} was just handed to the network. */
        void sent(Address from, Address to, Message message);
    }

    /** Installs the one observer of sent messages (null removes it). */
    public void onTransmit(TransmitObserver observer) {
        this.observer = observer;
    }

    void transmit(Address from, Address to, Message message) {
        SimNode sender = nodes.get(from);
        if (sender != null && !sender.isAlive()) {
            messagesDropped++; // crashed in the middle of its handler: the rest of what it sends is lost
            return;
        }
        send(from, to, message);
        if (observer != null) {
            observer.sent(from, to, message);
        }
    }

    private void send(Address from, Address to, Message message) {
        messagesSent++;
        long[] count = sentByType.get(message.getClass());
        if (count == null) {
            count = new long[1];
            sentByType.put(message.getClass(), count);
        }
        count[0]++;
        SimNode target = nodes.get(to);
        if (target == null) {
            messagesDropped++;
            return;
        }
        if (from.equals(to)) {
            enqueue(new Event(nowMicros + 1, DELIVER, target, 0, from, message));
            return;
        }
        long[] delays = network.delaysMicros(from, to, nowMicros, random);
        if (delays.length == 0) {
            messagesDropped++;
        }
        for (long d : delays) {
            enqueue(new Event(nowMicros + d, DELIVER, target, 0, from, message));
        }
    }

    void scheduleTimer(SimNode node, long delayMicros, Object tag) {
        enqueue(new Event(nowMicros + delayMicros, TIMER, node, node.incarnation(), null, tag));
    }

    private void enqueue(Event e) {
        e.sequence = sequence++;
        queue.add(e);
    }

    /** Processes events up to and including virtual time {@code untilMicros}; then the clock reads that time. */
    public void runUntil(long untilMicros) {
        while (!queue.isEmpty() && queue.peek().time <= untilMicros) {
            step(queue.poll());
        }
        nowMicros = Math.max(nowMicros, untilMicros);
    }

    /**
     * Runs until {@code done} holds (tested every {@code checkEveryMicros}) or {@code deadlineMicros} passes. Returns
     * true if it held.
     */
    public boolean runUntil(BooleanSupplier done, long checkEveryMicros, long deadlineMicros) {
        while (nowMicros < deadlineMicros) {
            runUntil(Math.min(deadlineMicros, nowMicros + checkEveryMicros));
            if (done.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private void step(Event e) {
        nowMicros = e.time;
        eventsProcessed++;
        switch (e.type) {
            case DELIVER -> {
                if (e.target.isAlive()) {
                    trace.record(nowMicros, e.target.self(), "recv", e.from, e.payload);
                    e.target.deliver(e.from, (Message) e.payload);
                } else {
                    messagesDropped++;
                }
            }
            case TIMER -> {
                if (e.target.isAlive() && e.incarnation == e.target.incarnation()) {
                    trace.record(nowMicros, e.target.self(), "timer", null, e.payload);
                    e.target.fire(e.payload);
                }
            }
            default -> ((Runnable) e.payload).run();
        }
    }

    private static final class Event implements Comparable<Event> {
        final long time;
        final int type;
        final SimNode target;
        final int incarnation;
        final Address from;
        final Object payload;
        long sequence;

        Event(long time, int type, SimNode target, int incarnation, Address from, Object payload) {
            this.time = time;
            this.type = type;
            this.target = target;
            this.incarnation = incarnation;
            this.from = from;
            this.payload = payload;
        }

        @Override
        public int compareTo(Event o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }
}
