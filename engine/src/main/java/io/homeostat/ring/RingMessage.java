package io.homeostat.ring;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.util.List;

/** Every message of the ring overlay. */
public sealed interface RingMessage extends Message {

    /**
     * A recursive lookup for the node responsible for {@code key} (the first node at or after it). Forwarded greedily;
     * the responsible node answers {@code origin} directly with a {@link LookupReply}. {@code hops} counts forwards so
     * far. {@code toOwner} is set when the sender's successor list says the receiver owns the key; the receiver then
     * answers unless its own predecessor contradicts that (so a node that lost its predecessor still answers).
     * {@code replyVia} is where the owner sends the reply: the origin itself, or on a retry the origin's first hop,
     * which relays it (connectivity need not be transitive: the owner may not reach the origin directly).
     * {@code skipOrigin} makes routing treat the origin as absent: a joining or restarted node asks "who follows me in
     * your ring", and stale routing entries that still point at it must not answer "you do".
     */
    record Lookup(long requestId, Address origin, Address replyVia, RingId key, int hops, boolean toOwner,
            boolean skipOrigin) implements RingMessage {
    }

    /**
     * The answer to a {@link Lookup}: {@code responsible} is the node that owns {@code key}. A node that receives a
     * reply whose {@code origin} is not itself relays it there.
     */
    record LookupReply(long requestId, Address origin, RingId key, NodeRef responsible, int hops)
            implements RingMessage {
    }

    /**
     * Stabilization, sent to the sender's successor: "I believe I am your predecessor; tell me your predecessor and
     * successors". Doubles as Chord's notify.
     */
    record Stabilize(NodeRef sender) implements RingMessage {
    }

    /** The answer to {@link Stabilize}. {@code predecessor} may be null. */
    record StabilizeReply(NodeRef sender, NodeRef predecessor, List<NodeRef> successors) implements RingMessage {
        public StabilizeReply {
            successors = List.copyOf(successors);
        }
    }

    /** Failure-detector heartbeat request; answered by {@link Pong}. Any message counts as a heartbeat. */
    record Ping(NodeRef sender) implements RingMessage {
    }

    record Pong(NodeRef sender) implements RingMessage {
    }

    /**
     * Ring merge and join: "find my successor in your ring". The receiver starts a {@link Lookup} for
     * {@code prober.id + 1} with the prober as origin, so the prober learns its successor in the receiver's ring.
     */
    record MergeProbe(long requestId, NodeRef prober) implements RingMessage {
    }

    /**
     * Graceful leave, sent to the leaving node's predecessor and successor: splice me out. The successor takes over my
     * range (predecessor, me].
     */
    record Leave(NodeRef leaving, NodeRef predecessor, List<NodeRef> successors) implements RingMessage {
        public Leave {
            successors = List.copyOf(successors);
        }
    }

    /**
     * A starting node asks where to join: "which ring position should I take?". Answered by {@link PositionOffer}. Not
     * handled by the ring itself but by the node's composition root, which knows the replica placement.
     */
    record PositionProbe(long requestId) implements RingMessage {
    }

    /**
     * The answer to a {@link PositionProbe}. {@code offer} is the proposed position, or null if the sender cannot
     * offer one; {@code starting} says the sender is itself still choosing its position (so it has no ring to ask).
     */
    record PositionOffer(long requestId, RingId offer, boolean starting) implements RingMessage {
    }
}
