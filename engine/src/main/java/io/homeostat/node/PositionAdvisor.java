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
     * The member whose offer placed this node, or null. Until this node's ring has included it as a neighbour (or the
     * ring is large enough that the successor list is full, or this node holds a replica position, which only the
     * cluster's views hand out), this node may be in a ring of newcomers that has not merged with the cluster yet,
     * and its picture would place joiners on top of members it does not know. {@link #observe} clears it as soon as
     * one of those holds: checking only when a probe arrives would miss a placer that was a neighbour and then
     * crashed, and nodes placed by a crashed founder would never advise again.
     */
    private Address placedBy;

    private final ActionLog actions;

    PositionAdvisor(Placement placement, int successorListLength, ActionLog actions) {
        this.placement = placement;
        this.successorListLength = successorListLength;
        this.actions = actions;
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

    /** The widest range, in slots, between consecutive known nodes (the whole circle for one node alone). */
    private int widestRangeSlots(List<RingId> arc, boolean whole) {
        if (arc.size() == 1) {
            return placement.slots();
        }
        int widest = 0;
        int ranges = whole ? arc.size() : arc.size() - 1;
        for (int i = 0; i < ranges; i++) {
            widest = Math.max(widest, PositionChooser.rangeSlots(placement, arc.get(i), arc.get((i + 1) % arc.size())));
        }
        return widest;
    }

    /** Called after every ring event: clears {@link #placedBy} once this node is evidently in the cluster's ring. */
    void observe(RingNode ring, boolean holdsReplicaPositions) {
        if (placedBy != null && (holdsReplicaPositions || neighbour(ring, placedBy)
                || ring.successors().size() >= successorListLength)) {
            placedBy = null; // we are in the cluster's ring
        }
    }

    void onProbe(Environment env, Address from, PositionProbe probe, RingNode ring, boolean holdsReplicaPositions) {
        observe(ring, holdsReplicaPositions);
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
        actions.onAction("join", "offered slot boundary " + PositionChooser.boundary(placement, offer) + " to " + from
                + " (knew " + arc.size() + " nodes" + (whole ? ", the whole ring" : "") + ", widest range "
                + widestRangeSlots(arc, whole) + " slots, " + (reservations.size() - 1) + " other reservations)");
        env.send(from, new PositionOffer(probe.requestId(), offer, false));
    }
}
