package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames queued for one destination go as batches over real JGroups (loopback), in order and complete; a lone frame
 * goes alone; messages to the own endpoint bypass codec and JGroups. The sender pool is held busy by a test task so
 * that frames queue up deterministically.
 */
class JGroupsBatchingTest {

    private static final long WAIT_SECONDS = 60;

    private final List<JGroupsTransport> started = new ArrayList<>();

    @AfterEach
    void close() {
        started.forEach(JGroupsTransport::close);
    }

    private JGroupsTransport[] pair(int maxBatchMessages) throws Exception {
        int base = TestPorts.freeBlock(3);
        String cluster = "homeostat-batch-" + base;
        JGroupsTransport a = JGroupsTransport.start(TestPorts.loopback(cluster, "a", base, 2).senderThreads(1)
                .maxBatchMessages(maxBatchMessages).build());
        started.add(a);
        JGroupsTransport b = JGroupsTransport.start(TestPorts.loopback(cluster, "b", base, 2).build());
        started.add(b);
        Await.until(Duration.ofSeconds(60), () -> a.route("b") != null && b.route("a") != null,
                "both channels to see each other");
        return new JGroupsTransport[] {a, b};
    }

    /** {@link #pair} with an inbox on {@code b}'s vnode 0 expecting {@code expected} messages. */
    private record Wired(JGroupsTransport a, JGroupsTransport b, Collecting inbox) {
    }

    private Wired wired(int maxBatchMessages, int expected) throws Exception {
        JGroupsTransport[] p = pair(maxBatchMessages);
        Collecting inbox = new Collecting(expected);
        p[1].register(p[1].address(0), inbox);
        return new Wired(p[0], p[1], inbox);
    }

    /** Collects what arrives, in arrival order, and counts down. */
    private static final class Collecting implements io.homeostat.runtime.threaded.Transport.Inbox {
        final List<Message> got = java.util.Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch latch;

        Collecting(int expected) {
            latch = new CountDownLatch(expected);
        }

        @Override
        public void deliver(Address from, Message m) {
            got.add(m);
            latch.countDown();
        }
    }

    /** Occupies the single sender thread of {@code t} until the returned latch is opened. */
    private static CountDownLatch holdSender(JGroupsTransport t) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Future<?> f = t.senderPool().submit(() -> {
            running.countDown();
            try {
                release.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(running.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the hold task runs").isTrue();
        assertThat(f.isDone()).isFalse();
        return release;
    }

    private static List<Message> pings(int n) {
        List<Message> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // a distinct sender address per message, so order and completeness are visible
            ms.add(new RingMessage.Ping(new io.homeostat.ring.NodeRef(new io.homeostat.ring.RingId(i, i),
                    new Address("p", i))));
        }
        return ms;
    }

    @Test
    void queuedFramesGoAsBatchesInOrderAndComplete() throws Exception {
        int n = 200;
        Wired w = wired(64, n);
        JGroupsTransport a = w.a();
        JGroupsTransport b = w.b();
        Collecting inbox = w.inbox();
        List<Message> sent = pings(n);
        JGroupsTransport.Counters before = a.counters();
        CountDownLatch release = holdSender(a);
        for (Message m : sent) {
            a.send(a.address(0), b.address(0), m);
        }
        assertThat(a.queuedFrames(a.route("b"))).isEqualTo(n);
        release.countDown();
        assertThat(inbox.latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("all %d delivered", n).isTrue();
        // delivery may reorder JGroups messages (the stack need not keep order), never the frames inside one batch;
        // all arrive exactly once
        assertThat(inbox.got).containsExactlyInAnyOrderElementsOf(sent);
        JGroupsTransport.Counters after = a.counters();
        long jgroups = after.jgroupsSent() - before.jgroupsSent();
        assertThat(after.framesSent() - before.framesSent()).isEqualTo(n);
        assertThat(jgroups).as("200 queued frames in batches of at most 64").isEqualTo(4);
        assertThat(after.batchesSent() - before.batchesSent()).isEqualTo(4);
        assertThat(b.counters().batchesReceived()).isGreaterThanOrEqualTo(4);
        assertThat(b.counters().droppedUndecodable()).isZero();
        assertThat(a.sentByType()).containsEntry("RingMessage.Ping", new JGroupsTransport.TypeCount(n, 0));
    }

    @Test
    void whatAHoldingThreadSendsLeavesAtItsFlushAsOneMessage() throws Exception {
        int n = 20;
        Wired w = wired(64, n);
        JGroupsTransport a = w.a();
        JGroupsTransport b = w.b();
        Collecting inbox = w.inbox();
        List<Message> sent = pings(n);
        JGroupsTransport.Counters before = a.counters();
        a.holdSendsOfThisThread(); // as a node's event loop does
        for (Message m : sent) {
            a.send(a.address(0), b.address(0), m);
        }
        assertThat(a.queuedFrames(a.route("b"))).as("held: no sender thread has them").isEqualTo(n);
        assertThat(a.counters().jgroupsSent() - before.jgroupsSent()).isZero();
        a.flush();
        assertThat(inbox.latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("all %d delivered", n).isTrue();
        assertThat(inbox.got).containsExactlyElementsOf(sent);
        JGroupsTransport.Counters after = a.counters();
        assertThat(after.jgroupsSent() - before.jgroupsSent()).as("one JGroups message").isEqualTo(1);
        assertThat(after.batchesSent() - before.batchesSent()).isEqualTo(1);
    }

    @Test
    void withBatchingOffEveryFrameIsItsOwnJGroupsMessage() throws Exception {
        int n = 30;
        Wired w = wired(1, n);
        JGroupsTransport a = w.a();
        JGroupsTransport b = w.b();
        Collecting inbox = w.inbox();
        JGroupsTransport.Counters before = a.counters();
        CountDownLatch release = holdSender(a);
        for (Message m : pings(n)) {
            a.send(a.address(0), b.address(0), m);
        }
        release.countDown();
        assertThat(inbox.latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        JGroupsTransport.Counters after = a.counters();
        assertThat(after.jgroupsSent() - before.jgroupsSent()).isEqualTo(n);
        assertThat(after.batchesSent() - before.batchesSent()).isZero();
    }

    @Test
    void aLoneFrameIsSentAloneAndLocalMessagesBypassTheWire() throws Exception {
        JGroupsTransport[] p = pair(64);
        JGroupsTransport a = p[0];
        JGroupsTransport b = p[1];
        Collecting remote = new Collecting(1);
        b.register(b.address(0), remote);
        Collecting local = new Collecting(1);
        a.register(a.address(1), local);
        JGroupsTransport.Counters before = a.counters();
        a.send(a.address(0), b.address(0), new RingMessage.Ping(null));
        assertThat(remote.latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        a.send(a.address(0), a.address(1), new RingMessage.Ping(null));
        assertThat(local.latch.getCount()).as("handed over on the caller's thread").isZero();
        JGroupsTransport.Counters after = a.counters();
        assertThat(after.framesSent() - before.framesSent()).isEqualTo(1);
        assertThat(after.jgroupsSent() - before.jgroupsSent()).isEqualTo(1);
        assertThat(after.batchesSent() - before.batchesSent()).isZero();
        assertThat(after.local() - before.local()).isEqualTo(1);
        assertThat(a.sentByType().get("RingMessage.Ping").local()).isEqualTo(1);
    }
}
