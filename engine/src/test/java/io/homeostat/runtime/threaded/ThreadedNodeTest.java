package io.homeostat.runtime.threaded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Environment;
import io.homeostat.runtime.Message;
import io.homeostat.runtime.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The event loop of one {@link ThreadedNode}: bounded inbox, failure isolation, threading, lifecycle. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ThreadedNodeTest {

    private static final Duration AT_MOST = Duration.ofSeconds(10);
    private static final Address NODE = new Address("local", 1);
    private static final Address OTHER = new Address("local", 2);
    private static final Address SENDER = new Address("outside", 0);

    private final LocalTransport transport = new LocalTransport();
    private final List<ThreadedDriver> drivers = new ArrayList<>();

    /** A test message: {@code text} selects the protocol's behaviour. */
    record Note(String text, int seq) implements Message {
    }

    /**
     * A protocol scripted by message text: "block" waits on a latch (after arming a 1 ms timer), "boom" throws;
     * anything else is recorded. Timer tag "boom" throws. Its lists are thread-safe so tests may read them.
     */
    static final class ScriptedProtocol implements Protocol {
        final List<Note> notes = new CopyOnWriteArrayList<>();
        final List<Object> timers = new CopyOnWriteArrayList<>();
        final List<String> threadNames = new CopyOnWriteArrayList<>();
        final CountDownLatch blockEntered = new CountDownLatch(1);
        final CountDownLatch blockRelease = new CountDownLatch(1);

        @Override
        public void start(Environment env) {
            threadNames.add(Thread.currentThread().getName());
        }

        @Override
        public void onMessage(Environment env, Address from, Message message) {
            threadNames.add(Thread.currentThread().getName());
            Note n = (Note) message;
            switch (n.text()) {
                case "block" -> {
                    env.setTimer(1, "set-while-blocked");
                    blockEntered.countDown();
                    try {
                        if (!blockRelease.await(20, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("never released");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case "boom" -> throw new IllegalStateException("planted failure in onMessage");
                default -> notes.add(n);
            }
        }

        @Override
        public void onTimer(Environment env, Object tag) {
            threadNames.add(Thread.currentThread().getName());
            if ("boom".equals(tag)) {
                throw new IllegalStateException("planted failure in onTimer");
            }
            timers.add(tag);
        }
    }

    private ThreadedDriver driver(NodeOptions options) {
        ThreadedDriver d = new ThreadedDriver(transport, Discovery.fixed(List.of()), options);
        drivers.add(d);
        return d;
    }

    @AfterEach
    void closeDrivers() {
        drivers.forEach(ThreadedDriver::close);
    }

    @Test
    void floodingABlockedNodeDropsBeyondTheBoundWithoutBlockingTheSenderAndKeepsTimersAndActions() throws Exception {
        int maxInboxMessages = 100;
        int extra = 37;
        ScriptedProtocol p = new ScriptedProtocol();
        ThreadedNode node = driver(NodeOptions.defaults().withMaxInboxMessages(maxInboxMessages)).addNode(NODE, p);

        transport.send(SENDER, NODE, new Note("block", -1));
        assertThat(p.blockEntered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(node.queuedInboxMessages()).isZero(); // the blocking message has left the inbox

        // the sender must never block: if it did, this would hang until the preemptive timeout
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < maxInboxMessages + extra; i++) {
                transport.send(SENDER, NODE, new Note("n", i));
            }
        });
        assertThat(node.queuedInboxMessages()).isEqualTo(maxInboxMessages);
        assertThat(node.droppedMessages()).isEqualTo(extra);

        // neither the timer armed inside the blocked handler (kept by the loop, not queued) nor an action may be
        // dropped by the full inbox
        CompletableFuture<Boolean> actionRan = new CompletableFuture<>();
        node.execute(env -> actionRan.complete(true));
        Await.until(AT_MOST, () -> node.queuedEvents() == maxInboxMessages + 1,
                "the action queues up behind the full inbox");
        assertThat(node.droppedMessages()).isEqualTo(extra);

        p.blockRelease.countDown();
        assertThat(actionRan.get(10, TimeUnit.SECONDS)).isTrue();
        Await.until(AT_MOST, () -> p.notes.size() == maxInboxMessages && p.timers.contains("set-while-blocked"),
                "all accepted messages and the timer are handled");
        assertThat(p.notes).extracting(Note::seq)
                .containsExactlyElementsOf(IntStream.range(0, maxInboxMessages).boxed().toList());

        // timers set after the flood still fire
        node.execute(env -> env.setTimer(5, "after-release"));
        Await.until(AT_MOST, () -> p.timers.contains("after-release"), "a timer set after the release fires");
        assertThat(node.handledMessages()).isEqualTo(1 + maxInboxMessages);
        assertThat(node.droppedMessages()).isEqualTo(extra);
        assertThat(node.handlerFailures()).isZero();
    }

    @Test
    void exceptionsFromHandlersAndActionsAreCountedAndDoNotKillTheLoop() throws Exception {
        ScriptedProtocol p = new ScriptedProtocol();
        ThreadedNode node = driver(NodeOptions.defaults()).addNode(NODE, p);

        transport.send(SENDER, NODE, new Note("boom", 0));
        node.execute(env -> env.setTimer(0, "boom"));
        node.execute(env -> {
            throw new IllegalArgumentException("planted failure in an action");
        });
        node.execute(env -> {
            throw new StackOverflowError("planted recoverable error");
        });
        Await.until(AT_MOST, () -> node.handlerFailures() == 4, "four failures counted");

        transport.send(SENDER, NODE, new Note("after", 1));
        node.execute(env -> env.setTimer(0, "after"));
        Await.until(AT_MOST, () -> p.notes.size() == 1 && p.timers.contains("after"), "the loop goes on");
        assertThat(node.isRunning()).isTrue();

        // a failing query fails its future, not the loop, and is not a handler failure
        CompletableFuture<Object> failing = node.query(proto -> {
            throw new IllegalStateException("planted failure in a query");
        });
        assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(node.query(proto -> "alive").get(10, TimeUnit.SECONDS)).isEqualTo("alive");
        assertThat(node.handlerFailures()).isEqualTo(4);
    }

    @Test
    void everyCallbackAndQueryRunsOnTheNamedDaemonNodeThread() throws Exception {
        ScriptedProtocol p = new ScriptedProtocol();
        ThreadedNode node = driver(NodeOptions.defaults()).addNode(NODE, p);

        transport.send(SENDER, NODE, new Note("n", 0));
        node.execute(env -> env.setTimer(1, "t"));
        Await.until(AT_MOST, () -> p.timers.contains("t") && p.notes.size() == 1, "message and timer handled");

        Thread loop = node.query(proto -> Thread.currentThread()).get(10, TimeUnit.SECONDS);
        assertThat(loop.getName()).isEqualTo("homeostat-node-local#1");
        assertThat(loop.isDaemon()).isTrue();
        assertThat(p.threadNames).hasSize(3).containsOnly("homeostat-node-local#1"); // start, onMessage, onTimer
        assertThat(node.query(proto -> proto).get(10, TimeUnit.SECONDS)).isSameAs(p);
    }

    @Test
    void actingEnvironmentCallsAreRefusedOffTheNodeThread() {
        ThreadedNode node = driver(NodeOptions.defaults()).addNode(NODE, new ScriptedProtocol());

        assertThatThrownBy(() -> node.send(OTHER, new Note("n", 0))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> node.setTimer(1, "t")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(node::random).isInstanceOf(IllegalStateException.class);
        assertThat(node.self()).isEqualTo(NODE);
        assertThat(node.knownAddresses()).isEmpty();
    }

    @Test
    void messagesBetweenNodesGoThroughTheTransportIncludingToSelf() throws Exception {
        ThreadedDriver d = driver(NodeOptions.defaults());
        ScriptedProtocol a = new ScriptedProtocol();
        ScriptedProtocol b = new ScriptedProtocol();
        ThreadedNode na = d.addNode(NODE, a);
        d.addNode(OTHER, b);

        na.execute(env -> {
            env.send(OTHER, new Note("to-b", 1));
            env.send(NODE, new Note("to-self", 2));
            env.send(new Address("nowhere", 0), new Note("lost", 3));
        });
        Await.until(AT_MOST, () -> a.notes.size() == 1 && b.notes.size() == 1, "both delivered");
        assertThat(a.notes).containsExactly(new Note("to-self", 2));
        assertThat(b.notes).containsExactly(new Note("to-b", 1));
        assertThat(transport.sentMessages()).isEqualTo(3);
        assertThat(transport.droppedMessages()).isEqualTo(1);
    }

    /** A transport that logs, per call on a node loop's thread, "hold", "S" (send) or "F" (flush); give it one node. */
    private static final class RecordingTransport implements Transport {
        final Transport inner;
        final List<String> loopCalls = new CopyOnWriteArrayList<>();
        final CountDownLatch flushedAfterLastSend;
        final int expectedSends;
        int sends; // written by the loop thread only

        RecordingTransport(Transport inner, int expectedSends) {
            this.inner = inner;
            this.expectedSends = expectedSends;
            this.flushedAfterLastSend = new CountDownLatch(1);
        }

        private boolean onLoop() {
            return Thread.currentThread().getName().startsWith("homeostat-node-");
        }

        @Override
        public void register(Address self, Inbox inbox) {
            inner.register(self, inbox);
        }

        @Override
        public void unregister(Address self) {
            inner.unregister(self);
        }

        @Override
        public void send(Address from, Address to, Message m) {
            if (onLoop()) {
                loopCalls.add("S");
                sends++;
            }
            inner.send(from, to, m);
        }

        @Override
        public void holdSendsOfThisThread() {
            if (onLoop()) {
                loopCalls.add("hold");
            }
        }

        @Override
        public void flush() {
            if (onLoop()) {
                loopCalls.add("F");
                if (sends == expectedSends) {
                    flushedAfterLastSend.countDown();
                }
            }
        }
    }

    @Test
    void theLoopFlushesWhatItSentBeforeItWaitsAndAfterAtMostABoundedNumberOfEvents() throws Exception {
        int notes = 200;
        RecordingTransport rt = new RecordingTransport(transport, notes);
        ThreadedDriver d = new ThreadedDriver(rt, Discovery.fixed(List.of()), NodeOptions.defaults());
        drivers.add(d);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        ScriptedProtocol sink = new ScriptedProtocol();
        driver(NodeOptions.defaults()).addNode(OTHER, sink); // not recorded: only NODE's loop uses rt
        d.addNode(NODE, new Protocol() {
            @Override
            public void start(Environment env) {
            }

            @Override
            public void onMessage(Environment env, Address from, Message message) {
                if (((Note) message).text().equals("block")) {
                    blocked.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    env.send(OTHER, message); // one send per event
                }
            }

            @Override
            public void onTimer(Environment env, Object tag) {
            }
        });
        transport.send(SENDER, NODE, new Note("block", 0));
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= notes; i++) {
            transport.send(SENDER, NODE, new Note("relay", i)); // all queued while the loop is busy
        }
        release.countDown();
        assertThat(rt.flushedAfterLastSend.await(10, TimeUnit.SECONDS)).as("a flush after the last send").isTrue();
        Await.until(AT_MOST, () -> sink.notes.size() == notes, "all relayed");

        List<String> calls = List.copyOf(rt.loopCalls);
        assertThat(calls.get(0)).as("the loop holds its sends before it handles anything").isEqualTo("hold");
        int run = 0;
        int longest = 0;
        for (String c : calls) {
            run = c.equals("S") ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        // the queued events were handled in turns: sends held across events, never more than the bound's worth
        assertThat(longest).isLessThanOrEqualTo(ThreadedNode.MAX_EVENTS_PER_FLUSH)
                .isGreaterThanOrEqualTo(ThreadedNode.MAX_EVENTS_PER_FLUSH - 1);
    }

    @Test
    void nowMillisIsMonotonicAndRelativeToTheDriverStart() throws Exception {
        ThreadedDriver d = driver(NodeOptions.defaults());
        ThreadedNode node = d.addNode(NODE, new ScriptedProtocol());
        long first = node.nowMillis();
        CompletableFuture<Long> later = new CompletableFuture<>();
        node.execute(env -> later.complete(env.nowMillis()));
        assertThat(first).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(d.nowMillis());
        assertThat(later.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(first);
    }

    @Test
    void anExplicitSeedMakesTheRandomSourceReproduciblePerAddress() throws Exception {
        NodeOptions seeded = NodeOptions.defaults().withRandomSeed(42);
        long a1 = firstRandomLong(driver(seeded).addNode(NODE, new ScriptedProtocol()));
        long a2 = firstRandomLong(driver(seeded).addNode(new Address("local-copy", 1), new ScriptedProtocol()));
        LocalTransport other = new LocalTransport();
        try (ThreadedDriver d = new ThreadedDriver(other, null, seeded)) {
            assertThat(firstRandomLong(d.addNode(NODE, new ScriptedProtocol()))).isEqualTo(a1);
        }
        assertThat(a2).isNotEqualTo(a1); // same seed, different address: a different sequence
    }

    private static long firstRandomLong(ThreadedNode node) throws Exception {
        CompletableFuture<Long> f = new CompletableFuture<>();
        node.execute(env -> f.complete(env.random().nextLong()));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void stopIsGracefulIdempotentUnregistersAndRejectsLaterWork() throws Exception {
        ScriptedProtocol p = new ScriptedProtocol();
        ThreadedDriver d = driver(NodeOptions.defaults());
        ThreadedNode node = d.addNode(NODE, p);
        Thread loop = node.query(proto -> Thread.currentThread()).get(10, TimeUnit.SECONDS);

        CompletableFuture<Boolean> queuedBeforeStop = new CompletableFuture<>();
        node.execute(env -> queuedBeforeStop.complete(true));
        node.stop();
        assertThat(queuedBeforeStop).isCompletedWithValue(true);
        assertThat(loop.isAlive()).isFalse();
        assertThat(node.isTerminated()).isTrue();
        assertThat(transport.registeredAddresses()).doesNotContain(NODE);

        node.stop();
        node.close();

        transport.send(SENDER, NODE, new Note("late", 0));
        assertThat(transport.droppedMessages()).isEqualTo(1);
        node.execute(env -> p.notes.add(new Note("must not run", 0)));
        assertThatThrownBy(() -> node.query(proto -> 1).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RejectedExecutionException.class);
        assertThat(p.notes).isEmpty();

        // the address can be reused by a fresh node
        ScriptedProtocol fresh = new ScriptedProtocol();
        d.addNode(NODE, fresh);
        transport.send(SENDER, NODE, new Note("again", 1));
        Await.until(AT_MOST, () -> fresh.notes.size() == 1, "the restarted node receives");
    }

    @Test
    void aNodeCanStopItselfFromItsOwnThread() throws Exception {
        ThreadedNode node = driver(NodeOptions.defaults()).addNode(NODE, new ScriptedProtocol());
        node.execute(env -> node.stop());
        Await.until(AT_MOST, node::isTerminated, "the loop ends after the stopping action");
    }

    @Test
    void theDriverRefusesASecondRunningNodeAtOneAddressAndWorkAfterClose() {
        ThreadedDriver d = driver(NodeOptions.defaults());
        d.addNode(NODE, new ScriptedProtocol());
        assertThatThrownBy(() -> d.addNode(NODE, new ScriptedProtocol())).isInstanceOf(IllegalStateException.class);
        assertThat(d.membership()).containsExactly(NODE);
        d.close();
        d.close();
        assertThat(d.nodes()).allMatch(ThreadedNode::isTerminated);
        assertThatThrownBy(() -> d.addNode(OTHER, new ScriptedProtocol())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void localTransportRefusesDuplicateRegistrationAndCountsUnknownDestinations() {
        LocalTransport t = new LocalTransport();
        List<Note> got = new CopyOnWriteArrayList<>();
        t.register(NODE, (from, m) -> got.add((Note) m));
        assertThatThrownBy(() -> t.register(NODE, (from, m) -> { })).isInstanceOf(IllegalStateException.class);

        t.send(SENDER, NODE, new Note("x", 0));
        t.send(SENDER, OTHER, new Note("y", 1));
        t.unregister(NODE);
        t.unregister(NODE);
        t.send(SENDER, NODE, new Note("z", 2));

        assertThat(got).containsExactly(new Note("x", 0));
        assertThat(t.sentMessages()).isEqualTo(3);
        assertThat(t.droppedMessages()).isEqualTo(2);
        assertThat(t.registeredAddresses()).isEmpty();
    }
}
