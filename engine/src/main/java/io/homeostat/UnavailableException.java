package io.homeostat;

/**
 * No majority of the replicas of a key could be reached (a partition, or too many crashed nodes); the message names
 * the replica group and why. A write that fails this way did not take effect, except where the message says its
 * outcome is unknown.
 */
public final class UnavailableException extends HomeostatException {

    public UnavailableException(String message) {
        super(message);
    }
}
