package io.homeostat.ring;

import io.homeostat.ring.RingMessage.Leave;
import io.homeostat.ring.RingMessage.Lookup;
import io.homeostat.ring.RingMessage.LookupReply;
import io.homeostat.ring.RingMessage.MergeProbe;
import io.homeostat.ring.RingMessage.Ping;
import io.homeostat.ring.RingMessage.Pong;
import io.homeostat.ring.RingMessage.Stabilize;
import io.homeostat.ring.RingMessage.StabilizeReply;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node of the ring overlay: Chord (Stoica et al., "Chord: A Scalable Peer-to-peer Lookup Service for Internet
 * Applications", SIGCOMM 2001) with the lessons of Scalaris and Beernet.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>128-bit ids; a node is responsible for (predecessor, self].</li>
 *   <li>A successor list of length L and a predecessor. Periodic stabilization asks the successor for its predecessor
 *   and successor list; the request doubles as Chord's notify.</li>
 *   <li>Fingers: finger[i] = successor(self + 2^i). A refresh round walks i upwards and only looks up a start that the
 *   previous finger does not already cover, so a round costs about log2(N) lookups.</li>
 *   <li>Recursive greedy routing: each hop forwards to the closest preceding live node it knows (fingers and
 *   successors); a node whose successor list covers the key forwards straight to the owner, and the owner answers the
 *   originator directly. The originator retries a bounded number of times.</li>
 *   <li>Failure detection: phi-accrual over round trips (pings answered by pongs, stabilization replies) to successors,
 *   predecessor and fingers. Only round trips count, so an asymmetric link is suspected from both ends. A suspected
 *   address leaves the routing state for a bounded time and keeps being pinged; a pong clears the suspicion.</li>
 *   <li>Join and ring merge are one mechanism: periodically a node asks a random address from discovery to look up
 *   {@code self + 1} in that node's ring (a {@link MergeProbe}). If the answer lies between this node and its
 *   successor, it becomes the successor; stabilization then zips the rings together (cf. Shafaat et al., "Dealing
 *   with network partitions in structured overlay networks", 2009). A fresh node is simply a ring of one.</li>
 *   <li>Graceful leave splices the node out by telling its predecessor and successor.</li>
 * </ul>
 *
 * <p>Pure and single-threaded: all time, randomness and I/O come through the {@link Environment}.
 */
public final class RingNode implements Protocol {

    /** Timer tags. */
    sealed interface Tick {
    }

    record StabilizeTick() implements Tick {
    }

    record FingerTick() implements Tick {
    }

    record HeartbeatTick() implements Tick {
    }

    record ProbeTick() implements Tick {
    }

    record LookupTimeout(long requestId, int attempt) implements Tick {
    }

    private static final int BITS = 128;

    private final RingConfig config;
    private final NodeRef self;
    private final RingListener listener;

    private NodeRef predecessor;
    /** Successors in clockwise order; never contains self; empty means this node is alone on its ring. */
    private final List<NodeRef> successors = new ArrayList<>();
    /** finger[i] = successor(self + 2^i), or null where that is self or unknown. */
    private final NodeRef[] fingers = new NodeRef[BITS];
    private int fingerCursor = -1;
    private PhiAccrualDetector detector;
    private final Map<Address, Long> suspectedUntilMillis = new HashMap<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextRequestId;
    private boolean stopped;
    private Address firstContact;

    public RingNode(RingId id, Address address, RingConfig config, RingListener listener) {
        this.config = config;
        this.self = new NodeRef(id, address);
        this.listener = listener == null ? RingListener.NONE : listener;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start(Environment env) {
        detector = new PhiAccrualDetector(config.phiThreshold(), config.minStdDeviationMillis(),
                config.acceptablePauseMillis(), 2 * config.heartbeatIntervalMillis());
        RandomJitter j = new RandomJitter(env);
        env.setTimer(j.upTo(config.stabilizeIntervalMillis()), new StabilizeTick());
        env.setTimer(j.upTo(config.fixFingersIntervalMillis()), new FingerTick());
        env.setTimer(j.upTo(config.heartbeatIntervalMillis()), new HeartbeatTick());
        probe(env);
        env.setTimer(config.joinRetryMillis(), new ProbeTick());
    }

    /**
     * Graceful leave: tells the predecessor and successor to splice this node out, then ignores everything. The
     * successor takes over this node's range.
     */
    public void leave(Environment env) {
        if (stopped) {
            return;
        }
        Leave msg = new Leave(self, predecessor, successors);
        if (predecessor != null) {
            env.send(predecessor.address(), msg);
        }
        if (!successors.isEmpty() && (predecessor == null || !successors.get(0).equals(predecessor))) {
            env.send(successors.get(0).address(), msg);
        }
        listener.onAction("leave", self + " leaves");
        stopped = true;
        List<Pending> waiting = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : waiting) {
            if (p.purpose == Purpose.USER) {
                p.callback.failed(p.key); // nobody is left to retry it
            }
        }
    }

    // ------------------------------------------------------------------ read-only view (checkers, status, console)

    public NodeRef self() {
        return self;
    }

    /** The predecessor, or null if unknown. */
    public NodeRef predecessor() {
        return predecessor;
    }

    /** A copy of the successor list, closest first; empty when alone. */
    public List<NodeRef> successors() {
        return List.copyOf(successors);
    }

    /** An immutable copy of this node's ring state. Call it on the node's own thread. */
    public RingView view() {
        return new RingView(self, predecessor, successors, java.util.Arrays.asList(fingers),
                config.successorListLength(), stopped);
    }

    /** The successor, or self when alone. */
    public NodeRef successor() {
        return successors.isEmpty() ? self : successors.get(0);
    }

    /** finger[i] = successor(self + 2^i), or null where that is this node itself or not yet known. */
    public NodeRef finger(int i) {
        return fingers[i];
    }

    public boolean isStopped() {
        return stopped;
    }

    public RingConfig config() {
        return config;
    }

    /** True if this node believes it owns {@code key}: key in (predecessor, self], or it is alone; never once left. */
    public boolean isResponsibleFor(RingId key) {
        if (stopped) {
            return false; // left the ring: responsible for nothing
        }
        if (successors.isEmpty()) {
            return true;
        }
        return predecessor != null && key.inHalfOpen(predecessor.id(), self.id());
    }

    // ------------------------------------------------------------------ lookups

    /** Starts a lookup of the node responsible for {@code key}; the callback runs on this node's event loop. */
    public void lookup(Environment env, RingId key, LookupCallback callback) {
        if (stopped) {
            callback.failed(key);
            return;
        }
        long id = ++nextRequestId;
        pending.put(id, new Pending(key, Purpose.USER, -1, callback));
        env.setTimer(config.lookupTimeoutMillis(), new LookupTimeout(id, 0));
        route(env, new Lookup(id, self.address(), self.address(), key, 0, false, false));
    }

    private void startInternalLookup(Environment env, RingId key, Purpose purpose, int fingerIndex) {
        long id = ++nextRequestId;
        pending.put(id, new Pending(key, purpose, fingerIndex, null));
        env.setTimer(config.lookupTimeoutMillis(), new LookupTimeout(id, 0));
        route(env, new Lookup(id, self.address(), self.address(), key, 0, false, false));
    }

    private void route(Environment env, Lookup msg) {
        RingId key = msg.key();
        if (isResponsibleFor(key) || (msg.toOwner() && predecessor == null)) {
            LookupReply reply = new LookupReply(msg.requestId(), msg.origin(), key, self, msg.hops());
            Address via = msg.replyVia() == null ? msg.origin() : msg.replyVia();
            if (via.equals(self.address())) {
                onLookupReply(env, reply);
            } else {
                env.send(via, reply);
            }
            return;
        }
        if (msg.hops() >= config.maxHops()) {
            return; // a routing loop while the ring is inconsistent; the originator retries
        }
        NodeRef next = null;
        boolean toOwner = false;
        if (msg.toOwner() && predecessor != null) {
            // the sender thought we own the key, but our predecessor sits between: step back towards the owner
            // (the sender may not see our predecessor at all, as in a non-transitive network)
            next = predecessor;
            toOwner = true;
        }
        RingId prev = self.id();
        Address skip = msg.skipOrigin() ? msg.origin() : null;
        for (int i = 0; next == null && i < successors.size(); i++) {
            NodeRef s = successors.get(i);
            if (s.address().equals(skip)) {
                continue; // treat the origin as absent: the key then falls to the entry after it
            }
            if (key.inHalfOpen(prev, s.id())) {
                next = s;
                toOwner = true;
            }
            prev = s.id();
        }
        if (next == null) {
            next = closestPreceding(key, skip);
        }
        if (next == null) {
            // everything we know between us and the key is the origin itself: the owner is the first node we know at
            // or after the key; if that is us (we know nobody else), in our view of the ring we follow the origin
            next = firstKnownAtOrAfter(key, skip);
            if (next == null) {
                LookupReply reply = new LookupReply(msg.requestId(), msg.origin(), key, self, msg.hops());
                env.send(msg.replyVia() == null ? msg.origin() : msg.replyVia(), reply);
                return;
            }
            toOwner = true;
        }
        Address via = msg.replyVia() == null ? next.address() : msg.replyVia();
        env.send(next.address(), new Lookup(msg.requestId(), msg.origin(), via, key, msg.hops() + 1, toOwner,
                msg.skipOrigin()));
    }

    /** The known live node (fingers, successors, predecessor) first at or after {@code key}, if it is not this node. */
    private NodeRef firstKnownAtOrAfter(RingId key, Address skip) {
        NodeRef best = null;
        RingId bestDistance = self.id().minus(key); // this node itself is the fallback
        List<NodeRef> known = new ArrayList<>(successors);
        if (predecessor != null) {
            known.add(predecessor);
        }
        for (NodeRef f : fingers) {
            if (f != null) {
                known.add(f);
            }
        }
        for (NodeRef n : known) {
            if (n.address().equals(skip) || isSuspected(n.address())) {
                continue;
            }
            RingId d = n.id().minus(key);
            if (d.compareTo(bestDistance) < 0) {
                best = n;
                bestDistance = d;
            }
        }
        return best;
    }

    /** The live node this node knows that most closely precedes the key (fingers and successors). */
    private NodeRef closestPreceding(RingId key, Address skip) {
        NodeRef best = null;
        RingId bestDistance = null;
        for (int i = BITS - 1; i >= 0; i--) {
            NodeRef f = fingers[i];
            if (f != null && (i == BITS - 1 || f != fingers[i + 1]) && f.id().inOpen(self.id(), key)
                    && !isSuspected(f.address()) && !f.address().equals(skip)) {
                RingId d = f.id().minus(self.id());
                if (bestDistance == null || d.compareTo(bestDistance) > 0) {
                    best = f;
                    bestDistance = d;
                }
            }
        }
        for (NodeRef s : successors) {
            if (s.id().inOpen(self.id(), key) && !s.address().equals(skip)) {
                RingId d = s.id().minus(self.id());
                if (bestDistance == null || d.compareTo(bestDistance) > 0) {
                    best = s;
                    bestDistance = d;
                }
            }
        }
        if (best != null) {
            return best;
        }
        for (NodeRef s : successors) {
            if (!s.address().equals(skip)) {
                return s;
            }
        }
        return null;
    }

    private void onLookupReply(Environment env, LookupReply reply) {
        if (!reply.origin().equals(self.address())) {
            env.send(reply.origin(), reply); // relay for an origin the owner could not reach
            return;
        }
        Pending p = pending.remove(reply.requestId());
        if (p == null) {
            return; // a late duplicate, or the answer to an attempt we gave up on
        }
        NodeRef r = reply.responsible();
        if (p.purpose == Purpose.USER) {
            p.callback.found(p.key, r, reply.hops());
        } else if (p.purpose == Purpose.FINGER) {
            onFingerFound(env, p.fingerIndex, r);
        } else {
            onMergeCandidate(env, r);
        }
    }

    private void onLookupTimeout(Environment env, LookupTimeout t) {
        Pending p = pending.get(t.requestId());
        if (p == null || p.attempt != t.attempt()) {
            return;
        }
        if (p.purpose == Purpose.MERGE || p.attempt >= config.lookupMaxRetries()) {
            pending.remove(t.requestId());
            if (p.purpose == Purpose.USER) {
                p.callback.failed(p.key);
            } else if (p.purpose == Purpose.FINGER) {
                fingerCursor = -1; // abandon this round; the next tick starts over
            }
            return;
        }
        p.attempt++;
        env.setTimer(config.lookupTimeoutMillis() << Math.min(p.attempt, 3), new LookupTimeout(t.requestId(),
                p.attempt));
        // retries ask the first hop to relay the reply: the owner may not reach us directly
        route(env, new Lookup(t.requestId(), self.address(), null, p.key, 0, false, false));
    }

    // ------------------------------------------------------------------ dispatch

    @Override
    public void onMessage(Environment env, Address from, Message message) {
        if (stopped || !(message instanceof RingMessage m)) {
            return;
        }
        if (m instanceof Lookup l) {
            route(env, l);
        } else if (m instanceof LookupReply r) {
            onLookupReply(env, r);
        } else if (m instanceof Stabilize s) {
            onStabilize(env, s);
        } else if (m instanceof StabilizeReply r) {
            onStabilizeReply(env, from, r);
        } else if (m instanceof Ping) {
            env.send(from, new Pong(self));
        } else if (m instanceof Pong) {
            onRoundTrip(env, from);
        } else if (m instanceof MergeProbe p) {
            route(env, new Lookup(p.requestId(), p.prober().address(), p.prober().address(), p.prober().id().next(), 0,
                    false, true));
        } else if (m instanceof Leave l) {
            onLeave(env, l);
        }
    }

    @Override
    public void onTimer(Environment env, Object tag) {
        if (stopped || !(tag instanceof Tick t)) {
            return;
        }
        if (t instanceof StabilizeTick) {
            stabilize(env);
            env.setTimer(config.stabilizeIntervalMillis(), t);
        } else if (t instanceof FingerTick) {
            if (fingerCursor < 0) {
                fingerCursor = 0;
                continueFingerRound(env);
            }
            env.setTimer(config.fixFingersIntervalMillis(), t);
        } else if (t instanceof HeartbeatTick) {
            heartbeat(env);
            env.setTimer(config.heartbeatIntervalMillis(), t);
        } else if (t instanceof ProbeTick) {
            probe(env);
            env.setTimer(successors.isEmpty() ? config.joinRetryMillis() : config.mergeProbeIntervalMillis(), t);
        } else if (t instanceof LookupTimeout l) {
            onLookupTimeout(env, l);
        }
    }

    // ------------------------------------------------------------------ stabilization

    private void stabilize(Environment env) {
        if (successors.isEmpty()) {
            if (predecessor != null) {
                // alone but someone thinks we follow it: ask it who follows us (not simply "it": after a restart our
                // predecessor is behind us, and adopting it as successor would send the ring the wrong way round)
                sendProbe(env, predecessor.address());
            }
            return;
        }
        env.send(successors.get(0).address(), new Stabilize(self));
    }

    private void onStabilize(Environment env, Stabilize s) {
        NodeRef c = s.sender();
        if (!c.equals(self) && !isSuspected(c.address())) {
            if (predecessor == null || c.id().inOpen(predecessor.id(), self.id())) {
                setPredecessor(c);
            }
        }
        env.send(c.address(), new StabilizeReply(self, predecessor, successors));
    }

    private void onStabilizeReply(Environment env, Address from, StabilizeReply r) {
        onRoundTrip(env, from);
        if (successors.isEmpty() || !successors.get(0).equals(r.sender())) {
            return; // stale: we changed successor since asking
        }
        NodeRef s = r.sender();
        if (config.brokenStabilizationForTest()) {
            return; // planted bug: learn nothing
        }
        List<NodeRef> fresh = new ArrayList<>(config.successorListLength() + 1);
        // Chord's rule, the successor's predecessor, and its successor list too: in a ring that closed the wrong way
        // round (a "loopy" ring, after every node suspected its successor at once: 0 -> 2 -> 1 -> 0 on three nodes)
        // each node's successor's predecessor is the node itself, and only the list names the node in between
        NodeRef closer = closestLiveBetween(s, r.predecessor(), r.successors());
        if (closer != null) {
            fresh.add(closer);
            listener.onAction("stabilize", "successor " + s + " -> " + closer);
        }
        fresh.add(s);
        boolean wrapped = false;
        for (NodeRef n : r.successors()) {
            if (n.equals(self)) {
                wrapped = true;
                break; // the list wrapped around the whole (small) ring
            }
            if (!isSuspected(n.address())) {
                fresh.add(n);
            }
        }
        if (!wrapped) {
            // a successor that just restarted knows few successors: keep what we knew beyond it, in order; entries
            // that died are dropped by the failure detector
            for (NodeRef n : successors) {
                if (n.id().inOpen(s.id(), self.id())) {
                    fresh.add(n);
                }
            }
        }
        replaceSuccessors(fresh);
        if (closer != null) {
            env.send(closer.address(), new Stabilize(self)); // walk to the true successor now, not a period later
        }
    }

    /** The live node of {@code predecessor} and {@code list} closest after this node and before {@code s}, or null. */
    private NodeRef closestLiveBetween(NodeRef s, NodeRef predecessor, List<NodeRef> list) {
        NodeRef best = null;
        for (int i = -1; i < list.size(); i++) {
            NodeRef c = i < 0 ? predecessor : list.get(i);
            if (c != null && !c.equals(self) && !isSuspected(c.address())
                    && c.id().inOpen(self.id(), best == null ? s.id() : best.id())) {
                best = c;
            }
        }
        return best;
    }

    /** Sets the successor list to {@code fresh}, deduplicated, in clockwise order from self, cut to length L. */
    private void replaceSuccessors(List<NodeRef> fresh) {
        Set<NodeRef> seen = new LinkedHashSet<>();
        RingId prev = self.id();
        for (NodeRef n : fresh) {
            if (n.equals(self) || seen.contains(n)) {
                continue;
            }
            if (!seen.isEmpty() && !n.id().inOpen(prev, self.id())) {
                continue; // out of clockwise order: a stale entry
            }
            seen.add(n);
            prev = n.id();
            if (seen.size() == config.successorListLength()) {
                break;
            }
        }
        successors.clear();
        successors.addAll(seen);
    }

    private void adoptSuccessor(NodeRef candidate, String why) {
        List<NodeRef> fresh = new ArrayList<>(successors.size() + 1);
        fresh.add(candidate);
        for (NodeRef n : successors) {
            if (n.id().inOpen(candidate.id(), self.id())) {
                fresh.add(n);
            }
        }
        replaceSuccessors(fresh);
        listener.onAction("stabilize", "successor " + candidate + " (" + why + ")");
    }

    private void setPredecessor(NodeRef p) {
        NodeRef old = predecessor;
        predecessor = p;
        listener.onPredecessorChanged(old, p);
    }

    // ------------------------------------------------------------------ join and merge

    private void probe(Environment env) {
        if (firstContact != null) {
            Address contact = firstContact;
            firstContact = null;
            if (!contact.equals(self.address())) {
                sendProbe(env, contact);
                return;
            }
        }
        List<Address> known = env.knownAddresses();
        if (known.isEmpty()) {
            return;
        }
        Address target = known.get(env.random().nextInt(known.size()));
        if (target.equals(self.address()) || (!successors.isEmpty() && inRoutingState(target))) {
            return; // already a neighbour or finger: nothing to learn this round
        }
        sendProbe(env, target);
    }

    /** Asks {@code target} to look up who follows this node in its ring. */
    private void sendProbe(Environment env, Address target) {
        long id = ++nextRequestId;
        pending.put(id, new Pending(self.id().next(), Purpose.MERGE, -1, null));
        env.setTimer(config.lookupTimeoutMillis(), new LookupTimeout(id, 0));
        env.send(target, new MergeProbe(id, self));
    }

    private void onMergeCandidate(Environment env, NodeRef candidate) {
        if (candidate.equals(self)) {
            return;
        }
        if (isSuspected(candidate.address())) {
            return; // second-hand news of a node we cannot reach; our pings will clear the suspicion if it is back
        }
        if (successors.isEmpty() || candidate.id().inOpen(self.id(), successors.get(0).id())) {
            boolean joining = successors.isEmpty();
            adoptSuccessor(candidate, joining ? "join" : "merge");
            listener.onAction(joining ? "join" : "merge", self + " -> " + candidate);
            env.send(candidate.address(), new Stabilize(self));
        }
    }

    /**
     * The address the first join probe goes to (instead of a random one from discovery): a node that was told where
     * to stand by a member joins that member's ring. Call before {@link #start}.
     */
    public void firstContact(Address contact) {
        this.firstContact = contact;
    }

    private boolean inRoutingState(Address a) {
        if (predecessor != null && predecessor.address().equals(a)) {
            return true;
        }
        for (NodeRef s : successors) {
            if (s.address().equals(a)) {
                return true;
            }
        }
        for (NodeRef f : fingers) {
            if (f != null && f.address().equals(a)) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ leave

    private void onLeave(Environment env, Leave l) {
        NodeRef gone = l.leaving();
        suspect(env, gone.address(), "left");
        if (predecessor == null && l.predecessor() != null && !l.predecessor().equals(self)
                && self.equals(firstOrNull(l.successors()))) {
            setPredecessor(l.predecessor());
        }
        if (!l.successors().isEmpty() && (successors.isEmpty()
                || l.successors().get(0).id().inHalfOpen(self.id(), successors.get(0).id()))) {
            List<NodeRef> fresh = new ArrayList<>(l.successors());
            fresh.addAll(successors);
            replaceSuccessors(fresh);
        }
        listener.onAction("leave", gone + " spliced out");
    }

    private static NodeRef firstOrNull(List<NodeRef> list) {
        return list.isEmpty() ? null : list.get(0);
    }

    // ------------------------------------------------------------------ failure detection

    private void heartbeat(Environment env) {
        long now = env.nowMillis();
        for (Iterator<Map.Entry<Address, Long>> it = suspectedUntilMillis.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue() <= now) {
                it.remove();
            }
        }
        detector.monitorExactly(monitoredAddresses(), now);
        for (Address a : detector.suspects(now)) {
            suspect(env, a, "phi above threshold");
        }
        List<Address> monitored = monitoredAddresses(); // suspicions above may have shrunk it
        Ping ping = new Ping(self);
        for (Address a : monitored) {
            env.send(a, ping);
        }
        List<Address> suspects = new ArrayList<>(suspectedUntilMillis.keySet());
        suspects.sort(null);
        for (Address a : suspects) {
            env.send(a, ping); // keep probing: a pong ends a false suspicion
        }
    }

    private List<Address> monitoredAddresses() {
        Set<Address> out = new LinkedHashSet<>();
        for (NodeRef s : successors) {
            out.add(s.address());
        }
        if (predecessor != null) {
            out.add(predecessor.address());
        }
        for (NodeRef f : fingers) {
            if (f != null) {
                out.add(f.address());
            }
        }
        out.remove(self.address());
        return new ArrayList<>(out);
    }

    private void onRoundTrip(Environment env, Address from) {
        detector.heartbeat(from, env.nowMillis());
        if (suspectedUntilMillis.remove(from) != null) {
            listener.onAction("suspect", "cleared " + from);
        }
    }

    public boolean isSuspected(Address a) {
        return suspectedUntilMillis.containsKey(a);
    }

    private void suspect(Environment env, Address a, String why) {
        if (a.equals(self.address())) {
            return;
        }
        suspectedUntilMillis.put(a, env.nowMillis() + config.suspicionTtlMillis());
        boolean changed = successors.removeIf(n -> n.address().equals(a));
        if (predecessor != null && predecessor.address().equals(a)) {
            setPredecessor(null);
            changed = true;
        }
        for (int i = 0; i < BITS; i++) {
            if (fingers[i] != null && fingers[i].address().equals(a)) {
                fingers[i] = null;
                changed = true;
            }
        }
        if (successors.isEmpty()) {
            NodeRef fallback = closestLiveAfterSelf();
            if (fallback != null) {
                adoptSuccessor(fallback, "all successors suspected");
            }
        }
        if (changed) {
            listener.onAction("suspect", a + " (" + why + ")");
        }
    }

    private NodeRef closestLiveAfterSelf() {
        for (NodeRef f : fingers) {
            if (f != null && !isSuspected(f.address())) {
                return f;
            }
        }
        return predecessor;
    }

    // ------------------------------------------------------------------ fingers

    private void continueFingerRound(Environment env) {
        if (successors.isEmpty()) {
            java.util.Arrays.fill(fingers, null);
            fingerCursor = -1;
            return;
        }
        if (fingerCursor == 0) {
            fingers[0] = successors.get(0);
            fingerCursor = 1;
        }
        while (fingerCursor > 0 && fingerCursor < BITS) {
            RingId start = self.id().plusPowerOfTwo(fingerCursor);
            NodeRef previous = fingers[fingerCursor - 1];
            if (previous == null) {
                // the previous finger is this node itself: so are all later ones
                java.util.Arrays.fill(fingers, fingerCursor, BITS, null);
                fingerCursor = -1;
                return;
            }
            if (start.inHalfOpen(self.id(), previous.id())) {
                fingers[fingerCursor] = previous;
                fingerCursor++;
                continue;
            }
            startInternalLookup(env, start, Purpose.FINGER, fingerCursor);
            return;
        }
        fingerCursor = -1;
        listener.onAction("fingers", "refreshed");
    }

    private void onFingerFound(Environment env, int index, NodeRef r) {
        if (index != fingerCursor) {
            return;
        }
        fingers[index] = r.equals(self) || isSuspected(r.address()) ? null : r;
        fingerCursor++;
        continueFingerRound(env);
    }

    // ------------------------------------------------------------------ helpers

    private enum Purpose { USER, FINGER, MERGE }

    private static final class Pending {
        final RingId key;
        final Purpose purpose;
        final int fingerIndex;
        final LookupCallback callback;
        int attempt;

        Pending(RingId key, Purpose purpose, int fingerIndex, LookupCallback callback) {
            this.key = key;
            this.purpose = purpose;
            this.fingerIndex = fingerIndex;
            this.callback = callback;
        }
    }

    /** Spreads the first timer of each kind so that nodes started together do not tick in lockstep. */
    private record RandomJitter(Environment env) {
        long upTo(long periodMillis) {
            return 1 + env.random().nextLong(periodMillis);
        }
    }

    @Override
    public String toString() {
        return "RingNode[" + self + ", pred=" + predecessor + ", succ=" + successor() + "]";
    }
}
