package io.homeostat.ring;

/** Completion of a lookup started with {@link RingNode#lookup}. Called on the node's event loop. */
public interface LookupCallback {

    /** {@code responsible} answered after {@code hops} overlay hops. */
    void found(RingId key, NodeRef responsible, int hops);

    /** No answer after all retries. */
    void failed(RingId key);
}
