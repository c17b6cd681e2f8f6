package io.homeostat.jpa;

import static io.homeostat.jpa.TestCluster.regionFactory;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.Homeostat;
import io.homeostat.OperationTimeoutException;
import io.homeostat.Transaction;
import io.homeostat.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.hibernate.cache.CacheException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The READ_WRITE lock retried once after a timeout ({@code RegionStore.lock}): on a real node, with the store's answer
 * to the first transactions replaced by a timeout, either after the transaction committed (the client never learnt
 * it did) or before it ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockRetryTest {

    private TestCluster cluster;
    private Homeostat real;
    private final Codec codec = new Codec(List.of(), 1 << 20);

    @BeforeAll
    void start() {
        cluster = new TestCluster("lock-retry");
        real = regionFactory(cluster.node("node-1")).node().client();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    /** The real store, except that the next {@code failures} transactions end in a timeout. */
    private static final class TimingOut implements Homeostat {
        private final Homeostat real;
        private final AtomicInteger failures;
        private final boolean afterCommit;
        final AtomicInteger transactions = new AtomicInteger();

        TimingOut(Homeostat real, int failures, boolean afterCommit) {
            this.real = real;
            this.failures = new AtomicInteger(failures);
            this.afterCommit = afterCommit;
        }

        @Override
        public <T> T transaction(Function<Transaction, T> body) {
            transactions.incrementAndGet();
            if (failures.getAndDecrement() > 0) {
                if (afterCommit) {
                    real.transaction(body);
                    throw new OperationTimeoutException("no decision within the test's deadline (it committed)");
                }
                throw new UnavailableException("no majority answered within the test's deadline");
            }
            return real.transaction(body);
        }

        @Override
        public Optional<byte[]> get(byte[] key) {
            return real.get(key);
        }

        @Override
        public Optional<byte[]> getNear(byte[] key) {
            return real.getNear(key);
        }

        @Override
        public <T> T getNear(byte[] key, Function<byte[], T> decode) {
            return real.getNear(key, decode);
        }

        @Override
        public void put(byte[] key, byte[] value) {
            real.put(key, value);
        }

        @Override
        public void delete(byte[] key) {
            real.delete(key);
        }

        @Override
        public boolean compareAndSet(byte[] key, byte[] expected, byte[] newValue) {
            return real.compareAndSet(key, expected, newValue);
        }

        @Override
        public CompletableFuture<Optional<byte[]>> getAsync(byte[] key) {
            return real.getAsync(key);
        }

        @Override
        public CompletableFuture<Void> putAsync(byte[] key, byte[] value) {
            return real.putAsync(key, value);
        }

        @Override
        public CompletableFuture<Boolean> compareAndSetAsync(byte[] key, byte[] expected, byte[] newValue) {
            return real.compareAndSetAsync(key, expected, newValue);
        }

        @Override
        public <T> CompletableFuture<T> transactionAsync(Function<Transaction, T> body) {
            return real.transactionAsync(body);
        }
    }

    private RegionStore region(String name, Homeostat store) {
        return new RegionStore(name, store, codec, new ClusterClock(real), 1 << 20);
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private Entry stored(RegionStore r, byte[] key) {
        return Entry.parse(real.get(r.storeKey(key)).orElse(null));
    }

    @Test
    void aLockWhoseFirstAttemptCommittedButTimedOutIsRecordedOnce() {
        RegionStore setup = region("retry-after-commit", real);
        byte[] k = key("book-1");
        assertThat(setup.putFromLoad(k, "first edition", 0)).isTrue();

        TimingOut store = new TimingOut(real, 1, true);
        RegionStore r = region("retry-after-commit", store);
        RegionStore.LockId id = r.lock(k);

        assertThat(store.transactions).hasValue(2);
        Entry e = stored(r, k);
        assertThat(e).isInstanceOf(Entry.Lock.class);
        Entry.Lock lock = (Entry.Lock) e;
        // the second attempt found its own lock and wrote nothing: one holder, not a concurrent pair whose release
        // would leave a tombstone
        assertThat(lock.holders()).isEqualTo(1);
        assertThat(lock.concurrent).isFalse();
        assertThat(lock.holds(id.hi(), id.lo())).isTrue();
        assertThat(r.get(k)).as("a locked entry is a miss").isNull();

        assertThat(r.afterUpdate(k, "second edition", id)).as("the sole holder publishes").isTrue();
        assertThat(r.get(k)).isEqualTo("second edition");
    }

    @Test
    void aLockWhoseFirstAttemptNeverRanIsTakenByTheSecond() {
        byte[] k = key("book-2");
        TimingOut store = new TimingOut(real, 1, false);
        RegionStore r = region("retry-before-commit", store);
        RegionStore.LockId id = r.lock(k);

        assertThat(store.transactions).hasValue(2);
        Entry.Lock lock = (Entry.Lock) stored(r, k);
        assertThat(lock.holders()).isEqualTo(1);
        assertThat(lock.holds(id.hi(), id.lo())).isTrue();
    }

    @Test
    void aLockThatTimesOutTwiceFailsTheUpdateAndNamesTheSetting() {
        byte[] k = key("book-3");
        TimingOut store = new TimingOut(real, 2, false);
        RegionStore r = region("retry-exhausted", store);

        assertThatThrownBy(() -> r.lock(k))
                .isInstanceOf(CacheException.class)
                .hasMessageContaining("within 2 operations")
                .hasMessageContaining(HomeostatSettings.OPERATION_TIMEOUT_MILLIS)
                .hasCauseInstanceOf(UnavailableException.class);
        assertThat(store.transactions).hasValue(2);
        assertThat(stored(r, k)).as("neither attempt ran").isNull();
    }
}
