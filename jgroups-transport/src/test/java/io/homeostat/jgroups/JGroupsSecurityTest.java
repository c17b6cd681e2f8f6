package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homeostat.ring.RingMessage;
import io.homeostat.runtime.Message;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.stack.IpAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a cluster credential, members talk TLS with client authentication: outsiders can neither join nor inject. */
class JGroupsSecurityTest {

    private static final String PASSWORD = "correct-horse";

    @TempDir
    Path dir;

    private final List<JGroupsTransport> started = new ArrayList<>();

    @AfterEach
    void closeAll() {
        started.forEach(JGroupsTransport::close);
    }

    private JGroupsTransport start(JGroupsOptions o) {
        JGroupsTransport t = JGroupsTransport.start(o);
        started.add(t);
        return t;
    }

    @Test
    void outsidersWithoutOrWithAnotherCredentialCannotJoinOrInject() throws Exception {
        Path cluster = dir.resolve("cluster.p12");
        Path other = dir.resolve("other.p12");
        Keygen.generate(cluster, PASSWORD, "test-cluster", 30);
        Keygen.generate(other, PASSWORD, "test-cluster", 30);

        int base = TestPorts.freeBlock(6);
        String name = "homeostat-sec-" + base;
        JGroupsTransport a = start(TestPorts.loopback(name, "a", base, 5).credential(cluster, PASSWORD).build());
        JGroupsTransport b = start(TestPorts.loopback(name, "b", base, 5).credential(cluster, PASSWORD).build());
        Await.until(Duration.ofSeconds(30), () -> a.viewEndpoints().size() == 2 && b.viewEndpoints().size() == 2,
                "the two credential holders to form a cluster over TLS");

        LinkedBlockingQueue<Message> inboxA = new LinkedBlockingQueue<>();
        a.register(a.address(0), (from, m) -> inboxA.add(m));
        // positive control: a member's message arrives over TLS
        b.send(b.address(0), a.address(0), new RingMessage.Ping(null));
        assertThat(inboxA.poll(30, TimeUnit.SECONDS)).isEqualTo(new RingMessage.Ping(null));

        JGroupsTransport open = start(TestPorts.loopback(name, "open", base, 5).build());
        JGroupsTransport impostor = start(TestPorts.loopback(name, "impostor", base, 5).credential(other, PASSWORD)
                .build());
        for (JGroupsTransport outsider : List.of(open, impostor)) {
            assertThat(outsider.viewEndpoints()).as(outsider.endpoint()).containsExactly(outsider.endpoint());
            // inject: through the transport (no route) and straight through the channel at a's JGroups address
            outsider.send(outsider.address(0), a.address(0), new RingMessage.Ping(null));
            assertThat(outsider.counters().droppedNoRoute()).isEqualTo(1);
            byte[] frame = new MessageCodec().encode(outsider.address(0), a.address(0), new RingMessage.Pong(null));
            outsider.channel().send(new BytesMessage(a.channel().getAddress(), frame));
        }

        // a raw plain-TCP connection to a's port: the TLS server must close it without reading a frame
        IpAddress physical = (IpAddress) a.channel().down(new Event(Event.GET_PHYSICAL_ADDRESS,
                a.channel().getAddress()));
        assertThat(physical.getIpAddress().isLoopbackAddress()).isTrue();
        try (Socket s = new Socket(physical.getIpAddress(), physical.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {'b', 'e', 'l', 'a', 0, 0, 0, 5, 1, 2, 3, 4, 5});
            out.write(new MessageCodec().encode(open.address(0), a.address(0), new RingMessage.Pong(null)));
            out.flush();
            InputStream in = s.getInputStream();
            int read;
            try {
                read = in.read();
                while (read >= 0 && read != -1) {
                    read = in.read(); // a TLS alert, then end of stream
                }
            } catch (SocketException closed) {
                read = -1;
            } catch (SocketTimeoutException stillOpen) {
                read = -2;
            }
            assertThat(read).as("the TLS server closed the plain connection").isEqualTo(-1);
        }

        // the members still see only each other, and a received exactly the member's message
        Await.until(Duration.ofSeconds(10), () -> open.viewEndpoints().size() == 1
                && impostor.viewEndpoints().size() == 1, "outsiders to remain alone");
        assertThat(a.viewEndpoints()).containsExactlyInAnyOrder("a", "b");
        assertThat(b.viewEndpoints()).containsExactlyInAnyOrder("a", "b");
        assertThat(inboxA).isEmpty();
        assertThat(a.counters().delivered()).isEqualTo(1);
        assertThat(a.counters().droppedUndecodable()).isZero();
        assertThat(a.route("open")).isNull();
        assertThat(a.route("impostor")).isNull();
    }

    @Test
    void aWrongKeystorePasswordIsAConfigurationError() throws Exception {
        Path ks = dir.resolve("k.p12");
        Keygen.generate(ks, PASSWORD, "c", 30);
        assertThatThrownBy(() -> Stacks.createChannel(JGroupsOptions.builder().credential(ks, "wrong-password")
                .build())).isInstanceOf(JGroupsConfigException.class).hasMessageContaining("keystorePassword");
        assertThatThrownBy(() -> Stacks.createChannel(JGroupsOptions.builder().stack("lan").bindAddress("127.0.0.1")
                .credential(ks, PASSWORD).build())).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("TLS needs a TCP transport");
    }

    @Test
    void keygenNeverOverwritesACredential() throws Exception {
        Path ks = dir.resolve("k.p12");
        Keygen.generate(ks, PASSWORD, "c", 30);
        assertThatThrownBy(() -> Keygen.generate(ks, PASSWORD, "c", 30)).hasMessageContaining("already exists");
        assertThatThrownBy(() -> Keygen.generate(dir.resolve("x.p12"), "short", "c", 30))
                .hasMessageContaining("at least 6");
    }
}
