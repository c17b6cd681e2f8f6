package io.homeostat.runtime;

/**
 * Marker for everything a protocol sends to another node.
 *
 * <p>Each protocol declares its own sealed sub-interface of records (for example the ring's {@code RingMessage}).
 * Messages must be immutable values whose {@code equals}, {@code hashCode} and {@code toString} depend only on their
 * contents (no enums, arrays or identity-hashed objects inside): the simulator's trace digest relies on that, and a test
 * enforces it.
 */
public interface Message {
}
