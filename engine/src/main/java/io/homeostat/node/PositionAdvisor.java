package io.homeostat.node;

import io.homeostat.replica.Placement;
import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingMessage.PositionOffer;
import io.homeostat.ring.RingMessage.PositionProbe;
import io.homeostat.ring.RingNode;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A member's side of the balanced join: answers {@link PositionProbe}s with a position chosen by
 * {@link PositionChooser} from what this node knows of the ring. Positions it offered stay reserved for a while, so
 * nodes that start together and ask the same member are spread out instead of being sent to the same place.
 */
final class PositionAdvisor {

    /** How long an offered position counts as taken: long enough for the joiner to appear in our successor list. */
    static final long RESERVATION_MILLIS = 10_000;
    /** At most this many reservations are remembered; the oldest go first. */
    static final int MAX_RESERVATIONS = 32;

    private record Reservation(RingId position, long expiresAtMillis) {
    }

    private final Placement placement;
    private final int successorListLength;
    private final Deque<Reservation> reservations = new ArrayDeque<>();
    /**
     * Whether to offer positions while alone on the ring. True for a node that founded its ring; false for one that
     * took an offer and has not joined yet: its ring of one says nothing about the cluster it is about to join.
     */
    private boolean adviseWhileAlone = true;
    /**
     * The member whose offer placed this node, or null. Until this node's ring includes it (or the ring is large
     * enough that the successor list is full), this node may be in a ring of newcomers that has not merged with the
     * cluster yet, and its picture would place joiners on top of members it does not know.
     */
    private Address placedBy;

    PositionAdvisor(Placement placement, int successorListLength) {
        this.placement = placement;
        this.successorListLength = successorListLength;
    }

    /** This node took a position offered by {@code offerer}: see {@link #placedBy}. */
    void placedBy(Address offerer) {
        this.adviseWhileAlone = false;
        this.placedBy = offerer;
    }

    /** Whether {@code a} is our predecessor or one of our successors (a finger may be stale). */
    private static boolean neighbour(RingNode ring, Address a) {
        if (ring.predecessor() != null && ring.predecessor().address().equals(a)) {
            return true;
        }
        for (NodeRef n : ring.successors()) {
            if (n.address().equals(a)) {
                return true;
            }
        }
        return false;
    }

    void onProbe(Environment env, Address from, PositionProbe probe, RingNode ring) {
        if (placedBy != null && (neighbour(ring, placedBy) || ring.successors().size() >= successorListLength)) {
            placedBy = null; // we are in the cluster's ring
        }
        if (ring.isStopped() || (!adviseWhileAlone && ring.successors().isEmpty()) || placedBy != null) {
            env.send(from, new PositionOffer(probe.requestId(), null, false)); // leaving, or not joined yet
            return;
        }
        long now = env.nowMillis();
        reservations.removeIf(r -> r.expiresAtMillis() <= now);
        List<RingId> arc = new ArrayList<>();
        NodeRef pred = ring.predecessor();
        List<NodeRef> successors = ring.successors();
        boolean whole;
        if (successors.isEmpty()) {
            arc.add(ring.self().id()); // alone (a predecessor without successors is a ring still forming)
            whole = true;
        } else {
            int predAt = pred == null ? -1 : successors.indexOf(pred);
            whole = predAt >= 0; // the successor list wraps round to our predecessor: we see the whole ring
            if (!whole && successors.size() < successorListLength) {
                // a small ring still stabilizing: a partial picture would place the joiner badly; let it ask again
                env.send(from, new PositionOffer(probe.requestId(), null, false));
                return;
            }
            if (!whole && pred != null) {
                arc.add(pred.id());
            }
            arc.add(ring.self().id());
            for (int i = 0; i < successors.size() && (!whole || i <= predAt); i++) {
                arc.add(successors.get(i).id());
            }
        }
        RingId offer = PositionChooser.choose(placement, arc, whole,
                reservations.stream().map(Reservation::position).toList(), env.random());
        if (reservations.size() >= MAX_RESERVATIONS) {
            reservations.removeFirst();
        }
        reservations.addLast(new Reservation(offer, now + RESERVATION_MILLIS));
        env.send(from, new PositionOffer(probe.requestId(), offer, false));
    }
}
