package io.homeostat;

/** A value exceeds {@link ClientOptions#maxValueBytes()}; nothing was written. */
public final class ValueTooLargeException extends HomeostatException {

    public ValueTooLargeException(String message) {
        super(message);
    }
}
