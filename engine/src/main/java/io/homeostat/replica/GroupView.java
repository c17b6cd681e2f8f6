package io.homeostat.replica;

import io.homeostat.ring.NodeRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The agreed membership of one replica group: which node holds replica i of the group, at which epoch.
 *
 * <p>Views change only by consensus among the members of the current view (see {@link ViewAcceptor}), one position at
 * a time, each change raising the epoch by one. Data operations carry the epoch and are refused by a member whose view
 * differs, so a quorum is always a quorum of one view (consistent quorums, after CATS: Arad et al., SoCC 2013).
 *
 * @param members member per replica index; the same node may hold several indices while the ring is small
 */
public record GroupView(int group, long epoch, List<NodeRef> members) {

    public GroupView {
        members = List.copyOf(members);
        if (epoch < 1) {
            throw new IllegalArgumentException("epochs start at 1");
        }
        if (members.isEmpty() || members.size() % 2 == 0) {
            throw new IllegalArgumentException("a group has an odd number of members, got " + members.size());
        }
    }

    /** The first view of a group: one founder holds every replica. */
    public static GroupView founding(int group, int replication, NodeRef founder) {
        List<NodeRef> m = new ArrayList<>();
        for (int i = 0; i < replication; i++) {
            m.add(founder);
        }
        return new GroupView(group, 1, m);
    }

    public int replication() {
        return members.size();
    }

    public int majority() {
        return members.size() / 2 + 1;
    }

    public NodeRef member(int index) {
        return members.get(index);
    }

    /** The view that follows this one with replica {@code index} held by {@code node}. */
    public GroupView with(int index, NodeRef node) {
        Objects.requireNonNull(node, "node");
        List<NodeRef> m = new ArrayList<>(members);
        m.set(index, node);
        return new GroupView(group, epoch + 1, m);
    }

    /** True if {@code node} holds at least one replica index in this view. */
    public boolean contains(NodeRef node) {
        return members.contains(node);
    }
}
