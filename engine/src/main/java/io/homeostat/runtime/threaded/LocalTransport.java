package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * An in-JVM {@link Transport}: a message is handed as the same (immutable) object to the destination's inbox, on the
 * sender's thread. Nothing is lost, duplicated or delayed, except that messages to an unregistered address are dropped
 * silently and counted in {@link #droppedMessages()}. A receiving node may still drop a message when its inbox is full.
 *
 * <p>Thread-safe.
 */
public final class LocalTransport implements Transport {

    private final ConcurrentMap<Address, Inbox> inboxes = new ConcurrentHashMap<>();
    private final LongAdder sentMessages = new LongAdder();
    private final LongAdder droppedMessages = new LongAdder();

    @Override
    public void register(Address self, Inbox inbox) {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(inbox, "inbox");
        if (inboxes.putIfAbsent(self, inbox) != null) {
            throw new IllegalStateException(self + " is already registered");
        }
    }

    @Override
    public void unregister(Address self) {
        inboxes.remove(Objects.requireNonNull(self, "self"));
    }

    @Override
    public void send(Address from, Address to, Message m) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(m, "m");
        sentMessages.increment();
        Inbox inbox = inboxes.get(to);
        if (inbox == null) {
            droppedMessages.increment();
            return;
        }
        inbox.deliver(from, m);
    }

    /** Messages passed to {@link #send}, delivered or not. */
    public long sentMessages() {
        return sentMessages.sum();
    }

    /** Messages dropped because no inbox was registered for their destination. */
    public long droppedMessages() {
        return droppedMessages.sum();
    }

    /** The currently registered addresses, sorted. */
    public Set<Address> registeredAddresses() {
        return new TreeSet<>(inboxes.keySet());
    }
}
