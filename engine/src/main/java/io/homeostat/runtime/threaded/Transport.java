package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;

/**
 * Moves messages between the event loops of {@link ThreadedNode}s: in one JVM ({@link LocalTransport}) or between
 * processes (the JGroups module).
 *
 * <p>Delivery is best effort, exactly as {@link io.homeostat.runtime.Environment#send} promises the protocols: a message
 * may be lost, delayed, duplicated or reordered, and nobody is told. The protocols above cope with that.
 *
 * <h2>Contract for implementations</h2>
 * <ul>
 *   <li>All methods are thread-safe: every node thread sends concurrently.</li>
 *   <li>{@link #send} never blocks on the receiver and never throws because the destination is unknown, unreachable or
 *   overloaded; such a message is dropped (an implementation should count it).</li>
 *   <li>Sending to the sender's own address is allowed and is delivered like any other message.</li>
 *   <li>An {@link Inbox} may be called from any thread, concurrently; {@link ThreadedNode}'s inbox only enqueues and
 *   never blocks, so a transport may call it from its receiving thread (or, in-JVM, from the sender's thread).</li>
 *   <li>Messages are immutable values; an in-JVM transport may hand the same object to the receiver, a remote one
 *   serializes it.</li>
 * </ul>
 */
public interface Transport {

    /**
     * Makes {@code self} reachable: messages sent to it from now on are handed to {@code inbox}.
     *
     * @throws IllegalStateException if {@code self} is already registered
     */
    void register(Address self, Inbox inbox);

    /** Makes {@code self} unreachable; later messages to it are dropped. Does nothing if it is not registered. */
    void unregister(Address self);

    /** Sends {@code m} from {@code from} to {@code to}, best effort. Never blocks on the receiver. */
    void send(Address from, Address to, Message m);

    /**
     * From now on, what the calling thread sends may be held back until it calls {@link #flush()}, so that the messages
     * one turn of its event loop sends to one destination can share a network message instead of racing the sender
     * threads one by one. The caller promises to call {@link #flush()} before it waits for anything, after a bounded
     * number of events, and before it ends. By default nothing is held.
     */
    default void holdSendsOfThisThread() {
    }

    /**
     * Sends whatever the calling thread has held back (see {@link #holdSendsOfThisThread()}); cheap when nothing is. A
     * transport may write some of it on the calling thread (one thread hand-off less), but only as much as it can
     * write without waiting for the receiver to read.
     */
    default void flush() {
    }

    /** The receiving end of a registered address. Must not block; may be called from any thread. */
    @FunctionalInterface
    interface Inbox {

        /** A message from {@code from} arrived. */
        void deliver(Address from, Message m);
    }
}
