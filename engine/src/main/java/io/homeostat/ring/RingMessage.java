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
     */
    record Lookup(long requestId, Address origin, RingId key, int hops, boolean toOwner) implements RingMessage {
    }

    /** The answer to a {@link Lookup}: {@code responsible} is the node that owns {@code key}. */
    record LookupReply(long requestId, RingId key, NodeRef responsible, int hops) implements RingMessage {
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
}
