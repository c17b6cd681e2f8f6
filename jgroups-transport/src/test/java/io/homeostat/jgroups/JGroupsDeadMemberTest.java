package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Message;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real JGroups members on 127.0.0.1; one crashes so that its host stops answering, as after a {@code kill -9}
 * of a process on another machine or the loss of that machine: connection attempts to it get no reply and each one
 * costs {@code sock_conn_timeout} (300 ms in the shipped stacks). The two live members must keep talking at full speed
 * while messages to the dead one are queued and dropped.
 *
 * <p>Before the fix, 200 round trips between the live members took 74 s on the loopback stack (JGroups' one bundler
 * thread waited for each connect to the dead member) instead of under half a second.
 */
class JGroupsDeadMemberTest {

    private static final int ROUNDS = 200;
    /** 200 round trips take well under a second when nothing waits for the dead member, over a minute when it does. */
    private static final Duration ROUNDS_WITHIN = Duration.ofSeconds(10);
    private static final int TO_DEAD_PER_ROUND = 5;
    private static final Message PING = new RingMessage.Ping(null);

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** A live member with a counting inbox on vnode 0. */
    private record Member(JGroupsTransport transport, Semaphore received) {
        void send(Member to) {
            transport.send(transport.address(0), to.transport.address(0), PING);
        }
    }

    private List<Member> startThree(String stack, UnaryOperator<JGroupsOptions.Builder> tune) throws Exception {
        int base = TestPorts.freeBlock(5);
        String cluster = "homeostat-dead-" + base;
        List<Member> members = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            JGroupsOptions.Builder b = TestPorts.loopback(cluster, name, base, 4);
            if (stack != null) {
                b.stack(stack);
            }
            JGroupsTransport t = JGroupsTransport.start(tune.apply(b).build());
            cleanup.add(t);
            Semaphore received = new Semaphore(0);
            t.register(t.address(0), (from, m) -> received.release());
            members.add(new Member(t, received));
        }
        Await.until(Duration.ofSeconds(60), () -> members.stream().allMatch(m -> m.transport.viewEndpoints()
                .size() == 3), "all three to see each other");
        // connections exist before the crash, as in a running cluster
        Member a = members.get(0);
        Member b = members.get(1);
        Member c = members.get(2);
        a.send(c);
        b.send(c);
        a.send(b);
        b.send(a);
        assertThat(c.received.tryAcquire(2, 30, TimeUnit.SECONDS)).as("c heard from a and b").isTrue();
        assertThat(b.received.tryAcquire(30, TimeUnit.SECONDS)).as("b heard from a").isTrue();
        assertThat(a.received.tryAcquire(30, TimeUnit.SECONDS)).as("a heard from b").isTrue();
        return members;
    }

    /**
     * Crashes {@code victim} without a goodbye: its JGroups stack stops without leaving the view (its sockets close,
     * as the kernel closes them on {@code kill -9}), and its port then belongs to a listener that never accepts, with a
     * full backlog, so connection attempts get no answer, like those to a host that is gone.
     */
    private void crashAndBlackHole(Member victim) throws Exception {
        JGroupsTransport t = victim.transport;
        IpAddress physical = (IpAddress) t.channel().getProtocolStack().getTransport().localPhysicalAddress();
        t.channel().getProtocolStack().stopStack(t.options().clusterName());
        ServerSocket hole = new ServerSocket();
        hole.setReuseAddress(true);
        hole.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), physical.getPort()), 1);
        cleanup.add(hole);
        for (int i = 0; i < 8; i++) {
            Socket filler = new Socket();
            cleanup.add(filler);
            try {
                filler.connect(hole.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException e) {
                return; // the backlog is full: further connects get no answer
            } catch (IOException e) {
                fail("cannot make " + hole + " unresponsive: " + e);
            }
        }
        fail("connects to " + hole + " kept succeeding; cannot simulate a host that does not answer");
    }

    /**
     * {@value #ROUNDS} round trips a -> b -> a, each after {@value #TO_DEAD_PER_ROUND} messages from the sender to the
     * dead member; fails when they don't complete within {@link #ROUNDS_WITHIN}.
     */
    private static void roundTripsWhileSendingToTheDead(Member a, Member b, Member dead) throws Exception {
        long deadline = System.nanoTime() + ROUNDS_WITHIN.toNanos();
        for (int i = 0; i < ROUNDS; i++) {
            for (Member[] hop : new Member[][] {{a, b}, {b, a}}) {
                for (int k = 0; k < TO_DEAD_PER_ROUND; k++) {
                    hop[0].send(dead);
                }
                hop[0].send(hop[1]);
                long left = deadline - System.nanoTime();
                if (!hop[1].received.tryAcquire(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    fail("only " + i + " of " + ROUNDS + " round trips between the live members within " + ROUNDS_WITHIN
                            + ": sends to the dead member hold up the live ones");
                }
            }
        }
    }

    /**
     * A stack with JGroups' per-destination bundler (as a user's own XML may have), where {@code channel.send} only
     * enqueues and the connect happens on a JGroups thread; {@link Stacks} gives each member its own.
     */
    @Test
    void liveMembersKeepTalkingAtFullSpeedWhileTheHostOfACrashedMemberDoesNotAnswer() throws Exception {
        List<Member> m = startThree(bundlerStack().toString(), b -> b);
        crashAndBlackHole(m.get(2));
        // this runs in the window that matters: JGroups detects the crash only some 10 to 15 s later
        roundTripsWhileSendingToTheDead(m.get(0), m.get(1), m.get(2));
    }

    /** The shipped loopback stack with JGroups' per-destination bundler and non-blocking sends instead. */
    private Path bundlerStack() throws IOException {
        String loopback = new String(Stacks.class.getResourceAsStream("/homeostat/jgroups/loopback.xml")
                .readAllBytes(), StandardCharsets.UTF_8);
        String withBundler = loopback.replace("bundler_type=\"no-bundler\"", "bundler_type=\"per-destination\"")
                .replace("non_blocking_sends=\"false\"", "non_blocking_sends=\"true\"");
        assertThat(withBundler).as("the loopback stack's send attributes changed; update this test")
                .contains("per-destination").contains("non_blocking_sends=\"true\"");
        return Files.writeString(dir.resolve("bundler.xml"), withBundler);
    }

    /**
     * The shipped stacks, whose {@code channel.send} connects and writes on the caller's thread ({@code no-bundler},
     * blocking sends): each send to the dead member blocks a sender thread for {@code sock_conn_timeout}. Only the
     * dead member's queue waits (and drops beyond its bound); when JGroups removes it from the view its queue is
     * dropped, and its route is forgotten after the grace period.
     */
    @Test
    void aSendThatBlocksOnACrashedMemberHoldsUpOnlyThatMembersQueue() throws Exception {
        String stack = null; // the shipped loopback stack
        long graceMillis = 2_000;
        // one frame per send (no batches): a blocked sender then holds one frame and the rest stay queued, so c's queue
        // is never empty when c leaves the view; with batches the sender takes the whole queue at once and the view
        // change can fall in the instant before the next sends refill it (seen once in CI: 0 frames left to drop)
        List<Member> m = startThree(stack, b -> b.maxQueuedMessagesPerDestination(20)
                .routeGraceMillis(graceMillis).maxBatchMessages(1));
        Member a = m.get(0);
        Member b = m.get(1);
        Member c = m.get(2);
        org.jgroups.Address deadAddress = a.transport.route("c");
        crashAndBlackHole(c);

        roundTripsWhileSendingToTheDead(a, b, c);
        JGroupsTransport.Counters counters = a.transport.counters();
        assertThat(counters.droppedQueueFull()).as("messages beyond the dead member's queue bound").isPositive();
        assertThat(a.transport.queuedFrames(deadAddress)).isBetween(1, 20);
        assertThat(a.transport.queuedFrames(a.transport.route("b"))).isZero();

        // failure detection removes c from the view (FD_ALL3 + VERIFY_SUSPECT2, ~14 s); keep c's queue busy until then
        Await.until(Duration.ofSeconds(60), () -> {
            for (int k = 0; k < TO_DEAD_PER_ROUND; k++) {
                a.send(c);
            }
            return !a.transport.viewEndpoints().contains("c");
        }, "a's view to drop the crashed member");
        assertThat(a.transport.counters().droppedDeparted()).as("c's queue is dropped when c leaves the view")
                .isPositive();
        assertThat(a.transport.route("c")).as("c stays routed for the grace period").isEqualTo(deadAddress);
        Await.until(Duration.ofMillis(graceMillis + 10_000), () -> a.transport.route("c") == null,
                "c's route to be forgotten after the grace period");
        long noRoute = a.transport.counters().droppedNoRoute();
        a.send(c);
        assertThat(a.transport.counters().droppedNoRoute()).isEqualTo(noRoute + 1);
        // and the live members still talk
        a.send(b);
        assertThat(b.received.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        assertThat(a.transport.route("b")).isNotNull();
    }
}
