package io.homeostat;

/**
 * Client-side limits. Every bound carries its unit.
 *
 * @param maxValueBytes       largest value accepted (default 1 MiB); a larger one fails with
 *                            {@link ValueTooLargeException}
 * @param maxAttempts         attempts of a transaction that keeps conflicting before {@link ConflictException}
 * @param retryBackoffMillis  first wait between attempts; doubles each time, randomised
 * @param timeoutMillis       time limit of one call, retries included
 */
public record ClientOptions(int maxValueBytes, int maxAttempts, long retryBackoffMillis, long timeoutMillis) {

    public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

    public ClientOptions {
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("maxValueBytes must be >= 1");
        }
        if (maxAttempts < 1 || maxAttempts > 1_000) {
            throw new IllegalArgumentException("maxAttempts must be in 1..1000");
        }
        if (retryBackoffMillis < 0 || timeoutMillis < 1) {
            throw new IllegalArgumentException("retryBackoffMillis must be >= 0 and timeoutMillis >= 1");
        }
    }

    public static ClientOptions defaults() {
        return new ClientOptions(DEFAULT_MAX_VALUE_BYTES, 16, 2, 30_000);
    }
}
