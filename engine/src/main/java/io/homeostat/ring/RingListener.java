package io.homeostat.ring;

/**
 * Upcalls from the ring to the layers above it (replication, the console). Called on the node's event loop; must not
 * block. All methods default to doing nothing.
 */
public interface RingListener {

    RingListener NONE = new RingListener() {
    };

    /** This node's predecessor changed, so its responsibility range (predecessor, self] changed. */
    default void onPredecessorChanged(NodeRef oldPredecessor, NodeRef newPredecessor) {
    }

    /** A self-management loop acted: {@code loop} is one of stabilize, suspect, merge, join, leave, fingers. */
    default void onAction(String loop, String detail) {
    }
}
