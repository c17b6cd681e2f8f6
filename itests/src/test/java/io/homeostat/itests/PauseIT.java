package io.homeostat.itests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node frozen with SIGSTOP for longer than the failure detectors' timeouts (JGroups FD_ALL3: 12 s; the ring's
 * phi-accrual detector suspects within a few seconds), then continued with SIGCONT: it comes back with stale state and
 * in-flight messages, which must not break linearizability or serializability. Then a node gets SIGTERM: it must
 * leave gracefully and exit within its bound, and the other four must be healthy again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PauseIT {

    private static final int NODES = 5;
    private static final long STOPPED_MILLIS = 15_000;
    private static final long RECOVERY_DEADLINE_MILLIS = 60_000;
    private static final long LEAVE_EXIT_BOUND_MILLIS = 15_000;
    /** Acknowledged workload requests that end a phase (before SIGSTOP, after SIGCONT), and the bound on waiting. */
    private static final long PHASE_ACKS = 50;
    private static final long PHASE_TIMEOUT_MILLIS = 30_000;

    private Cluster cluster;

    @AfterAll
    void killAll() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNodeFrozenLongerThanTheFailureDetectorTimeoutBreaksNothing() throws Exception {
        cluster = new Cluster("pause", NODES);
        cluster.start();
        NodeProcess frozen = cluster.nodes.get(new SplittableRandom(System.nanoTime()).nextInt(NODES));
        AtomicReference<NodeProcess> excluded = new AtomicReference<>();
        // clients avoid the frozen node (each request to it would just time out), but keep it after SIGCONT
        Workload w = new Workload(() -> cluster.live().stream().filter(n -> n != excluded.get()).toList(), 4, 7);
        w.start();
        long ackedBeforeStop;
        long ackedWhileStopped;
        long recovered;
        try {
            w.awaitAcknowledged(PHASE_ACKS, PHASE_TIMEOUT_MILLIS, "history before SIGSTOP");
            excluded.set(frozen);
            frozen.signal("STOP");
            ackedBeforeStop = w.acknowledged.get();
            Thread.sleep(STOPPED_MILLIS); // the fault itself: stopped for longer than the failure detector waits
            ackedWhileStopped = w.acknowledged.get() - ackedBeforeStop;
            frozen.signal("CONT");
            excluded.set(null);
            recovered = cluster.awaitHealthy(RECOVERY_DEADLINE_MILLIS, frozen.name + " to be back after SIGCONT");
            w.awaitAcknowledged(PHASE_ACKS, PHASE_TIMEOUT_MILLIS, "serving every client after SIGCONT");
        } finally {
            try {
                frozen.signal("CONT");
            } catch (Exception e) {
                // already running or gone
            }
            w.stop();
        }
        assertThat(ackedWhileStopped).as("the other four nodes kept serving while " + frozen.name + " was stopped")
                .isPositive();
        List<NodeProcess> live = cluster.live();
        assertThat(live).hasSize(NODES);
        String summary = w.finalChecks(live);
        System.out.printf("[pause] %s stopped for %d ms; %d requests acknowledged meanwhile; healthy %d ms after "
                + "SIGCONT; %s%n", frozen.name, STOPPED_MILLIS, ackedWhileStopped, recovered, summary);

        // SIGTERM: a graceful leave bounded by --leave-timeout-millis (2 s in these tests), then exit 128 + 15
        NodeProcess leaving = live.get(0);
        long t0 = System.nanoTime();
        leaving.signal("TERM");
        Integer code = leaving.awaitExit(LEAVE_EXIT_BOUND_MILLIS);
        long exitMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(code).as(leaving.name + " exits within " + LEAVE_EXIT_BOUND_MILLIS + " ms of SIGTERM").isNotNull();
        assertThat(code).as("exit code after SIGTERM").isEqualTo(143);
        assertThat(leaving.logText()).contains("leaving the cluster gracefully")
                .containsPattern("left(: every replica position was handed over| without handing over)");
        long healthyAfterLeave = cluster.awaitHealthy(RECOVERY_DEADLINE_MILLIS, "the four others after "
                + leaving.name + " left");
        System.out.printf("[pause] SIGTERM %s: exited with %d after %d ms; the other four healthy %d ms later%n",
                leaving.name, code, exitMillis, healthyAfterLeave);
    }
}
