package io.homeostat.node;

import io.homeostat.replica.Placement;
import io.homeostat.ring.RingId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * Chooses the ring position of a joining node so that the replicas of every group land on distinct nodes.
 *
 * <h2>Why</h2>
 * Replica i of group g lives in slot {@code g + i*G} of {@link Placement}'s grid: the R slots of a group are exactly
 * 1/R of the circle apart, and each slot is held by the node responsible for its first point. A node whose range
 * covers more than G consecutive slots holds two replicas of some groups, and its crash takes a majority of those
 * groups with it. At uniformly random positions that is the common case for small clusters: with 3 nodes and R = 3 a
 * single crash leaves some groups without a majority in most layouts. So, like Scalaris' join (Schütt, Schintke and
 * Reinefeld, "Scalaris: reliable transactional P2P key/value store", 2008), a joining node does not draw a random
 * position; a member proposes one that balances the ring.
 *
 * <h2>How</h2>
 * Ranges are measured in slots. The member looks at the part of the ring it knows contiguously (its predecessor,
 * itself and its successor list, the whole ring in small clusters, plus positions it recently offered to others) and
 * scores cuts of every known range. A range of L slots holds distinct replicas of
 * {@code min(L, G)} groups, so a split of L into a + (L - a) gains
 * {@code min(a, G) + min(L - a, G) - min(L, G)} distinct placements. The best split maximizes that gain, then
 * prefers a cut a multiple of G slots from either end (so the first R nodes settle exactly 1/R apart, after which
 * every range is at most G slots and stays so as midpoints are cut), then the middle of the range, then the larger
 * range; remaining ties are broken at random. The position itself is the last point before the chosen slot
 * boundary minus a random jitter: which slots a node holds depends only on the boundary, and the jitter keeps
 * positions unique across concurrent offers and incarnations.
 *
 * <p>Pure: the caller supplies the known positions and the (seeded) randomness.
 */
final class PositionChooser {

    private PositionChooser() {
    }

    /**
     * @param placement   the slot grid
     * @param arc         known node positions in clockwise order, contiguous: no node lies between two neighbours in
     *                    the list (typically predecessor, self, successors); at least one element
     * @param wholeRing   the arc is the whole ring (the range from its last element back to its first is known too)
     * @param reserved    positions recently offered to other joiners, treated as nodes where they fall in the arc
     * @param random      tie-breaking and jitter
     * @return the proposed position
     */
    static RingId choose(Placement placement, List<RingId> arc, boolean wholeRing, List<RingId> reserved,
            RandomGenerator random) {
        if (arc.isEmpty()) {
            throw new IllegalArgumentException("arc must name at least one node");
        }
        RingId start = arc.get(0);
        RingId end = arc.get(arc.size() - 1);
        // a set: a newcomer that has joined is in the arc and among the reservations, one point not two
        List<RingId> nodes = new ArrayList<>(new LinkedHashSet<>(arc));
        for (RingId r : reserved) {
            if ((wholeRing || r.inOpen(start, end)) && !nodes.contains(r)) {
                nodes.add(r);
            }
        }
        // clockwise order from the arc's start
        nodes.sort((x, y) -> x.minus(start).compareTo(y.minus(start)));
        int slots = placement.slots();
        int groups = placement.groups();
        Candidate best = null;
        int ties = 0;
        int ranges = wholeRing ? nodes.size() : nodes.size() - 1;
        for (int r = 0; r < ranges; r++) {
            RingId from = nodes.get(r);
            int first = boundary(placement, from);
            int length = nodes.size() == 1 ? slots // alone: the whole circle
                    : rangeSlots(placement, from, nodes.get((r + 1) % nodes.size()));
            for (int a : cuts(length, groups)) {
                Candidate c = new Candidate(Math.floorMod(first + a, slots),
                        Math.min(a, groups) + Math.min(length - a, groups) - Math.min(length, groups),
                        a % groups == 0 || (length - a) % groups == 0, Math.abs(2 * a - length), length);
                int cmp = best == null ? 1 : c.compareTo(best);
                if (cmp > 0) {
                    best = c;
                    ties = 1;
                } else if (cmp == 0 && random.nextInt(++ties) == 0) {
                    best = c; // reservoir sampling: a uniform choice among equal candidates
                }
            }
        }
        if (best == null) {
            return RingId.random(random); // every known range is a single slot: nothing to balance
        }
        // the last point before the boundary, minus a jitter far smaller than a slot (a slot spans >= 2^108 points)
        RingId jitter = new RingId(0, 1 + (random.nextLong() >>> 1));
        return placement.anchor(best.boundary).minus(jitter);
    }

    /**
     * The cuts worth scoring in a range of {@code length} slots: multiples of G from either end and the middle. The
     * gain is maximal at some of these (at a = G when the range exceeds G, at the middle otherwise), so scoring every
     * cut would choose among the same best candidates; this keeps the cost independent of the number of slots.
     */
    private static SortedSet<Integer> cuts(int length, int groups) {
        SortedSet<Integer> cuts = new TreeSet<>();
        for (int a = groups; a < length; a += groups) {
            cuts.add(a);
            cuts.add(length - a);
        }
        if (length >= 2) {
            cuts.add(length / 2);
            cuts.add((length + 1) / 2);
        }
        return cuts;
    }

    /** How many slots the node at {@code to} holds when its predecessor stands at {@code from}. */
    static int rangeSlots(Placement placement, RingId from, RingId to) {
        return Math.floorMod(boundary(placement, to) - boundary(placement, from), placement.slots());
    }

    /** The first slot a node at {@code position} does not hold (it holds those whose first point is not after it). */
    static int boundary(Placement placement, RingId position) {
        return (placement.slotOf(position) + 1) % placement.slots();
    }

    private record Candidate(int boundary, int gain, boolean onGrid, int offCentre, int rangeLength)
            implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (gain != o.gain) {
                return Integer.compare(gain, o.gain);
            }
            if (onGrid != o.onGrid) {
                return onGrid ? 1 : -1;
            }
            if (offCentre != o.offCentre) {
                return Integer.compare(o.offCentre, offCentre);
            }
            return Integer.compare(rangeLength, o.rangeLength);
        }
    }
}
