package io.homeostat.check;

/** The verdict shared by the transactional checkers ({@link ListAppendChecker}, {@link BankChecker}, {@link CycleChecker}). */
public enum SerializabilityVerdict {
    /** No anomaly was found. This is evidence, not proof: a checker only sees what the history observed. */
    OK,
    /** At least one anomaly was found; the result explains each one. */
    VIOLATION;

    static SerializabilityVerdict of(boolean violation) {
        return violation ? VIOLATION : OK;
    }
}
