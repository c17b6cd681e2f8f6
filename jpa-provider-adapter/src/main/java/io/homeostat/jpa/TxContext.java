package io.homeostat.jpa;

import io.homeostat.HomeostatException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import org.hibernate.cache.spi.CacheTransactionSynchronization;
import org.hibernate.engine.spi.SharedSessionContractImplementor;

/**
 * Per-session cache state: the cluster time at which the current transaction started (read from the
 * {@link ClusterClock}, never a wall clock), and, once a READ_WRITE lock was taken, the transaction's outcome. Hibernate
 * releases soft locks with the same call after a commit and after a rollback; the outcome, recorded by a local
 * synchronization that runs before Hibernate's after-completion actions, tells the two apart. Confined to its session.
 */
final class TxContext implements CacheTransactionSynchronization {

    private final ClusterClock clock;
    private long startTimestamp;
    private Boolean committed;
    private boolean watching;

    TxContext(ClusterClock clock) {
        this.clock = clock;
        this.startTimestamp = now();
    }

    /** The cluster time; when the store cannot answer, -1: no load is cached and every query result reads stale. */
    private long now() {
        try {
            return clock.now();
        } catch (HomeostatException e) {
            return -1;
        }
    }

    @Override
    public long getCachingTimestamp() {
        return startTimestamp;
    }

    @Override
    public void transactionJoined() {
        startTimestamp = now();
        committed = null;
        watching = false;
    }

    @Override
    public void transactionCompleting() {
    }

    @Override
    public void transactionCompleted(boolean successful) {
        watching = false;
    }

    /** Records this transaction's outcome for {@link #rolledBack()}; call before taking a lock. */
    void watchOutcome(SharedSessionContractImplementor session) {
        if (watching) {
            return;
        }
        committed = null;
        session.getTransactionCoordinator().getLocalSynchronizations().registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                committed = status == Status.STATUS_COMMITTED;
            }
        });
        watching = true;
    }

    /** True only when the transaction is known to have rolled back; unknown counts as committed (the safe side). */
    boolean rolledBack() {
        return Boolean.FALSE.equals(committed);
    }

    static long startTimestamp(SharedSessionContractImplementor session) {
        return session.getCacheTransactionSynchronization().getCachingTimestamp();
    }

    static boolean rolledBack(SharedSessionContractImplementor session) {
        CacheTransactionSynchronization s = session.getCacheTransactionSynchronization();
        return s instanceof TxContext && ((TxContext) s).rolledBack();
    }

    static void watchOutcomeOf(SharedSessionContractImplementor session) {
        CacheTransactionSynchronization s = session.getCacheTransactionSynchronization();
        if (s instanceof TxContext) {
            ((TxContext) s).watchOutcome(session);
        }
    }
}
