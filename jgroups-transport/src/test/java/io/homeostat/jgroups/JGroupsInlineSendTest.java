package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.homeostat.replica.ReplicaMessage;
import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.threaded.Transport;
import io.homeostat.store.Bytes;
import io.homeostat.store.Tag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's event loop writes to a member that answers itself, at its flush, instead of handing the frames to a sender
 * thread; and a member that stops reading can never block it. Two real JGroups members on 127.0.0.1.
 */
class JGroupsInlineSendTest {

    private static final long WAIT_SECONDS = 60;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private JGroupsTransport[] pair(UnaryOperator<JGroupsOptions.Builder> tuneA) throws Exception {
        int base = TestPorts.freeBlock(3);
        String cluster = "homeostat-inline-" + base;
        JGroupsTransport a = JGroupsTransport.start(tuneA.apply(TestPorts.loopback(cluster, "a", base, 2)).build());
        cleanup.add(a);
        JGroupsTransport b = JGroupsTransport.start(TestPorts.loopback(cluster, "b", base, 2).build());
        cleanup.add(b);
        Await.until(Duration.ofSeconds(60), () -> a.route("b") != null && b.route("a") != null,
                "both channels to see each other");
        return new JGroupsTransport[] {a, b};
    }

    /** A counting inbox on vnode 0 of {@code t}. */
    private static Semaphore counting(JGroupsTransport t) {
        Semaphore received = new Semaphore(0);
        t.register(t.address(0), (from, m) -> received.release());
        return received;
    }

    /** {@code b} sends one frame to {@code a}, which then has heard from it. */
    private static void answer(JGroupsTransport b, JGroupsTransport a, Semaphore atA) throws InterruptedException {
        b.send(b.address(0), a.address(0), new RingMessage.Ping(null));
        assertThat(atA.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("a heard from b").isTrue();
    }

    @Test
    void aLoopWritesItselfToAMemberThatAnswersAndOtherwiseHandsOver() throws Exception {
        JGroupsTransport[] p = pair(b -> b);
        JGroupsTransport a = p[0];
        JGroupsTransport b = p[1];
        Semaphore atA = counting(a);
        Semaphore atB = counting(b);
        a.holdSendsOfThisThread(); // as a node's event loop does

        // a has not heard from b: the sender threads write
        JGroupsTransport.Counters before = a.counters();
        for (int i = 0; i < 5; i++) {
            a.send(a.address(0), b.address(0), new RingMessage.Ping(null));
        }
        a.flush();
        assertThat(atB.tryAcquire(5, WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(a.counters().framesSentInline() - before.framesSentInline()).isZero();

        // b answered: the loop writes the next turn's batch itself, as one JGroups message
        answer(b, a, atA);
        before = a.counters();
        for (int i = 0; i < 20; i++) {
            a.send(a.address(0), b.address(0), new RingMessage.Ping(null));
        }
        a.flush();
        JGroupsTransport.Counters after = a.counters();
        assertThat(after.framesSentInline() - before.framesSentInline()).as("written at the flush").isEqualTo(20);
        assertThat(after.jgroupsSent() - before.jgroupsSent()).isEqualTo(1);
        assertThat(atB.tryAcquire(20, WAIT_SECONDS, TimeUnit.SECONDS)).as("all 20 delivered").isTrue();
    }

    @Test
    void withABudgetOfZeroTheSenderThreadsWriteEverything() throws Exception {
        JGroupsTransport[] p = pair(b -> b.inlineSendBudgetBytes(0));
        JGroupsTransport a = p[0];
        JGroupsTransport b = p[1];
        Semaphore atA = counting(a);
        Semaphore atB = counting(b);
        answer(b, a, atA);
        a.holdSendsOfThisThread();
        a.send(a.address(0), b.address(0), new RingMessage.Ping(null));
        a.flush();
        assertThat(atB.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(a.counters().framesSentInline()).isZero();
    }

    /**
     * {@code b} answers once, then stops reading (its inbox blocks the thread that reads its socket, as a hung or
     * stopped process would), while a loop on {@code a} sends it 8 MiB, far more than the connection's socket
     * buffers hold. The loop writes at most its budget itself and never blocks: every later batch goes to the sender
     * threads, one of which blocks on the full socket while the queue behind it fills and drops. Without the budget,
     * the loop's own write would block until {@code b} reads again, and the timeout below fails the test.
     */
    @Test
    void aMemberThatStopsReadingCannotBlockTheLoop() throws Exception {
        int budget = JGroupsOptions.DEFAULT_INLINE_SEND_BUDGET_BYTES;
        int valueBytes = 16 * 1024;
        int frames = 512;
        JGroupsTransport[] p = pair(b -> b.maxQueuedBytesPerDestination(2L * JGroupsOptions.MIN_MAX_FRAME_BYTES));
        JGroupsTransport a = p[0];
        JGroupsTransport b = p[1];
        Semaphore atA = counting(a);
        CountDownLatch resume = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(1);
        b.register(b.address(0), new Transport.Inbox() {
            @Override
            public void deliver(Address from, Message m) {
                stuck.countDown();
                try {
                    resume.await(WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        answer(b, a, atA);
        Message big = new ReplicaMessage.ReadReply(1, 0, 0, Tag.ZERO, Bytes.of(new byte[valueBytes]), false);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                a.holdSendsOfThisThread();
                for (int i = 0; i < frames; i++) { // one frame per turn, as a loop answering requests one by one
                    a.send(a.address(0), b.address(0), big);
                    a.flush();
                }
            }, "a loop's flush blocked on a member that stopped reading");
            assertThat(stuck.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("b's reader is held").isTrue();
            JGroupsTransport.Counters c = a.counters();
            assertThat(c.framesSentInline()).as("the loop wrote some itself").isPositive();
            assertThat(c.framesSentInline() * valueBytes).as("within its budget").isLessThanOrEqualTo(budget);
            Await.until(Duration.ofSeconds(WAIT_SECONDS), () -> a.counters().droppedQueueFull() > 0,
                    "the socket to b to fill, so that b's queue fills behind it and drops");
        } finally {
            resume.countDown();
        }
    }
}
