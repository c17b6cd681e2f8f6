package io.homeostat.check;

import io.homeostat.ring.NodeRef;
import io.homeostat.ring.RingId;
import io.homeostat.ring.RingView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Checks the shape of a ring from the outside, given every live node's state: one ring, in id order.
 *
 * <ul>
 *   <li>each node's successor is the next live id, and its successor list holds the next min(L, N-1) live ids;</li>
 *   <li>each node's predecessor is the previous live id (none when alone);</li>
 *   <li>each finger i is successor(id + 2^i) among live nodes (empty where that is the node itself).</li>
 * </ul>
 * Returns human-readable violations, at most {@code maxViolations}; an empty list means the ring is correct. It reads
 * {@link RingView} copies, so it runs on simulator state and on snapshots taken from live nodes alike.
 */
public final class RingChecker {

    private RingChecker() {
    }

    public static List<String> check(Collection<RingView> live, int maxViolations) {
        List<String> out = new ArrayList<>();
        RingView[] nodes = live.toArray(new RingView[0]);
        Arrays.sort(nodes, Comparator.comparing(n -> n.self().id()));
        int n = nodes.length;
        RingId[] ids = new RingId[n];
        for (int i = 0; i < n; i++) {
            ids[i] = nodes[i].self().id();
            if (i > 0 && ids[i].equals(ids[i - 1])) {
                add(out, maxViolations, "two live nodes share id " + ids[i]);
            }
        }
        for (int i = 0; i < n && out.size() < maxViolations; i++) {
            RingView node = nodes[i];
            NodeRef self = node.self();
            if (node.stopped()) {
                add(out, maxViolations, self + " has left but is counted as live");
            }
            int wanted = Math.min(node.successorListLength(), n - 1);
            List<NodeRef> succ = node.successors();
            if (succ.size() != wanted) {
                add(out, maxViolations, self + " has " + succ.size() + " successors, expected " + wanted + ": " + succ);
            }
            for (int k = 0; k < Math.min(wanted, succ.size()); k++) {
                NodeRef expected = nodes[(i + 1 + k) % n].self();
                if (!succ.get(k).equals(expected)) {
                    add(out, maxViolations, self + " successor[" + k + "] is " + succ.get(k) + ", expected " + expected);
                    break;
                }
            }
            NodeRef expectedPred = n == 1 ? null : nodes[(i - 1 + n) % n].self();
            if (!Objects.equals(node.predecessor(), expectedPred)) {
                add(out, maxViolations, self + " predecessor is " + node.predecessor() + ", expected " + expectedPred);
            }
            for (int f = 0; f < 128; f++) {
                RingId start = self.id().plusPowerOfTwo(f);
                int j = ceiling(ids, start);
                NodeRef expected = nodes[j].self().equals(self) ? null : nodes[j].self();
                if (!Objects.equals(node.finger(f), expected)) {
                    add(out, maxViolations, self + " finger[" + f + "] is " + node.finger(f) + ", expected " + expected);
                    break;
                }
            }
        }
        return out;
    }

    /** The node that owns {@code key} in a correct ring of these nodes: the first at or after it, wrapping. */
    public static NodeRef owner(Collection<RingView> live, RingId key) {
        if (live.isEmpty()) {
            throw new IllegalArgumentException("no live nodes");
        }
        RingView[] nodes = live.toArray(new RingView[0]);
        Arrays.sort(nodes, Comparator.comparing(v -> v.self().id()));
        RingId[] ids = new RingId[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            ids[i] = nodes[i].self().id();
        }
        return nodes[ceiling(ids, key)].self();
    }

    /** Index of the first id >= key, wrapping to 0. */
    private static int ceiling(RingId[] ids, RingId key) {
        int lo = 0;
        int hi = ids.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ids[mid].compareTo(key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == ids.length ? 0 : lo;
    }

    private static void add(List<String> out, int max, String violation) {
        if (out.size() < max) {
            out.add(violation);
        }
    }
}
