package io.homeostat.jgroups;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.threaded.Discovery;
import io.homeostat.runtime.threaded.Transport;
import java.net.BindException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.NameCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link Transport} and {@link Discovery} over one JGroups {@link JChannel} per process.
 *
 * <h2>Endpoints</h2>
 * Every {@link Address} this transport hosts has {@link #endpoint()} as its endpoint: the channel's JGroups logical
 * name ({@link JGroupsOptions#nodeName()}). Several vnodes of a process share it. A remote endpoint is mapped to its
 * JGroups address through the logical names JGroups propagates with views, and through the sender of every frame
 * received; an endpoint not (yet) mapped is unreachable and messages to it are dropped and counted.
 *
 * <h2>Sending</h2>
 * {@link #send} encodes on the caller's thread and queues the frame for its destination, so it never blocks on JGroups
 * or the network, and never throws for unknown, unreachable or overloaded destinations: the message is dropped and
 * counted. Frames go as regular JGroups messages flagged NO_RELIABILITY (the protocols retry themselves; no
 * retransmission buffers for dead peers, and no ordering: the protocols don't need it) and NO_FC (never wait for
 * credits); not OOB, so that a stack with {@code message_processing_policy="direct"} (the shipped TCP stacks) delivers
 * them on the thread that read them, without a hand-off to JGroups' thread pool. Messages to this process's own
 * endpoint are handed to the inbox directly.
 *
 * <p>A thread that called {@link #holdSendsOfThisThread()} (a node's event loop) fills the queues but hands them to the
 * sender threads only at its {@link #flush()}, at the end of its turn: what one turn sends to a destination then leaves
 * as one JGroups message. Measured (docs/BENCHMARKS.md, session 10): JGroups messages per increment 3.6 to 1.7, and
 * about 25 % more increments per second on 4 processes.
 *
 * <p><b>Inline sends.</b> At its flush, the loop writes a destination's batch itself, without the hand-off to a sender
 * thread, when that destination is answering: a frame from it arrived within {@link #INLINE_HEARD_WITHIN_MILLIS}, and
 * the bytes written to it since then, with the batch, stay within {@link JGroupsOptions#inlineSendBudgetBytes()}. The
 * budget is below what a connection's socket buffers hold, so a member that stops reading (stopped, hung) cannot block
 * the loop: the loop's writes to it fit in the buffers, and once the budget is spent, or the member has been silent for
 * that long, its frames go through the sender threads as above. A write that fails, or that takes longer than
 * {@link #INLINE_SLOW_SEND_MILLIS} (a reconnect), ends inline writes to that destination until it is heard from again;
 * so a member that crashed within that second costs the loop at most one reconnect attempt ({@code sock_conn_timeout},
 * 300 ms in the shipped stacks), not one per turn.
 * Measured (docs/BENCHMARKS.md, session 19): the L2 benchmark's 90/10 mix at 4 threads, 10 to 20 % more operations a
 * second.
 *
 * <h2>A dead member must not starve the live ones</h2>
 * After a {@code kill -9} a member stays in the JGroups view until failure detection removes it (about 15 s with the
 * shipped stacks), and its route longer. Every send to it makes JGroups' TCP transport connect, which blocks the
 * connecting thread for up to {@code sock_conn_timeout} when the peer's host does not answer (longer for a TLS
 * handshake with a peer that accepts but never answers: JGroups 5.5 sets no timeout on it). Two things keep that delay
 * on the dead member's own traffic:
 * <ul>
 *   <li><b>In JGroups</b>, for stacks with a bundler: JGroups 5.5's default per-destination bundler sends to
 *   <em>all</em> members from one thread unless {@code bundler.use_single_sender_thread=false}; a connect to a dead
 *   member then delayed every other member's messages (measured on loopback: 200 round trips between two live members
 *   took 74 s instead of 0.4 s). {@link Stacks} sets it to false on TCP stacks that do not choose, so each member
 *   gets its own JGroups sender thread (and its own bounded JGroups queue, which drops when full), and warns about a
 *   TCP stack that keeps one sender thread. {@code channel.send} then only enqueues.</li>
 *   <li><b>Here</b>, for stacks whose {@code channel.send} blocks (the shipped TCP stacks: {@code no-bundler} with
 *   blocking sends connects and writes on the caller's thread, which saves two thread hand-offs per message):
 *   frames wait in one bounded queue per destination (JGroups address), bounded by
 *   {@link JGroupsOptions#maxQueuedMessagesPerDestination()} and {@link JGroupsOptions#maxQueuedBytesPerDestination()}
 *   as well as by the totals {@link JGroupsOptions#maxSendQueueMessages()} and
 *   {@link JGroupsOptions#maxSendQueueBytes()}, so a dead member's backlog cannot take the space of the others. A
 *   pool of {@link JGroupsOptions#senderThreads()} threads drains them; each queue is drained by at most one thread at
 *   a time, a bounded batch per turn before it goes to the back of the line, so one blocked destination holds one
 *   thread and the others keep going (up to {@code senderThreads - 1} blocked destinations at once). A thread per
 *   destination would tolerate any number, but costs a thread per member for what the shipped stacks never need.</li>
 * </ul>
 * When a member leaves the JGroups view (it crashed or was suspected), the frames still queued for it are dropped,
 * counted ({@link Counters#droppedDeparted()}) and logged at most once per
 * {@link JGroupsOptions#dropLogIntervalMillis()}: the protocols above retry. Its route is kept for
 * {@link JGroupsOptions#routeGraceMillis()} (see {@link RouteTable}), so a member that is alive but briefly outside the
 * view stays reachable; later frames to it are queued anew.
 *
 * <h2>Receiving</h2>
 * Frames are decoded on JGroups' delivery threads (with the shipped TCP stacks, the thread that read them from the
 * socket) and handed to the registered inbox, which never blocks. A frame that does not decode,
 * or is addressed to an unregistered vnode, is dropped, counted, and logged at most once per cause per
 * {@link JGroupsOptions#dropLogIntervalMillis()}.
 *
 * <h2>Discovery</h2>
 * {@link #knownAddresses()} lists vnode 0 of every endpoint in the current JGroups view, the vnodes heard from in
 * messages of those endpoints, and the local vnodes. JGroups views are only hints: the engine decides membership.
 *
 * <p>Thread-safe. Create with {@link #start(JGroupsOptions)}; {@link #close()} leaves the cluster.
 */
public final class JGroupsTransport implements Transport, Discovery, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JGroupsTransport.class);

    /** Remote vnode addresses remembered from received frames; beyond this, new ones are not remembered. */
    static final int MAX_LEARNED_ADDRESSES = 4_096;
    /** Endpoint-to-JGroups-address entries; beyond this, entries of endpoints not in the view are evicted. */
    static final int MAX_ENDPOINT_ENTRIES = 16_384;
    /**
     * Frames one sender thread hands to JGroups for one destination before serving the next destination: a few full
     * batches, or this many lone frames.
     */
    static final int DRAIN_TURN_FRAMES = 256;

    /** A destination is written inline only if a frame from it arrived within this many ms. */
    static final long INLINE_HEARD_WITHIN_MILLIS = 1_000;
    private static final long INLINE_HEARD_WITHIN_NANOS = INLINE_HEARD_WITHIN_MILLIS * 1_000_000;

    /** An inline write that took longer than this many ms ends inline writes to its destination until it answers. */
    static final long INLINE_SLOW_SEND_MILLIS = 20;
    private static final long INLINE_SLOW_SEND_NANOS = INLINE_SLOW_SEND_MILLIS * 1_000_000;

    /**
     * A snapshot of the transport's counters.
     *
     * @param droppedQueueFull a send queue was full: all destinations' together, or the destination's own
     * @param sent             messages passed to {@link #send}, to other processes or to this one
     * @param delivered        messages handed to an inbox, received or local
     * @param droppedDeparted  frames that were queued for a member when it left the JGroups view
     * @param local            messages to this process's own endpoint, handed to the inbox without codec or JGroups
     * @param framesSent       frames (encoded messages) handed to JGroups, alone or in a batch
     * @param jgroupsSent      JGroups messages handed to JGroups: lone frames and batches
     * @param batchesSent      of those, batches (each of at least two frames)
     * @param batchesReceived  batches received and decoded
     * @param framesSentInline of {@code framesSent}, those an event loop wrote itself (see inline sends above)
     */
    public record Counters(long sent, long delivered, long droppedNoRoute, long droppedQueueFull,
            long droppedEncodeFailed, long droppedSendFailed, long droppedUndecodable, long droppedNoInbox,
            long droppedDeparted, long local, long framesSent, long jgroupsSent, long batchesSent,
            long batchesReceived, long framesSentInline) {

        /** Every message or frame dropped, for any reason. */
        public long dropped() {
            return droppedNoRoute + droppedQueueFull + droppedEncodeFailed + droppedSendFailed + droppedUndecodable
                    + droppedNoInbox + droppedDeparted;
        }
    }

    private final JGroupsOptions options;
    private final MessageCodec codec;
    private final JChannel channel;
    private final String endpoint;
    private final RateLimitedLog dropLog;

    private final ConcurrentMap<Address, Inbox> inboxes = new ConcurrentHashMap<>();
    private final RouteTable routes;
    private final Set<Address> learned = ConcurrentHashMap.newKeySet();
    private volatile Set<String> viewEndpoints = Set.of();
    private volatile List<Address> known = List.of();

    /** One outgoing queue per destination; a lane is replaced (never reused) after it is retired. */
    private final ConcurrentMap<org.jgroups.Address, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger queuedMessages = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Per thread that asked to hold its sends: the lanes it filled since its last flush, each scheduled at the flush. */
    private final ThreadLocal<List<Lane>> held = new ThreadLocal<>();
    private final ThreadPoolExecutor senders;
    private volatile boolean closed;

    private final LongAdder sent = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder droppedNoRoute = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final LongAdder droppedEncodeFailed = new LongAdder();
    private final LongAdder droppedSendFailed = new LongAdder();
    private final LongAdder droppedUndecodable = new LongAdder();
    private final LongAdder droppedNoInbox = new LongAdder();
    private final LongAdder droppedDeparted = new LongAdder();
    private final LongAdder local = new LongAdder();
    private final LongAdder framesSent = new LongAdder();
    private final LongAdder jgroupsSent = new LongAdder();
    private final LongAdder batchesSent = new LongAdder();
    private final LongAdder batchesReceived = new LongAdder();
    private final LongAdder framesSentInline = new LongAdder();
    /** By type id: messages sent to other processes (encoded), and to this one. */
    private final LongAdder[] remoteByType;
    private final LongAdder[] localByType;

    private JGroupsTransport(JGroupsOptions options, JChannel channel, String endpoint) {
        this.options = options;
        this.codec = new MessageCodec(options.maxFrameBytes());
        int types = MessageCodec.messageTypes().size();
        this.remoteByType = new LongAdder[types];
        this.localByType = new LongAdder[types];
        for (int i = 0; i < types; i++) {
            remoteByType[i] = new LongAdder();
            localByType[i] = new LongAdder();
        }
        this.channel = channel;
        this.endpoint = endpoint;
        this.dropLog = new RateLimitedLog(LOG, options.dropLogIntervalMillis(), System::nanoTime);
        this.routes = new RouteTable(options.routeGraceMillis(), MAX_ENDPOINT_ENTRIES, System::nanoTime);
        AtomicInteger threadNumber = new AtomicInteger();
        // a lane is queued here at most once at a time, so this queue is bounded by the number of lanes
        this.senders = new ThreadPoolExecutor(options.senderThreads(), options.senderThreads(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "homeostat-jgroups-sender-" + endpoint + "-" + threadNumber
                            .incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.senders.allowCoreThreadTimeOut(true);
    }

    /**
     * Creates the channel from {@code options}, joins the cluster, and starts the sender thread.
     *
     * @throws JGroupsConfigException for a configuration error (the message names the setting)
     * @throws IllegalStateException  if the channel cannot connect for another reason
     */
    public static JGroupsTransport start(JGroupsOptions options) {
        Objects.requireNonNull(options, "options");
        String name = options.nodeName() != null ? options.nodeName()
                : "homeostat-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        JChannel channel = Stacks.createChannel(options);
        channel.name(name);
        JGroupsTransport t = new JGroupsTransport(options, channel, name);
        channel.setReceiver(t.new ChannelReceiver());
        channel.setDiscardOwnMessages(true);
        if (!options.secured()) {
            LOG.warn("Homeostat cluster '{}' is OPEN: no cluster credential is configured, so any process that reaches "
                    + "this node's port can join and inject messages, and traffic is not encrypted. Set "
                    + "JGroupsOptions.credential(...) (see io.homeostat.jgroups.Keygen) for TLS with client "
                    + "authentication.", options.clusterName());
        }
        try {
            channel.connect(options.clusterName());
        } catch (Exception e) {
            t.senders.shutdownNow();
            channel.close();
            if (hasCause(e, BindException.class)) {
                throw new JGroupsConfigException("no free port to bind for stack '" + options.stack() + "' ("
                        + e.getMessage() + "): change JGroupsOptions.bindPort or raise JGroupsOptions.portRange", e);
            }
            throw new IllegalStateException("cannot join JGroups cluster '" + options.clusterName() + "' with stack '"
                    + options.stack() + "': " + e.getMessage(), e);
        }
        t.onView(channel.getView());
        LOG.info("joined JGroups cluster '{}' as endpoint '{}' ({}), view {}", options.clusterName(), name,
                channel.getAddress(), channel.getView());
        return t;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** This process's endpoint: the JGroups logical name. */
    public String endpoint() {
        return endpoint;
    }

    /** The address of this process's vnode {@code vnode}. */
    public Address address(int vnode) {
        return new Address(endpoint, vnode);
    }

    public JGroupsOptions options() {
        return options;
    }

    /** The endpoints of the current JGroups view (including this one): a hint, not membership. */
    public Set<String> viewEndpoints() {
        return viewEndpoints;
    }

    /** A snapshot of the counters. */
    public Counters counters() {
        return new Counters(sent.sum(), delivered.sum(), droppedNoRoute.sum(), droppedQueueFull.sum(),
                droppedEncodeFailed.sum(), droppedSendFailed.sum(), droppedUndecodable.sum(), droppedNoInbox.sum(),
                droppedDeparted.sum(), local.sum(), framesSent.sum(), jgroupsSent.sum(), batchesSent.sum(),
                batchesReceived.sum(), framesSentInline.sum());
    }

    /** Messages of one type passed to {@link #send}: encoded for another process, or handed over in this one. */
    public record TypeCount(long remote, long local) {
    }

    /**
     * Messages passed to {@link #send} so far by message type (named {@code Outer.Record}, e.g.
     * {@code TxnMessage.Prepare}), types never sent left out. Remote counts messages that were encoded (before any
     * queue-full or send drop), local those for this process.
     */
    public Map<String, TypeCount> sentByType() {
        Map<String, TypeCount> m = new java.util.TreeMap<>();
        List<Class<?>> types = MessageCodec.messageTypes();
        for (int i = 0; i < types.size(); i++) {
            long r = remoteByType[i].sum();
            long l = localByType[i].sum();
            if (r != 0 || l != 0) {
                Class<?> c = types.get(i);
                String name = c.getEnclosingClass() == null ? c.getSimpleName()
                        : c.getEnclosingClass().getSimpleName() + "." + c.getSimpleName();
                m.put(name, new TypeCount(r, l));
            }
        }
        return m;
    }

    /** For tests: the channel. */
    JChannel channel() {
        return channel;
    }

    /** For tests: the sender pool (a test may hold its threads busy so that frames queue up). */
    ThreadPoolExecutor senderPool() {
        return senders;
    }

    /** For tests: the JGroups address an endpoint maps to, or null. */
    org.jgroups.Address route(String remoteEndpoint) {
        return routes.get(remoteEndpoint);
    }

    /** For tests: frames queued for a JGroups address, not yet handed to JGroups. */
    int queuedFrames(org.jgroups.Address dest) {
        Lane lane = lanes.get(dest);
        return lane == null ? 0 : lane.size();
    }

    // ------------------------------------------------------------------------------------------------- Transport

    @Override
    public void register(Address self, Inbox inbox) {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(inbox, "inbox");
        if (!self.endpoint().equals(endpoint)) {
            throw new IllegalArgumentException(self + " is not on this transport's endpoint '" + endpoint
                    + "'; use JGroupsTransport.address(vnode)");
        }
        if (inboxes.putIfAbsent(self, inbox) != null) {
            throw new IllegalStateException(self + " is already registered");
        }
        recomputeKnown();
    }

    @Override
    public void unregister(Address self) {
        inboxes.remove(Objects.requireNonNull(self, "self"));
        recomputeKnown();
    }

    @Override
    public void send(Address from, Address to, Message m) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(m, "m");
        sent.increment();
        int type = codec.typeId(m);
        if (to.endpoint().equals(endpoint)) {
            local.increment();
            if (type >= 0) {
                localByType[type].increment();
            }
            deliverLocally(from, to, m);
            return;
        }
        org.jgroups.Address dest = routes.get(to.endpoint());
        if (dest == null || closed) {
            droppedNoRoute.increment();
            return;
        }
        byte[] frame;
        try {
            frame = codec.encode(from, to, m);
            remoteByType[type].increment(); // encode checked the type
        } catch (RuntimeException e) {
            droppedEncodeFailed.increment();
            dropLog.warn("encode", "dropped an outgoing " + m.getClass().getSimpleName() + " to " + to
                    + " that cannot be encoded: " + e.getMessage());
            return;
        }
        enqueue(to.endpoint(), dest, frame);
    }

    private void enqueue(String toEndpoint, org.jgroups.Address dest, byte[] frame) {
        int messages = queuedMessages.incrementAndGet();
        long bytes = queuedBytes.addAndGet(frame.length);
        if (messages > options.maxSendQueueMessages() || bytes > options.maxSendQueueBytes()) {
            release(1, frame.length);
            droppedQueueFull.increment();
            dropLog.warn("queue-full", "dropped outgoing messages: the send queues of all destinations together are "
                    + "full (maxSendQueueMessages=" + options.maxSendQueueMessages() + ", maxSendQueueBytes="
                    + options.maxSendQueueBytes() + ")");
            return;
        }
        while (true) {
            Lane lane = lanes.computeIfAbsent(dest, Lane::new);
            Lane.Offer result = lane.offer(frame);
            switch (result) {
                case QUEUED -> {
                    return;
                }
                case SCHEDULE -> {
                    List<Lane> holding = held.get();
                    if (holding != null) {
                        holding.add(lane); // at most once per lane: the lane counts as scheduled until it is drained
                    } else {
                        schedule(lane);
                    }
                    return;
                }
                case FULL -> {
                    release(1, frame.length);
                    droppedQueueFull.increment();
                    dropLog.warn("queue-full-destination", "dropped outgoing messages to '" + toEndpoint + "' (" + dest
                            + "): its send queue is full (maxQueuedMessagesPerDestination="
                            + options.maxQueuedMessagesPerDestination() + ", maxQueuedBytesPerDestination="
                            + options.maxQueuedBytesPerDestination() + "); other destinations are not affected");
                    return;
                }
                case RETIRED -> lanes.remove(dest, lane); // retired concurrently: take a fresh one
                default -> throw new AssertionError(result);
            }
        }
    }

    /**
     * Holds the lanes this thread has filled until its {@link #flush()}: the frames one event-loop turn sends to a
     * destination then leave as one JGroups message. Frames other threads queue for such a lane meanwhile wait too, at
     * most until that flush (a loop flushes before it waits, and at least every
     * {@code ThreadedNode.MAX_EVENTS_PER_FLUSH} events).
     */
    @Override
    public void holdSendsOfThisThread() {
        if (held.get() == null) {
            held.set(new ArrayList<>());
        }
    }

    @Override
    public void flush() {
        List<Lane> holding = held.get();
        if (holding == null || holding.isEmpty()) {
            return;
        }
        int budget = options.inlineSendBudgetBytes();
        long now = budget > 0 ? System.nanoTime() : 0;
        for (Lane lane : holding) { // at most one entry per destination
            if (budget > 0 && lane.answering(now, budget)) {
                lane.runInline(budget);
            } else {
                schedule(lane);
            }
        }
        holding.clear();
    }

    private void release(int messages, long bytes) {
        queuedMessages.addAndGet(-messages);
        queuedBytes.addAndGet(-bytes);
    }

    private void schedule(Lane lane) {
        try {
            senders.execute(lane);
        } catch (RejectedExecutionException e) {
            lane.retire(); // closing: drop what is queued
        }
    }

    private void deliverLocally(Address from, Address to, Message m) {
        Inbox inbox = inboxes.get(to);
        if (inbox == null) {
            droppedNoInbox.increment();
            return;
        }
        delivered.increment(); // before the hand-over, so a reader woken by the inbox sees it counted
        try {
            inbox.deliver(from, m);
        } catch (RuntimeException e) {
            delivered.decrement();
            droppedNoInbox.increment();
            dropLog.warn("inbox", "an inbox of " + to + " failed: " + e);
        }
    }

    /** Hands {@code frames} to JGroups: a lone frame as it is, several as one batch. Returns whether JGroups took them. */
    private boolean sendNow(org.jgroups.Address dest, List<byte[]> frames) {
        int n = frames.size();
        byte[] payload;
        if (n == 1) {
            payload = frames.get(0);
        } else {
            try {
                payload = codec.encodeBatch(frames);
            } catch (RuntimeException e) { // not expected: the lane keeps batches within maxBatchBytes
                droppedEncodeFailed.add(n);
                dropLog.warn("encode-batch", "dropped a batch of " + n + " frames to " + dest + ": " + e.getMessage());
                return false;
            }
        }
        // counted before the send: the receiver may deliver (and a reader of the counters may look) before send returns
        jgroupsSent.increment();
        framesSent.add(n);
        if (n > 1) {
            batchesSent.increment();
        }
        try {
            BytesMessage msg = new BytesMessage(dest, payload);
            msg.setFlag(org.jgroups.Message.Flag.NO_RELIABILITY, org.jgroups.Message.Flag.NO_FC);
            channel.send(msg);
            return true;
        } catch (Exception e) {
            jgroupsSent.decrement();
            framesSent.add(-n);
            if (n > 1) {
                batchesSent.decrement();
            }
            droppedSendFailed.add(n);
            dropLog.warn("send", "JGroups could not send to " + dest + ": " + e);
            return false;
        }
    }

    /**
     * The outgoing queue of one destination. At most one sender thread drains it at a time ({@code scheduled}); it
     * hands at most {@link #DRAIN_TURN_FRAMES} frames to JGroups per turn, then goes to the back of the line. The
     * frames queued when the thread takes them go as one batch, up to {@link JGroupsOptions#maxBatchMessages()} and
     * {@link JGroupsOptions#maxBatchBytes()}; nothing waits for more to arrive.
     */
    private final class Lane implements Runnable {

        enum Offer { QUEUED, SCHEDULE, FULL, RETIRED }

        private final org.jgroups.Address dest;
        private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
        private long bytes; // guarded by this
        private boolean scheduled; // guarded by this: queued on, or running in, the sender pool
        private boolean retired; // guarded by this
        /** When a frame from {@code dest} last arrived ({@code System.nanoTime}); 0: not since the last slow write. */
        private volatile long heardAtNanos;
        /** Bytes handed to JGroups for {@code dest} since then. */
        private final AtomicLong unansweredBytes = new AtomicLong();

        Lane(org.jgroups.Address dest) {
            this.dest = dest;
        }

        synchronized Offer offer(byte[] frame) {
            if (retired) {
                return Offer.RETIRED;
            }
            if (frames.size() >= options.maxQueuedMessagesPerDestination()
                    || bytes + frame.length > options.maxQueuedBytesPerDestination()) {
                return Offer.FULL;
            }
            frames.addLast(frame);
            bytes += frame.length;
            if (scheduled) {
                return Offer.QUEUED;
            }
            scheduled = true;
            return Offer.SCHEDULE;
        }

        /**
         * Takes the frames queued now, oldest first, as one batch within {@code maxFrames} and the batch bounds, and
         * of further frames only as many as keep the frames' bytes within {@code maxFrameBytes} (the first is always
         * taken); null (and not scheduled any more) when there are none.
         */
        private synchronized List<byte[]> pollBatch(int maxFrames, long maxFrameBytes) {
            byte[] f = frames.pollFirst();
            if (f == null) {
                scheduled = false;
                return null;
            }
            bytes -= f.length;
            byte[] next = frames.peekFirst();
            if (next == null || maxFrames < 2) {
                return List.of(f);
            }
            List<byte[]> batch = new ArrayList<>(Math.min(maxFrames, frames.size() + 1));
            batch.add(f);
            long frameBytes = f.length;
            long batchBytes = MessageCodec.batchHeaderBytes(maxFrames) + MessageCodec.batchEntryBytes(f.length);
            while (next != null && batch.size() < maxFrames) {
                batchBytes += MessageCodec.batchEntryBytes(next.length);
                frameBytes += next.length;
                if (batchBytes > options.maxBatchBytes() || frameBytes > maxFrameBytes) {
                    break;
                }
                frames.pollFirst();
                bytes -= next.length;
                batch.add(next);
                next = frames.peekFirst();
            }
            return batch;
        }

        private synchronized boolean finishTurn() {
            if (frames.isEmpty() || retired) {
                scheduled = false;
                return false;
            }
            return true;
        }

        synchronized int size() {
            return frames.size();
        }

        private synchronized long queuedBytes() {
            return bytes;
        }

        /** A frame from {@code dest} arrived. */
        void heard(long nowNanos) {
            unansweredBytes.set(0);
            heardAtNanos = nowNanos == 0 ? 1 : nowNanos;
        }

        /** May an event loop write what is queued here itself (see inline sends in the class comment)? */
        boolean answering(long nowNanos, int budgetBytes) {
            long heard = heardAtNanos;
            return heard != 0 && nowNanos - heard < INLINE_HEARD_WITHIN_NANOS
                    && unansweredBytes.get() + queuedBytes() <= budgetBytes;
        }

        /**
         * Writes one batch on the calling thread (an event loop at its flush, holding this lane); what is left, if
         * anything, goes to the sender threads.
         */
        void runInline(int budgetBytes) {
            // within the budget: the frames queued when answering() looked were counted, the first of them is taken
            List<byte[]> batch = take(options.maxBatchMessages(), budgetBytes - unansweredBytes.get());
            if (batch == null) {
                return;
            }
            long started = System.nanoTime();
            boolean sent = sendNow(dest, batch);
            if (sent) {
                framesSentInline.add(batch.size());
            }
            if (!sent || System.nanoTime() - started > INLINE_SLOW_SEND_NANOS) {
                heardAtNanos = 0; // through the sender threads until it answers again
            }
            if (finishTurn()) {
                schedule(this);
            }
        }

        /**
         * The next batch ({@link #pollBatch}) to hand to JGroups, its share of the send-queue bounds released and its
         * bytes counted as unanswered; null when there is none, or when the transport is closing (then it is dropped).
         */
        private List<byte[]> take(int maxFrames, long maxFrameBytes) {
            List<byte[]> batch = pollBatch(maxFrames, maxFrameBytes);
            if (batch == null) {
                return null;
            }
            long b = 0;
            for (byte[] f : batch) {
                b += f.length;
            }
            release(batch.size(), b);
            if (closed) {
                return null;
            }
            unansweredBytes.addAndGet(b);
            return batch;
        }

        /** No more frames; drops the queued ones and returns how many. */
        int retire() {
            int n;
            long b;
            synchronized (this) {
                retired = true;
                n = frames.size();
                b = bytes;
                frames.clear();
                bytes = 0;
            }
            release(n, b);
            return n;
        }

        @Override
        public void run() {
            int budget = DRAIN_TURN_FRAMES;
            while (budget > 0) {
                List<byte[]> batch = take(Math.min(budget, options.maxBatchMessages()), Long.MAX_VALUE);
                if (batch == null) {
                    return;
                }
                sendNow(dest, batch);
                budget -= batch.size();
            }
            if (finishTurn()) {
                schedule(this); // more to send: after the other destinations waiting for a thread
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- receiving

    private final class ChannelReceiver implements Receiver {
        @Override
        public void receive(org.jgroups.Message msg) {
            try {
                onFrame(msg);
            } catch (RuntimeException e) {
                // never let anything reach JGroups' delivery thread
                droppedUndecodable.increment();
                dropLog.warn("receive", "dropped a frame from " + msg.getSrc() + ": " + e);
            }
        }

        @Override
        public void viewAccepted(View view) {
            onView(view);
        }
    }

    private void onFrame(org.jgroups.Message msg) {
        List<MessageCodec.Frame> frames;
        try {
            if (!msg.hasArray()) {
                throw new FrameDecodeException(FrameDecodeException.Cause.MALFORMED, "not a byte-array message: "
                        + msg.getClass().getSimpleName());
            }
            frames = codec.decodeAny(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (FrameDecodeException e) {
            droppedUndecodable.increment();
            dropLog.warn("decode-" + e.reason(), "dropped an undecodable frame or batch from " + msg.getSrc() + " ("
                    + e.reason() + "): " + e.getMessage());
            return;
        }
        if (frames.size() > 1) {
            batchesReceived.increment();
        }
        if (options.inlineSendBudgetBytes() > 0) {
            // the lane back to the sender, made now if we have not sent to it yet (a member outside the view loses it
            // at the next view change, as any lane)
            lanes.computeIfAbsent(msg.getSrc(), Lane::new).heard(System.nanoTime());
        }
        for (MessageCodec.Frame f : frames) {
            try {
                onDecoded(f, msg.getSrc());
            } catch (RuntimeException e) { // one failing inbox must not cost the rest of a batch
                droppedNoInbox.increment();
                dropLog.warn("inbox", "an inbox of " + f.to() + " failed: " + e);
            }
        }
    }

    private void onDecoded(MessageCodec.Frame f, org.jgroups.Address src) {
        if (!f.to().endpoint().equals(endpoint)) {
            droppedNoInbox.increment();
            dropLog.warn("misrouted", "dropped a frame for " + f.to() + " that reached endpoint '" + endpoint + "'");
            return;
        }
        learn(f.from(), src);
        Inbox inbox = inboxes.get(f.to());
        if (inbox == null) {
            droppedNoInbox.increment();
            dropLog.warn("no-inbox", "dropped a message for unregistered " + f.to());
            return;
        }
        delivered.increment(); // before the hand-over, so a reader woken by the inbox sees it counted
        try {
            inbox.deliver(f.from(), f.message());
        } catch (RuntimeException e) {
            delivered.decrement();
            throw e;
        }
    }

    private void learn(Address from, org.jgroups.Address src) {
        if (src == null || from.endpoint().equals(endpoint)) {
            return;
        }
        boolean changed = routes.learn(from.endpoint(), src);
        if (!learned.contains(from) && learned.size() < MAX_LEARNED_ADDRESSES) {
            changed |= learned.add(from);
        }
        if (changed) {
            recomputeKnown();
        }
    }

    private void onView(View view) {
        if (view == null) {
            return;
        }
        Set<String> names = new LinkedHashSet<>();
        Set<org.jgroups.Address> members = new HashSet<>(view.getMembers());
        Map<String, org.jgroups.Address> named = new HashMap<>();
        for (org.jgroups.Address member : view.getMembers()) {
            String name = NameCache.get(member);
            if (name == null) {
                continue;
            }
            names.add(name);
            if (!name.equals(endpoint)) {
                named.put(name, member);
            }
        }
        routes.onView(members, named); // members that left start their grace; expired routes are forgotten
        dropDeparted(members);
        viewEndpoints = Set.copyOf(names);
        learned.removeIf(a -> !names.contains(a.endpoint()));
        recomputeKnown();
    }

    /**
     * Drops the queues of destinations outside the view: they crashed or were suspected, and the protocols retry. A
     * member still routed (in its grace period) gets a fresh queue with its next message.
     */
    private void dropDeparted(Set<org.jgroups.Address> members) {
        for (Lane lane : lanes.values()) {
            if (members.contains(lane.dest)) {
                continue;
            }
            lanes.remove(lane.dest, lane);
            int n = lane.retire();
            if (n > 0) {
                droppedDeparted.add(n);
                dropLog.warn("departed", "dropped " + n + " queued outgoing messages to " + lane.dest
                        + ": it left the JGroups view (crashed or suspected); the protocols retry");
            }
        }
    }

    private synchronized void recomputeKnown() {
        Set<Address> all = new LinkedHashSet<>(inboxes.keySet());
        Set<String> view = viewEndpoints;
        for (String e : view) {
            all.add(new Address(e, 0));
        }
        for (Address a : learned) {
            if (view.contains(a.endpoint())) {
                all.add(a);
            }
        }
        List<Address> sorted = new ArrayList<>(all);
        sorted.sort(null);
        known = List.copyOf(sorted);
    }

    // ------------------------------------------------------------------------------------------------- Discovery

    @Override
    public List<Address> knownAddresses() {
        return known;
    }

    /** Stops the sender threads (frames still queued are dropped) and leaves the cluster. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        senders.shutdownNow();
        lanes.values().forEach(Lane::retire);
        lanes.clear();
        try {
            senders.awaitTermination(options.closeTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }

    @Override
    public String toString() {
        return "JGroupsTransport[" + endpoint + ", view " + viewEndpoints + "]";
    }
}
