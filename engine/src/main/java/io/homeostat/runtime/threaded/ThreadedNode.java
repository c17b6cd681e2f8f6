package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * One protocol's event loop on its own daemon thread, {@code homeostat-node-<address>}: the production
 * {@link Environment}.
 *
 * <p>Every protocol call ({@link Protocol#start}, {@link Protocol#onMessage}, {@link Protocol#onTimer}) and every
 * {@link #execute}/{@link #query} action runs on that thread, one at a time, in arrival order, so the protocol needs no
 * locks. Other threads reach the protocol only through {@link #execute} and {@link #query}.
 *
 * <ul>
 *   <li>Time: {@link #nowMillis()} is {@link System#nanoTime()} relative to the driver's start; monotonic.</li>
 *   <li>Timers are kept by the loop itself, in a queue only its thread touches; the loop waits for the next event or
 *   the next timer, whichever comes first, and fires due timers before it takes the next event. No other thread is
 *   woken for a timer, and none hands a timer event over (most timers, such as a transaction's timeout, fire after
 *   the work they guard is done).</li>
 *   <li>The inbox is bounded: at most {@link NodeOptions#maxInboxMessages()} network messages wait; a message arriving
 *   at a full inbox is dropped and counted ({@link #droppedMessages()}), and the sender never blocks. Timer events and
 *   actions are never dropped; the protocol bounds how many timers it keeps, callers bound their actions.</li>
 *   <li>Sends are batched per turn: the loop asks the transport to hold what it sends
 *   ({@link Transport#holdSendsOfThisThread()}) and flushes before it waits for the next event or timer, and after at
 *   most {@link #MAX_EVENTS_PER_FLUSH} events, so what a busy turn sends to one node can travel as one network
 *   message.</li>
 *   <li>An exception thrown by a handler or an action is logged, counted ({@link #handlerFailures()}) and the loop goes
 *   on with the next event.</li>
 * </ul>
 *
 * <p>Created and started by {@link ThreadedDriver#addNode}. {@link #stop()} is graceful: events queued before it are
 * still handled; later ones are dropped, and queries then fail with {@link RejectedExecutionException}.
 *
 * <p>The {@link Environment} methods that act ({@link #send}, {@link #setTimer}, {@link #random}) may only be called on
 * this node's thread, from inside a handler or action; elsewhere they throw {@link IllegalStateException}.
 */
public final class ThreadedNode implements Environment, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ThreadedNode.class.getName());

    /** Handler failures logged each with its stack trace; after that only every {@link #LOG_EVERY_NTH_FAILURE}th. */
    private static final long LOGGED_FAILURES_IN_FULL = 10;
    private static final long LOG_EVERY_NTH_FAILURE = 1_000;

    /**
     * Events the loop handles between two {@link Transport#flush()}es at most; it also flushes whenever it is about to
     * wait. Bounds how long a message can be held back for batching while the loop stays busy.
     */
    static final int MAX_EVENTS_PER_FLUSH = 64;

    private enum State { NEW, RUNNING, STOPPING, TERMINATED }

    /** What the loop handles. Deliveries count against the inbox bound; the rest never are dropped. */
    private sealed interface Event permits Delivery, TimerFired, Task, Stop {
    }

    private record Delivery(Address from, Message message) implements Event {
    }

    private record TimerFired(Object tag) implements Event {
    }

    /** A pending timer: due at {@code dueNanos} ({@link WallClock#nanos()}); {@code seq} keeps equal times in order. */
    private record Timer(long dueNanos, long seq, Object tag) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** An action; when {@code future} is set, a failure completes it instead of counting as a handler failure. */
    private record Task(String what, Runnable body, CompletableFuture<?> future) implements Event {
    }

    private record Stop() implements Event {
    }

    private final Address address;
    private final Protocol protocol;
    private final Transport transport;
    private final Discovery discovery;
    private final long originNanos;
    private final int maxInboxMessages;
    private final long stopTimeoutMillis;
    private final SplittableRandom random;
    private final Thread thread;

    /** One FIFO for every event; only deliveries are bounded, by {@link #queuedInboxMessages}. */
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Pending timers, earliest first; touched only by the loop thread. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSeq;
    private final AtomicInteger queuedInboxMessages = new AtomicInteger();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    /** Set when stop() gave up waiting: the loop exits at its next turn, whatever is queued. */
    private volatile boolean abandoned;

    private final LongAdder droppedMessages = new LongAdder();
    private final LongAdder handledMessages = new LongAdder();
    private final LongAdder firedTimers = new LongAdder();
    private final LongAdder handlerFailures = new LongAdder();

    ThreadedNode(Address address, Protocol protocol, Transport transport, Discovery discovery, long originNanos,
            NodeOptions options) {
        this.address = Objects.requireNonNull(address, "address");
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.discovery = Objects.requireNonNull(discovery, "discovery");
        this.originNanos = originNanos;
        this.maxInboxMessages = options.maxInboxMessages();
        this.stopTimeoutMillis = options.stopTimeoutMillis();
        long seed = options.randomSeed().isPresent()
                ? mix(options.randomSeed().getAsLong(), address)
                : new SecureRandom().nextLong();
        this.random = new SplittableRandom(seed);
        this.thread = new Thread(this::runLoop, "homeostat-node-" + address);
        this.thread.setDaemon(true);
        // first in the queue: actions submitted before start() run after the protocol started
        events.add(new Task("start", () -> protocol.start(this), null));
    }

    /** A seed that depends on the given seed and the address, stable across JVMs (String.hashCode is specified). */
    private static long mix(long seed, Address address) {
        long h = address.endpoint().hashCode() * 31L + address.vnode();
        return new SplittableRandom(seed ^ (h * 0x9E3779B97F4A7C15L)).nextLong();
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Registers with the transport and starts the loop thread; the loop first calls {@link Protocol#start}.
     *
     * @throws IllegalStateException if already started or stopped (a node does not restart; add a fresh one)
     */
    public void start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException(address + " cannot start: it is " + state.get());
        }
        try {
            transport.register(address, this::deliver);
        } catch (RuntimeException e) {
            state.set(State.TERMINATED);
            rejectQueued();
            throw e;
        }
        thread.start();
    }

    /**
     * Stops the node: unregisters from the transport, lets the loop handle the events queued so far, ends the thread
     * and waits up to {@link NodeOptions#stopTimeoutMillis()} for it (not when called from the node's own thread).
     * If the loop does not finish in time (a handler is stuck), its thread is interrupted and abandoned. Idempotent.
     */
    public void stop() {
        requestStop();
        awaitStopped();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** First half of {@link #stop()}: no waiting, so a driver can stop many nodes in parallel. */
    void requestStop() {
        if (state.compareAndSet(State.NEW, State.TERMINATED)) {
            rejectQueued(); // never started: nothing to unregister, no thread to end
            return;
        }
        if (state.compareAndSet(State.RUNNING, State.STOPPING)) {
            transport.unregister(address);
            events.add(new Stop());
        }
    }

    /** Second half of {@link #stop()}. */
    void awaitStopped() {
        if (Thread.currentThread() == thread) {
            return; // stop() from inside a handler: the loop ends after this event
        }
        try {
            thread.join(Math.max(1, stopTimeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (thread.isAlive()) {
            LOG.log(Level.WARNING, () -> address + ": event loop did not stop within " + stopTimeoutMillis
                    + " ms; interrupting and abandoning it");
            abandoned = true;
            thread.interrupt();
        }
    }

    /** True between {@link #start()} and {@link #stop()}. */
    public boolean isRunning() {
        return state.get() == State.RUNNING;
    }

    /** True once the event loop has ended (or the node was stopped before it started). */
    public boolean isTerminated() {
        return state.get() == State.TERMINATED;
    }

    // ------------------------------------------------------------------ the loop

    private void runLoop() {
        int sinceFlush = 0;
        try {
            transport.holdSendsOfThisThread();
            while (!abandoned) {
                Event e;
                try {
                    e = nextEvent();
                } catch (InterruptedException ie) {
                    if (state.get() == State.RUNNING && !abandoned) {
                        LOG.log(Level.WARNING, () -> address + ": event loop interrupted while running; ignored");
                        continue;
                    }
                    break;
                }
                if (e == null) {
                    continue; // a timer is due
                }
                if (e instanceof Stop) {
                    break;
                }
                handle(e);
                if (++sinceFlush >= MAX_EVENTS_PER_FLUSH) {
                    transport.flush();
                    sinceFlush = 0;
                }
            }
        } catch (VirtualMachineError fatal) {
            LOG.log(Level.ERROR, () -> address + ": event loop dies", fatal);
            throw fatal;
        } finally {
            transport.flush();
            if (state.getAndSet(State.TERMINATED) == State.RUNNING) {
                transport.unregister(address); // the loop died without stop()
            }
            rejectQueued();
        }
    }

    /**
     * Fires the timers that are due, then returns the next queued event, waiting at most until the next timer is due;
     * null if that time came first. Before it waits, what the handlers sent goes out ({@link Transport#flush()}).
     */
    private Event nextEvent() throws InterruptedException {
        Timer next = timers.peek();
        if (next == null) {
            Event e = pollElseFlush();
            return e != null ? e : events.take();
        }
        long now = WallClock.nanos();
        long wait = next.dueNanos() - now;
        if (wait <= 0) {
            // only those due now: a timer set by one of them for "at once" waits for the events already queued
            while ((next = timers.peek()) != null && next.dueNanos() - now <= 0 && !abandoned) {
                timers.poll();
                if (state.get() == State.RUNNING) {
                    handle(new TimerFired(next.tag()));
                }
            }
            return events.poll();
        }
        Event e = pollElseFlush();
        return e != null ? e : events.poll(wait, TimeUnit.NANOSECONDS);
    }

    /** The next queued event; if there is none, the loop is about to wait, so what it has sent goes out first. */
    private Event pollElseFlush() {
        Event e = events.poll();
        if (e == null) {
            transport.flush();
        }
        return e;
    }

    private void handle(Event e) {
        if (e instanceof Delivery d) {
            queuedInboxMessages.decrementAndGet();
            handledMessages.increment();
            runHandler(e, () -> protocol.onMessage(this, d.from(), d.message()));
        } else if (e instanceof TimerFired t) {
            firedTimers.increment();
            runHandler(e, () -> protocol.onTimer(this, t.tag()));
        } else if (e instanceof Task t) {
            if (t.future() == null) {
                runHandler(e, t.body());
            } else {
                try {
                    t.body().run();
                } catch (RuntimeException | Error ex) {
                    rethrowIfFatal(ex);
                    t.future().completeExceptionally(ex);
                }
            }
        }
    }

    /** What a handler was doing, for a failure's log line; built only then (it costs a string per event). */
    private static String describe(Event e) {
        if (e instanceof Delivery d) {
            return "onMessage(" + d.message().getClass().getSimpleName() + ")";
        } else if (e instanceof TimerFired t) {
            return "onTimer(" + t.tag() + ")";
        } else if (e instanceof Task t) {
            return t.what();
        }
        return String.valueOf(e);
    }

    private void runHandler(Event e, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | Error ex) {
            rethrowIfFatal(ex);
            handlerFailures.increment();
            long n = handlerFailures.sum();
            if (n <= LOGGED_FAILURES_IN_FULL || n % LOG_EVERY_NTH_FAILURE == 0) {
                LOG.log(Level.WARNING, () -> address + ": " + describe(e) + " threw (failure #" + n
                        + "); the loop goes on", ex);
            }
        }
    }

    /** OutOfMemoryError and friends end the loop; a StackOverflowError in one handler does not. */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    /** The transport's inbox: never blocks; drops and counts when the inbox bound is reached. */
    private void deliver(Address from, Message message) {
        if (state.get() != State.RUNNING) {
            return; // a late delivery racing with stop()
        }
        int queued;
        do {
            queued = queuedInboxMessages.get();
            if (queued >= maxInboxMessages) {
                droppedMessages.increment();
                return;
            }
        } while (!queuedInboxMessages.compareAndSet(queued, queued + 1));
        enqueue(new Delivery(from, message));
    }

    private void enqueue(Event e) {
        events.add(e);
        if (state.get() == State.TERMINATED) {
            rejectQueued(); // the loop has drained already; whatever we added must not wait forever
        }
    }

    /** Empties the queue after the loop ended: fails queries, drops the rest. Safe to run concurrently. */
    private void rejectQueued() {
        Event e;
        while ((e = events.poll()) != null) {
            if (e instanceof Delivery) {
                queuedInboxMessages.decrementAndGet();
            } else if (e instanceof Task t) {
                if (t.future() != null) {
                    t.future().completeExceptionally(new RejectedExecutionException(address + " is stopped"));
                } else {
                    LOG.log(Level.DEBUG, () -> address + ": stopped; dropped " + t.what());
                }
            }
        }
    }

    // ------------------------------------------------------------------ access from other threads

    /**
     * Runs {@code action} on this node's thread, after the events already queued. Use it to call into the protocol
     * from outside, for example {@code node.execute(env -> ring.lookup(env, key, callback))}. An exception is logged
     * and counted like a handler failure. After {@link #stop()} the action is dropped.
     */
    public void execute(Consumer<Environment> action) {
        Objects.requireNonNull(action, "action");
        enqueue(new Task("execute", () -> action.accept(this), null));
    }

    /**
     * Applies {@code f} to the protocol on this node's thread and completes the future with the result: the safe way
     * to read protocol state from another thread. {@code f} should copy what it needs (protocol state is not safe to
     * read later from another thread). The future completes exceptionally if {@code f} throws, and with
     * {@link RejectedExecutionException} if the node is stopped first.
     *
     * <p>The future is completed on the node's thread: dependent stages added with the non-async methods run there too
     * and must not block.
     */
    public <T> CompletableFuture<T> query(Function<? super Protocol, T> f) {
        Objects.requireNonNull(f, "f");
        CompletableFuture<T> future = new CompletableFuture<>();
        enqueue(new Task("query", () -> future.complete(f.apply(protocol)), future));
        return future;
    }

    // ------------------------------------------------------------------ counters

    /** This node's inbox bound, {@link NodeOptions#maxInboxMessages()}. */
    public int maxInboxMessages() {
        return maxInboxMessages;
    }

    /** Network messages waiting in the inbox now. */
    public int queuedInboxMessages() {
        return queuedInboxMessages.get();
    }

    /** Everything waiting for the loop now: messages, timer events, actions. */
    public int queuedEvents() {
        return events.size();
    }

    /** Network messages dropped because the inbox was full. */
    public long droppedMessages() {
        return droppedMessages.sum();
    }

    /** Network messages handed to the protocol. */
    public long handledMessages() {
        return handledMessages.sum();
    }

    /** Timer events handed to the protocol. */
    public long firedTimers() {
        return firedTimers.sum();
    }

    /** Exceptions thrown by protocol handlers and {@link #execute} actions (not by {@link #query} functions). */
    public long handlerFailures() {
        return handlerFailures.sum();
    }

    // ------------------------------------------------------------------ Environment

    @Override
    public Address self() {
        return address;
    }

    @Override
    public long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(WallClock.nanos() - originNanos);
    }

    @Override
    public RandomGenerator random() {
        requireLoopThread("random");
        return random;
    }

    @Override
    public void send(Address to, Message message) {
        requireLoopThread("send");
        transport.send(address, to, message);
    }

    @Override
    public void setTimer(long delayMillis, Object tag) {
        requireLoopThread("setTimer");
        if (state.get() != State.RUNNING) {
            return; // stopping: the timer could never fire
        }
        timers.add(new Timer(WallClock.nanos() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis)), ++timerSeq,
                tag));
    }

    @Override
    public List<Address> knownAddresses() {
        List<Address> known = discovery.knownAddresses();
        return known == null ? List.of() : known;
    }

    private void requireLoopThread(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + "() of " + address + " called on " + Thread.currentThread().getName()
                    + "; only its event loop may call it (use execute())");
        }
    }

    @Override
    public String toString() {
        return "ThreadedNode[" + address + ", " + state.get() + "]";
    }
}
