package io.homeostat.jgroups;

/**
 * A received frame could not be decoded: truncated, malformed, oversized, of an unknown version, or encoded by a build
 * whose message schema differs from this one (see {@link MessageCodec#schemaFingerprint()}). The only exception that
 * {@link MessageCodec#decode} throws.
 */
public final class FrameDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why decoding failed, coarse enough to rate-limit log lines and count drops per cause. */
    public enum Cause {
        /** Too short, wrong magic, or unknown format version. */
        BAD_HEADER,
        /** Encoded by a build with a different message schema. */
        SCHEMA_MISMATCH,
        /** Longer than the codec's {@code maxFrameBytes}. */
        TOO_LARGE,
        /** The body is truncated, malformed, exceeds a limit, or a message's own validation rejected it. */
        MALFORMED
    }

    private final Cause cause;

    FrameDecodeException(Cause cause, String message) {
        super(message, null, false, false);
        this.cause = cause;
    }

    FrameDecodeException(Cause cause, String message, Throwable underlying) {
        super(message, underlying, false, false);
        this.cause = cause;
    }

    /** The coarse reason. */
    public Cause reason() {
        return cause;
    }
}
