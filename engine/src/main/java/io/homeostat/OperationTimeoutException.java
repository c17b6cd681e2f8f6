package io.homeostat;

/**
 * The operation did not complete within its time limit ({@link ClientOptions#timeoutMillis()}). Its outcome is unknown:
 * a write may or may not have taken effect.
 */
public final class OperationTimeoutException extends HomeostatException {

    public OperationTimeoutException(String message) {
        super(message);
    }
}
