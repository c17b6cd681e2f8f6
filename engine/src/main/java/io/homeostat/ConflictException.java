package io.homeostat;

/**
 * A transaction kept conflicting with concurrent ones and was aborted after the configured number of attempts. Nothing
 * it wrote took effect. Retrying later, or with less contention on the same keys, may succeed.
 */
public final class ConflictException extends HomeostatException {

    public ConflictException(String message) {
        super(message);
    }
}
