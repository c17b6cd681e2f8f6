package io.homeostat.runtime.threaded;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Tuning of one {@link ThreadedNode}. Every bound and timeout carries its unit in its name.
 *
 * @param maxInboxMessages   network messages that may wait in the node's inbox; further ones are dropped and counted
 *                           (timer events and {@code execute}/{@code query} actions are never dropped)
 * @param randomSeed         seed of the node's random source; empty means seeded from {@link java.security.SecureRandom}.
 *                           The node mixes the seed with its address, so nodes sharing options draw different sequences
 * @param stopTimeoutMillis  how long {@link ThreadedNode#stop()} waits for the event loop to finish the events queued
 *                           before it; after that the loop thread is interrupted and abandoned
 */
public record NodeOptions(int maxInboxMessages, OptionalLong randomSeed, long stopTimeoutMillis) {

    public static final int DEFAULT_MAX_INBOX_MESSAGES = 10_000;
    public static final long DEFAULT_STOP_TIMEOUT_MILLIS = 5_000;

    public NodeOptions {
        if (maxInboxMessages < 1) {
            throw new IllegalArgumentException("maxInboxMessages must be >= 1, was " + maxInboxMessages);
        }
        Objects.requireNonNull(randomSeed, "randomSeed");
        if (stopTimeoutMillis < 0) {
            throw new IllegalArgumentException("stopTimeoutMillis must be >= 0, was " + stopTimeoutMillis);
        }
    }

    /** 10,000 inbox messages, a SecureRandom seed, 5 s to stop. */
    public static NodeOptions defaults() {
        return new NodeOptions(DEFAULT_MAX_INBOX_MESSAGES, OptionalLong.empty(), DEFAULT_STOP_TIMEOUT_MILLIS);
    }

    public NodeOptions withMaxInboxMessages(int n) {
        return new NodeOptions(n, randomSeed, stopTimeoutMillis);
    }

    /** A reproducible random source (the event order between threads stays nondeterministic). */
    public NodeOptions withRandomSeed(long seed) {
        return new NodeOptions(maxInboxMessages, OptionalLong.of(seed), stopTimeoutMillis);
    }

    public NodeOptions withStopTimeoutMillis(long millis) {
        return new NodeOptions(maxInboxMessages, randomSeed, millis);
    }
}
