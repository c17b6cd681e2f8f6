package io.homeostat.replica;

import io.homeostat.runtime.Address;
import java.util.Comparator;

/** A Paxos ballot: a round number, ties broken by the proposer's address. {@link #ZERO} precedes every other. */
public record Ballot(long round, Address proposer) implements Comparable<Ballot> {

    public static final Ballot ZERO = new Ballot(0, new Address("-", 0));

    private static final Comparator<Ballot> ORDER = Comparator.comparingLong(Ballot::round)
            .thenComparing(Ballot::proposer);

    /** The smallest ballot of {@code proposer} above {@code other}. */
    public static Ballot above(Ballot other, Address proposer) {
        return new Ballot(other.round + 1, proposer);
    }

    @Override
    public int compareTo(Ballot o) {
        return ORDER.compare(this, o);
    }

    public boolean isAbove(Ballot o) {
        return compareTo(o) > 0;
    }
}
