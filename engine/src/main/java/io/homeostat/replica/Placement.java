package io.homeostat.replica;

import io.homeostat.ring.RingId;
import java.math.BigInteger;

/**
 * Symmetric replication over a fixed grid of slots.
 *
 * <p>The circle is cut into {@code S = R * G} equal slots. A key hashes to a point h; its slot is
 * {@code floor(h * S / 2^128)}, its <em>group</em> is that slot modulo G, and its R replicas live in the slots
 * {@code group + i*G} for i in [0, R): points exactly 1/R of the circle apart, so replica i sits at h + i*2^128/R up to
 * the slot grid (the replica index counts from the group's first slot, not from the key's own slot). Each slot is held by
 * the ring node responsible for the slot's first point. Membership of a group's replicas is agreed per group (see
 * {@code GroupView}), so the ring only proposes who should hold a slot; it never decides it.
 */
public final class Placement {

    private final int replication;
    private final int groups;
    private final int slots;
    /** anchors[s] is the first point of slot s: computed once, so the ownership loop does no big-number arithmetic. */
    private final RingId[] anchors;

    /**
     * @param replication R, odd, 1..15
     * @param groupsLog2  G = 2^groupsLog2 groups
     */
    public Placement(int replication, int groupsLog2) {
        validate(replication, groupsLog2);
        this.replication = replication;
        this.groups = 1 << groupsLog2;
        this.slots = replication * groups;
        this.anchors = new RingId[slots];
        BigInteger s = BigInteger.valueOf(slots);
        for (int i = 0; i < slots; i++) {
            // ceil(i * 2^128 / S): the first point p with floor(p * S / 2^128) == i
            anchors[i] = fromBig(BigInteger.valueOf(i).shiftLeft(128).add(s.subtract(BigInteger.ONE)).divide(s));
        }
    }

    /** Checks a replication factor and group count, with messages that say what is allowed. */
    public static void validate(int replication, int groupsLog2) {
        if (replication < 1 || replication > 15 || replication % 2 == 0) {
            throw new IllegalArgumentException("replication must be odd and in 1..15, was " + replication
                    + " (use 3, the default, or 5)");
        }
        if (groupsLog2 < 0 || groupsLog2 > 20) {
            throw new IllegalArgumentException("groupsLog2 must be in 0..20, was " + groupsLog2);
        }
    }

    public int replication() {
        return replication;
    }

    /** A majority of the replicas: (R + 1) / 2. */
    public int majority() {
        return replication / 2 + 1;
    }

    public int groups() {
        return groups;
    }

    public int slots() {
        return slots;
    }

    /** The slot a point falls in: the last slot whose first point is at or before it. */
    public int slotOf(RingId point) {
        int lo = 0;
        int hi = slots - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (anchors[mid].compareTo(point) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** The group of a key's hash point. */
    public int groupOf(RingId keyPoint) {
        return slotOf(keyPoint) % groups;
    }

    /** The slot holding replica {@code index} of {@code group}. */
    public int slot(int group, int index) {
        checkGroup(group);
        if (index < 0 || index >= replication) {
            throw new IllegalArgumentException("replica index out of range: " + index);
        }
        return group + index * groups;
    }

    public int groupOfSlot(int slot) {
        checkSlot(slot);
        return slot % groups;
    }

    public int indexOfSlot(int slot) {
        checkSlot(slot);
        return slot / groups;
    }

    /** The first point of a slot: the ring node responsible for it holds the slot. */
    public RingId anchor(int slot) {
        checkSlot(slot);
        return anchors[slot];
    }

    private void checkGroup(int group) {
        if (group < 0 || group >= groups) {
            throw new IllegalArgumentException("group out of range: " + group);
        }
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= slots) {
            throw new IllegalArgumentException("slot out of range: " + slot);
        }
    }

    private static RingId fromBig(BigInteger b) {
        return new RingId(b.shiftRight(64).longValue(), b.longValue());
    }

    @Override
    public String toString() {
        return "Placement[R=" + replication + ", groups=" + groups + ", slots=" + slots + "]";
    }
}
