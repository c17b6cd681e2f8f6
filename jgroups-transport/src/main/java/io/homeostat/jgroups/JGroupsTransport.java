package io.homeostat.jgroups;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.threaded.Discovery;
import io.homeostat.runtime.threaded.Transport;
import java.net.BindException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * {@link #send} encodes on the caller's thread and hands the frame to a bounded queue drained by one sender thread, so
 * it never blocks on JGroups or the network, and never throws for unknown, unreachable or overloaded destinations: the
 * message is dropped and counted. Frames go as OOB (delivered concurrently, no ordering: the protocols don't need
 * it), NO_RELIABILITY (the protocols retry themselves; no retransmission buffers for dead peers) and NO_FC (never wait
 * for credits). Messages to this process's own endpoint are handed to the inbox directly.
 *
 * <h2>Receiving</h2>
 * Frames are decoded on JGroups' delivery threads and handed to the registered inbox. A frame that does not decode,
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

    private record Outgoing(org.jgroups.Address dest, byte[] frame) {
    }

    /** A snapshot of the transport's counters. */
    public record Counters(long sent, long delivered, long droppedNoRoute, long droppedQueueFull,
            long droppedEncodeFailed, long droppedSendFailed, long droppedUndecodable, long droppedNoInbox) {

        /** Every message or frame dropped, for any reason. */
        public long dropped() {
            return droppedNoRoute + droppedQueueFull + droppedEncodeFailed + droppedSendFailed + droppedUndecodable
                    + droppedNoInbox;
        }
    }

    private final JGroupsOptions options;
    private final MessageCodec codec;
    private final JChannel channel;
    private final String endpoint;
    private final RateLimitedLog dropLog;

    private final ConcurrentMap<Address, Inbox> inboxes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, org.jgroups.Address> routes = new ConcurrentHashMap<>();
    private final Set<Address> learned = ConcurrentHashMap.newKeySet();
    private volatile Set<String> viewEndpoints = Set.of();
    private volatile List<Address> known = List.of();

    private final BlockingQueue<Outgoing> sendQueue;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Thread sender;
    private volatile boolean closed;

    private final LongAdder sent = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder droppedNoRoute = new LongAdder();
    private final LongAdder droppedQueueFull = new LongAdder();
    private final LongAdder droppedEncodeFailed = new LongAdder();
    private final LongAdder droppedSendFailed = new LongAdder();
    private final LongAdder droppedUndecodable = new LongAdder();
    private final LongAdder droppedNoInbox = new LongAdder();

    private JGroupsTransport(JGroupsOptions options, JChannel channel, String endpoint) {
        this.options = options;
        this.codec = new MessageCodec(options.maxFrameBytes());
        this.channel = channel;
        this.endpoint = endpoint;
        this.dropLog = new RateLimitedLog(LOG, options.dropLogIntervalMillis(), System::nanoTime);
        this.sendQueue = new ArrayBlockingQueue<>(options.maxSendQueueMessages());
        this.sender = new Thread(this::drainSendQueue, "homeostat-jgroups-sender-" + endpoint);
        this.sender.setDaemon(true);
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
            channel.close();
            if (hasCause(e, BindException.class)) {
                throw new JGroupsConfigException("no free port to bind for stack '" + options.stack() + "' ("
                        + e.getMessage() + "): change JGroupsOptions.bindPort or raise JGroupsOptions.portRange", e);
            }
            throw new IllegalStateException("cannot join JGroups cluster '" + options.clusterName() + "' with stack '"
                    + options.stack() + "': " + e.getMessage(), e);
        }
        t.sender.start();
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
                droppedEncodeFailed.sum(), droppedSendFailed.sum(), droppedUndecodable.sum(), droppedNoInbox.sum());
    }

    /** For tests: the channel. */
    JChannel channel() {
        return channel;
    }

    /** For tests: the JGroups address an endpoint maps to, or null. */
    org.jgroups.Address route(String remoteEndpoint) {
        return routes.get(remoteEndpoint);
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
        if (to.endpoint().equals(endpoint)) {
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
        } catch (RuntimeException e) {
            droppedEncodeFailed.increment();
            dropLog.warn("encode", "dropped an outgoing " + m.getClass().getSimpleName() + " to " + to
                    + " that cannot be encoded: " + e.getMessage());
            return;
        }
        long bytes = queuedBytes.addAndGet(frame.length);
        if (bytes > options.maxSendQueueBytes() || !sendQueue.offer(new Outgoing(dest, frame))) {
            queuedBytes.addAndGet(-frame.length);
            droppedQueueFull.increment();
            dropLog.warn("queue-full", "dropped outgoing messages: the send queue is full (maxSendQueueMessages="
                    + options.maxSendQueueMessages() + ", maxSendQueueBytes=" + options.maxSendQueueBytes() + ")");
        }
    }

    private void deliverLocally(Address from, Address to, Message m) {
        Inbox inbox = inboxes.get(to);
        if (inbox == null) {
            droppedNoInbox.increment();
            return;
        }
        try {
            inbox.deliver(from, m);
            delivered.increment();
        } catch (RuntimeException e) {
            droppedNoInbox.increment();
            dropLog.warn("inbox", "an inbox of " + to + " failed: " + e);
        }
    }

    private void drainSendQueue() {
        while (!closed) {
            Outgoing o;
            try {
                o = sendQueue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (o == null) {
                continue;
            }
            queuedBytes.addAndGet(-o.frame.length);
            try {
                BytesMessage msg = new BytesMessage(o.dest, o.frame);
                msg.setFlag(org.jgroups.Message.Flag.OOB, org.jgroups.Message.Flag.NO_RELIABILITY,
                        org.jgroups.Message.Flag.NO_FC);
                channel.send(msg);
            } catch (Exception e) {
                droppedSendFailed.increment();
                dropLog.warn("send", "JGroups could not send to " + o.dest + ": " + e);
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
        MessageCodec.Frame f;
        try {
            if (!msg.hasArray()) {
                throw new FrameDecodeException(FrameDecodeException.Cause.MALFORMED, "not a byte-array message: "
                        + msg.getClass().getSimpleName());
            }
            f = codec.decode(msg.getArray(), msg.getOffset(), msg.getLength());
        } catch (FrameDecodeException e) {
            droppedUndecodable.increment();
            dropLog.warn("decode-" + e.reason(), "dropped an undecodable frame from " + msg.getSrc() + " ("
                    + e.reason() + "): " + e.getMessage());
            return;
        }
        if (!f.to().endpoint().equals(endpoint)) {
            droppedNoInbox.increment();
            dropLog.warn("misrouted", "dropped a frame for " + f.to() + " that reached endpoint '" + endpoint + "'");
            return;
        }
        learn(f.from(), msg.getSrc());
        Inbox inbox = inboxes.get(f.to());
        if (inbox == null) {
            droppedNoInbox.increment();
            dropLog.warn("no-inbox", "dropped a message for unregistered " + f.to());
            return;
        }
        inbox.deliver(f.from(), f.message());
        delivered.increment();
    }

    private void learn(Address from, org.jgroups.Address src) {
        if (src == null || from.endpoint().equals(endpoint)) {
            return;
        }
        org.jgroups.Address old = routes.put(from.endpoint(), src);
        boolean changed = !src.equals(old);
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
        for (org.jgroups.Address member : view.getMembers()) {
            String name = NameCache.get(member);
            if (name == null) {
                continue;
            }
            names.add(name);
            if (!name.equals(endpoint)) {
                routes.put(name, member);
            }
        }
        viewEndpoints = Set.copyOf(names);
        if (routes.size() > MAX_ENDPOINT_ENTRIES) {
            routes.keySet().retainAll(names);
        }
        learned.removeIf(a -> !names.contains(a.endpoint()));
        recomputeKnown();
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

    /** Stops the sender thread (frames still queued are dropped) and leaves the cluster. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sender.interrupt();
        try {
            sender.join(options.closeTimeoutMillis());
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
