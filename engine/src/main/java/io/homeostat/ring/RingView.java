package io.homeostat.ring;

import java.util.Collections;
import java.util.List;

/**
 * An immutable copy of one node's ring state, taken on the node's own thread ({@link RingNode#view()}) and safe to read
 * anywhere: what checkers, status pages and the console look at.
 *
 * @param successors          the successor list, closest first; empty when alone
 * @param fingers             all 128 fingers; an entry is null where that finger is the node itself or unknown
 * @param successorListLength the configured successor-list length L
 */
public record RingView(NodeRef self, NodeRef predecessor, List<NodeRef> successors, List<NodeRef> fingers,
        int successorListLength, boolean stopped) {

    public RingView {
        successors = List.copyOf(successors);
        fingers = Collections.unmodifiableList(new java.util.ArrayList<>(fingers));
        if (fingers.size() != 128) {
            throw new IllegalArgumentException("a ring view has 128 fingers, got " + fingers.size());
        }
    }

    public NodeRef finger(int i) {
        return fingers.get(i);
    }
}
