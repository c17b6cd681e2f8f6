package io.homeostat.check;

import static io.homeostat.check.ListAppendChecker.AnomalyType.DUPLICATE_ELEMENT;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G0;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G1A;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G1B;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G1C;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G1C_REALTIME;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G2;
import static io.homeostat.check.ListAppendChecker.AnomalyType.GARBAGE_READ;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G_SINGLE;
import static io.homeostat.check.ListAppendChecker.AnomalyType.G_SINGLE_REALTIME;
import static io.homeostat.check.ListAppendChecker.AnomalyType.INCOMPATIBLE_ORDER;
import static io.homeostat.check.ListAppendChecker.AnomalyType.INTERNAL;
import static io.homeostat.check.ListAppendChecker.AnomalyType.LOST_UPDATE;
import static io.homeostat.check.ListAppendChecker.AnomalyType.STALE_READ_REALTIME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.check.ListAppendChecker.Anomaly;
import io.homeostat.check.ListAppendChecker.AnomalyType;
import io.homeostat.check.ListAppendChecker.Op;
import io.homeostat.check.ListAppendChecker.Options;
import io.homeostat.check.ListAppendChecker.Result;
import io.homeostat.check.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-built histories, one per anomaly class: each must be flagged, and exactly as expected. */
class ListAppendCheckerTest {

    private static Op app(String key, long element) {
        return Op.append(key, element);
    }

    private static Op rd(String key, Long... elements) {
        return Op.read(key, List.of(elements));
    }

    /** A committed transaction whose interval is [10*id, 10*id+5]: ids in serial order. */
    private static Txn c(long id, Op... ops) {
        return Txn.committed(id, (int) id, 10 * id, 10 * id + 5, ops);
    }

    private static Result check(Txn... txns) {
        return ListAppendChecker.check(List.of(txns));
    }

    private static Result strict(Txn... txns) {
        return ListAppendChecker.check(List.of(txns), Options.strictSerializable());
    }

    private static Anomaly only(Result r, AnomalyType type) {
        assertThat(r.counts()).as(r.describe()).isEqualTo(Map.of(type, 1));
        assertThat(r.ok()).isFalse();
        assertThat(r.verdict()).isEqualTo(SerializabilityVerdict.VIOLATION);
        assertThat(r.anomalies()).hasSize(1);
        return r.anomalies().get(0);
    }

    @Test
    void emptyAndSerialHistoriesAreOk() {
        assertThat(check().ok()).isTrue();
        Result r = strict(c(1, app("x", 1), rd("x", 1L)), c(2, rd("x", 1L), app("x", 2), app("y", 1)),
                c(3, rd("x", 1L, 2L), rd("y", 1L), app("y", 2)), c(4, rd("y", 1L, 2L), rd("z")));
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.counts()).isEmpty();
        assertThat(r.graphTransactions()).isEqualTo(4);
        assertThat(r.dependencyEdges()).isPositive();
    }

    @Test
    void g0WriteCycle() {
        Anomaly a = only(check(c(1, app("x", 1), app("y", 1)), c(2, app("x", 2), app("y", 2)),
                c(3, rd("x", 1L, 2L), rd("y", 2L, 1L))), G0);
        assertThat(a.txnIds()).containsExactlyInAnyOrder(1L, 2L);
        assertThat(a.explanation()).contains("T1 -ww-> T2 -ww-> T1").contains("order of x").contains("order of y");
    }

    @Test
    void g1aAbortedRead() {
        Anomaly a = only(check(Txn.aborted(1, 1, 0, 5, app("x", 1)), c(2, rd("x", 1L))), G1A);
        assertThat(a.txnIds()).containsExactly(1L, 2L);
        assertThat(a.explanation()).contains("T2 read x = [1]").contains("T1, which aborted");
    }

    @Test
    void g1bIntermediateRead() {
        Anomaly a = only(check(c(1, app("x", 1), app("x", 2)), c(2, rd("x", 1L))), G1B);
        assertThat(a.explanation()).contains("intermediate").contains("T1").contains("went on to append 2");
    }

    @Test
    void g1cCircularInformationFlow() {
        Anomaly a = only(check(c(1, app("x", 1), rd("y", 1L)), c(2, app("y", 1), rd("x", 1L))), G1C);
        assertThat(a.explanation()).contains("-wr->").doesNotContain("-rw->");
    }

    @Test
    void gSingleReadSkew() {
        Txn[] h = {c(1, rd("x"), rd("y", 1L)), c(2, app("x", 1), app("y", 1)), c(3, rd("x", 1L))};
        Anomaly a = only(check(h), G_SINGLE);
        assertThat(a.explanation()).contains("T1 -rw-> T2 -wr-> T1").contains("T1 read x as empty");
        // T1 also finished before T2 began, but real time adds no cycle the dependencies do not already show
        only(strict(h), G_SINGLE);
    }

    @Test
    void g2WriteSkew() {
        Anomaly a = only(check(c(1, rd("x"), app("y", 1)), c(2, rd("y"), app("x", 1)), c(3, rd("x", 1L), rd("y", 1L))),
                G2);
        assertThat(a.explanation()).contains("T1 -rw-> T2 -rw-> T1");
    }

    @Test
    void lostUpdateWithBothAppendsObservedIsGSingle() {
        Txn t0 = c(0, app("x", 0));
        Txn t1 = Txn.committed(1, 1, 20, 40, rd("x", 0L), app("x", 1));
        Txn t2 = Txn.committed(2, 2, 25, 45, rd("x", 0L), app("x", 2));
        Anomaly a = only(check(t0, t1, t2, c(5, rd("x", 0L, 1L, 2L))), G_SINGLE);
        assertThat(a.txnIds()).containsExactlyInAnyOrder(1L, 2L);
        assertThat(a.explanation()).contains("-rw->").contains("-ww->");
    }

    @Test
    void lostUpdateWhoseLoserWasNeverSeen() {
        Txn t0 = c(0, app("x", 0));
        Txn t1 = Txn.committed(1, 1, 20, 40, rd("x", 0L), app("x", 1));
        Txn t2 = Txn.committed(2, 2, 25, 45, rd("x", 0L), app("x", 2));
        Txn t5 = c(5, rd("x", 0L, 1L));
        Anomaly a = only(check(t0, t1, t2, t5), LOST_UPDATE);
        assertThat(a.txnIds()).containsExactly(2L, 1L);
        assertThat(a.explanation()).contains("T2 read x = [0] and then appended 2").contains("T1's append of 1");
        // with real time it is also a stale read: T5 began after T2 committed, yet lacks 2
        Result s = strict(t0, t1, t2, t5);
        assertThat(s.counts()).as(s.describe()).isEqualTo(Map.of(LOST_UPDATE, 1, STALE_READ_REALTIME, 1));
    }

    @Test
    void incompatibleOrder() {
        Anomaly a = only(check(c(1, app("x", 1)), c(2, app("x", 2)), c(3, rd("x", 1L, 2L)), c(4, rd("x", 2L, 1L))),
                INCOMPATIBLE_ORDER);
        assertThat(a.txnIds()).containsExactly(3L, 4L);
        assertThat(a.explanation()).contains("T3 read [1, 2] but T4 read [2, 1]");
    }

    @Test
    void garbageRead() {
        Anomaly a = only(check(c(1, app("x", 1)), c(2, rd("x", 1L, 7L))), GARBAGE_READ);
        assertThat(a.explanation()).contains("no transaction appended [7]");
    }

    @Test
    void duplicateElement() {
        Anomaly a = only(check(c(1, app("x", 1)), c(2, rd("x", 1L, 1L))), DUPLICATE_ELEMENT);
        assertThat(a.explanation()).contains("T2 read x = [1, 1]");
    }

    @Test
    void internalInconsistency() {
        only(check(c(1, app("x", 1), rd("x"))), INTERNAL);
        only(check(c(1, rd("x", 1L), app("x", 1))), INTERNAL);
        only(check(c(1, app("x", 1)), c(2, rd("x", 1L), app("x", 2), rd("x", 1L))), INTERNAL);
        assertThat(check(c(1, app("x", 1)), c(2, rd("x", 1L), app("x", 2), rd("x", 1L, 2L))).ok()).isTrue();
    }

    @Test
    void realTimeViolationThatIsStillSerializable() {
        // T1 appends and finishes at 10; T2 starts at 20 and reads x empty; T3 sees T1's append
        Txn t1 = Txn.committed(1, 1, 0, 10, app("x", 1));
        Txn t2 = Txn.committed(2, 2, 20, 30, rd("x"));
        Txn t3 = Txn.committed(3, 3, 40, 50, rd("x", 1L));
        assertThat(check(t1, t2, t3).ok()).as("serializable: T2, T1, T3").isTrue();
        Anomaly a = only(strict(t1, t2, t3), G_SINGLE_REALTIME);
        assertThat(a.explanation()).contains("T1 -rt-> T2 -rw-> T1").contains("T1 completed at 10, before T2 was"
                + " invoked at 20");
        // overlapping intervals impose no order, nor do touching ones (completed at 10, invoked at 10)
        Txn t2Overlapping = Txn.committed(2, 2, 5, 30, rd("x"));
        assertThat(strict(t1, t2Overlapping, t3).ok()).isTrue();
        Txn t2Touching = Txn.committed(2, 2, 10, 30, rd("x"));
        assertThat(strict(t1, t2Touching, t3).ok()).isTrue();
    }

    @Test
    void realTimeReadFromTheFuture() {
        Txn reader = Txn.committed(1, 1, 0, 10, rd("x", 1L));
        Txn writer = Txn.committed(2, 2, 20, 30, app("x", 1));
        assertThat(check(reader, writer).ok()).isTrue();
        only(strict(reader, writer), G1C_REALTIME);
    }

    @Test
    void staleReadOfAnUnseenAppend() {
        Txn t1 = Txn.committed(1, 1, 0, 10, app("x", 1));
        Txn t2 = Txn.committed(2, 2, 20, 30, rd("x"));
        assertThat(check(t1, t2).ok()).isTrue();
        only(strict(t1, t2), STALE_READ_REALTIME);
    }

    @Test
    void unknownTransactionsJoinTheGraphOnlyWhenSeen() {
        Txn unknown = Txn.unknown(1, 1, 0, Long.MAX_VALUE, app("x", 1), app("y", 1), Op.read("z"));
        Anomaly a = only(check(unknown, c(2, rd("x", 1L), rd("y")), c(3, rd("y", 1L))), G_SINGLE);
        assertThat(a.txnIds()).contains(1L);
        Result unseen = strict(Txn.unknown(1, 1, 0, 5, app("x", 1)), c(2, rd("x")));
        assertThat(unseen.ok()).as(unseen.describe()).isTrue();
        assertThat(unseen.graphTransactions()).isEqualTo(1);
        assertThat(unseen.unknown()).isEqualTo(1);
    }

    @Test
    void readsOfAbortedAndUnknownTransactionsAreIgnored() {
        Result r = check(Txn.aborted(1, 1, 0, 5, rd("x", 99L)), Txn.unknown(2, 1, 0, 5, rd("x", 98L)),
                Txn.aborted(3, 1, 0, 5, Op.read("x")));
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.aborted()).isEqualTo(2);
    }

    @Test
    void longCyclesAreExplainedWithinBounds() {
        int n = 300;
        List<Txn> h = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // ww on key k(i): T(i) then T(i+1); the last key wraps to T(0): one cycle through all n
            h.add(c(i, app("k" + i, 1), app("k" + ((i - 1 + n) % n), 2)));
        }
        List<Op> reads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            reads.add(rd("k" + i, 1L, 2L));
        }
        h.add(Txn.committed(n, 0, 10L * n, 10L * n + 5, List.copyOf(reads).toArray(new Op[0])));
        Result r = ListAppendChecker.check(h);
        Anomaly a = only(r, G0);
        assertThat(a.txnIds()).hasSize(n);
        assertThat(a.explanation()).contains("cycle of 300 transactions").contains("288 more steps");
        assertThat(a.explanation().length()).isLessThan(3_000);
    }

    @Test
    void reportsAreBoundedButCountsAreExact() {
        List<Txn> h = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            h.add(Txn.aborted(2 * i, 1, 0, 5, app("x" + i, 1)));
            h.add(c(2 * i + 1, rd("x" + i, 1L)));
        }
        Result r = ListAppendChecker.check(h, Options.serializable().withMaxReportedPerType(3));
        assertThat(r.count(G1A)).isEqualTo(50);
        assertThat(r.anomalies()).hasSize(3);
        assertThat(r.describe()).contains("G1A=50");
    }

    @Test
    void malformedHistoriesAreRejected() {
        assertThatThrownBy(() -> check(c(1, app("x", 1)), c(1, app("x", 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate transaction id 1");
        assertThatThrownBy(() -> check(c(1, app("x", 1)), c(2, app("x", 1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("appended to key x by both T1 and T2");
        assertThatThrownBy(() -> check(c(1, Op.read("x")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a result");
        assertThatThrownBy(() -> Txn.committed(1, 1, 10, 5)).isInstanceOf(IllegalArgumentException.class);
        // the same element may be appended to different keys
        assertThat(check(c(1, app("x", 1), app("y", 1)), c(2, rd("x", 1L), rd("y", 1L))).ok()).isTrue();
    }

    @Test
    void resultsAreDeterministic() {
        Txn[] h = {c(1, rd("x"), app("y", 1)), c(2, rd("y"), app("x", 1)), c(3, rd("x", 1L), rd("y", 1L)),
            c(4, app("x", 2), app("y", 2)), c(5, rd("x", 1L, 2L), rd("y", 2L, 1L))};
        Result first = strict(h);
        assertThat(first.ok()).isFalse();
        for (int i = 0; i < 5; i++) {
            assertThat(strict(h)).isEqualTo(first);
        }
    }
}
