package io.homeostat;

/** The base of every failure the Homeostat API reports. Unchecked: callers decide where to handle them. */
public class HomeostatException extends RuntimeException {

    public HomeostatException(String message) {
        super(message);
    }

    public HomeostatException(String message, Throwable cause) {
        super(message, cause);
    }
}
