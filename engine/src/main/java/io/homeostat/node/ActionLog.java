package io.homeostat.node;

import io.homeostat.ring.RingListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The recent actions of a node's self-management loops (ring stabilization, suspicion, join, merge and leave; replica
 * claims, repair and handoff), newest last, for operators and the console. Bounded: the oldest entries go first.
 * Written and read on the node's event loop only.
 */
public final class ActionLog implements RingListener {

    /**
     * One action: when (the node's clock, of the latest occurrence), which loop, what it did, and how many times in a
     * row the same kind of action happened (the same loop and text up to numbers: a repair of 64 groups is one entry
     * with {@code times} 64 and the first group's text, not 64 entries that push everything else out).
     */
    public record Action(long atMillis, String loop, String detail, int times) {
    }

    /** Entries kept. */
    public static final int MAX_ACTIONS = 64;

    private final Deque<Action> actions = new ArrayDeque<>();
    private long nowMillis;

    /** The node's clock as of the event being handled; actions are stamped with it. */
    void tick(long nowMillis) {
        this.nowMillis = nowMillis;
    }

    @Override
    public void onAction(String loop, String detail) {
        if (loop.equals("fingers")) {
            return; // a routine refresh every few seconds: it would push the interesting actions out
        }
        Action last = actions.peekLast();
        if (last != null && last.loop().equals(loop) && shape(last.detail()).equals(shape(detail))) {
            actions.removeLast();
            actions.addLast(new Action(nowMillis, loop, last.detail(), last.times() + 1));
            return;
        }
        if (actions.size() >= MAX_ACTIONS) {
            actions.removeFirst();
        }
        actions.addLast(new Action(nowMillis, loop, detail, 1));
    }

    /** The text with every run of digits replaced: actions of one shape differ only in group numbers and epochs. */
    private static String shape(String detail) {
        StringBuilder b = new StringBuilder(detail.length());
        boolean inNumber = false;
        for (int i = 0; i < detail.length(); i++) {
            char c = detail.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            if (!digit) {
                b.append(c);
            } else if (!inNumber) {
                b.append('#');
            }
            inNumber = digit;
        }
        return b.toString();
    }

    /** A copy, oldest first. */
    public List<Action> recent() {
        return new ArrayList<>(actions);
    }
}
