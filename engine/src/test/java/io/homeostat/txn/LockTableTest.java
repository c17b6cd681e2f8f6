package io.homeostat.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.runtime.Address;
import io.homeostat.store.Bytes;
import io.homeostat.store.Item;
import io.homeostat.store.Key;
import io.homeostat.store.Tag;
import org.junit.jupiter.api.Test;

class LockTableTest {

    private final Key k = Key.of("k");
    private final Tag t1 = new Tag(1, Address.sim(1), 1);
    private final Tag t2 = new Tag(2, Address.sim(1), 2);
    private final TxId a = new TxId(Address.sim(1), 0, 1);
    private final TxId b = new TxId(Address.sim(2), 0, 1);
    private final Item write = new Item(k, t2, Bytes.of("x"));

    @Test
    void staleReadVotesAbort() {
        LockTable l = new LockTable();
        assertThat(l.vote(a, k, t2, t1, write)).isFalse();
        assertThat(l.size()).isZero();
    }

    @Test
    void writeLockExcludesOthersAndIsReleasedWithItsWriteOnCommit() {
        LockTable l = new LockTable();
        assertThat(l.vote(a, k, t1, t1, write)).isTrue();
        assertThat(l.vote(a, k, t1, t1, write)).as("duplicate").isTrue();
        assertThat(l.vote(b, k, t1, t1, null)).as("read under a write lock").isFalse();
        assertThat(l.vote(b, k, t1, t1, write)).isFalse();
        assertThat(l.writeLocked(k)).isTrue();
        assertThat(l.release(a, k, true)).isEqualTo(write);
        assertThat(l.writeLocked(k)).isFalse();
        assertThat(l.size()).isZero();
    }

    @Test
    void abortReleasesWithoutTheWrite() {
        LockTable l = new LockTable();
        l.vote(a, k, t1, t1, write);
        assertThat(l.release(a, k, false)).isNull();
        assertThat(l.vote(b, k, t1, t1, write)).isTrue();
    }

    @Test
    void readersShareButBlockWriters() {
        LockTable l = new LockTable();
        assertThat(l.vote(a, k, t1, t1, null)).isTrue();
        assertThat(l.vote(b, k, t1, t1, null)).isTrue();
        assertThat(l.vote(b, k, t1, t1, write)).as("upgrade with another reader").isFalse();
        l.release(a, k, true);
        assertThat(l.vote(b, k, t1, t1, write)).as("upgrade as the only reader").isTrue();
    }

    @Test
    void stateTransferKeepsEveryLock() {
        LockTable l = new LockTable();
        l.vote(a, k, t1, t1, write);
        LockTable copy = new LockTable();
        l.snapshot().forEach(copy::adopt);
        assertThat(copy.snapshot()).isEqualTo(l.snapshot());
        assertThat(copy.vote(b, k, t1, t1, null)).isFalse();
    }
}
