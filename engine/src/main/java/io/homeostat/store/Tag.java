package io.homeostat.store;

import io.homeostat.runtime.Address;
import java.util.Comparator;

/**
 * The version of a stored value: a counter, ties broken by the writing node and that node's write sequence number, so
 * two writes never share a tag even when one node coordinates both. Tags are totally ordered, so replicas that disagree
 * settle on the largest (multi-writer ABD: Lynch and Shvartsman, 1997). {@link #ZERO} is "never written".
 */
public record Tag(long counter, Address writer, long sequence) implements Comparable<Tag> {

    public static final Tag ZERO = new Tag(0, new Address("-", 0), 0);

    private static final Comparator<Tag> ORDER = Comparator.comparingLong(Tag::counter).thenComparing(Tag::writer)
            .thenComparingLong(Tag::sequence);

    /** The tag with which write number {@code sequence} of node {@code by} supersedes this one. */
    public Tag next(Address by, long sequence) {
        return new Tag(counter + 1, by, sequence);
    }

    @Override
    public int compareTo(Tag o) {
        return ORDER.compare(this, o);
    }

    public boolean isAfter(Tag o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return counter + "@" + writer + "/" + sequence;
    }
}
