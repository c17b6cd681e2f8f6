package io.homeostat.jgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jgroups.JChannel;
import org.jgroups.protocols.TP;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration errors name the setting and the fix; the shipped stacks are valid JGroups configurations. */
class JGroupsConfigTest {

    @TempDir
    Path dir;

    private static JGroupsOptions.Builder base() {
        return JGroupsOptions.builder().nodeName("cfg");
    }

    @Test
    void anUnknownStackNameIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> Stacks.createChannel(base().stack("wan").build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.stack")
                .hasMessageContaining("unknown stack 'wan'").hasMessageContaining("loopback");
    }

    @Test
    void aMissingStackFileIsRejectedWithItsPath() {
        Path missing = dir.resolve("nope.xml");
        assertThatThrownBy(() -> JGroupsTransport.start(base().stack(missing.toString()).build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.stack")
                .hasMessageContaining("nope.xml").hasMessageContaining("does not exist");
    }

    @Test
    void badPortsAreRejected() {
        assertThatThrownBy(() -> base().portRange(5_000).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.portRange");
        assertThatThrownBy(() -> base().bindPort(65_530).portRange(10).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("bindPort + portRange")
                .hasMessageContaining("lower portRange");
        assertThatThrownBy(() -> base().bindPort(70_000).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.bindPort");
        assertThatThrownBy(() -> base().initialMembers(List.of("127.0.0.1")).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.initialMembers")
                .hasMessageContaining("host[port]");
    }

    @Test
    void badPropertiesAreRejectedByName() {
        assertThatThrownBy(() -> base().bindAddress("not an address").build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.bindAddress");
        assertThatThrownBy(() -> base().maxFrameBytes(1_000).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxFrameBytes");
        assertThatThrownBy(() -> base().nodeName("has space").build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.nodeName");
        assertThatThrownBy(() -> base().inlineSendBudgetBytes(-1).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.inlineSendBudgetBytes").hasMessageContaining("0 turns");
        assertThatThrownBy(() -> base().inlineSendBudgetBytes(JGroupsOptions.MAX_INLINE_SEND_BUDGET_BYTES + 1).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.inlineSendBudgetBytes");
        assertThat(base().build().inlineSendBudgetBytes()).isEqualTo(JGroupsOptions.DEFAULT_INLINE_SEND_BUDGET_BYTES);
        assertThat(base().inlineSendBudgetBytes(0).build().toBuilder().build().inlineSendBudgetBytes()).isZero();
        assertThatThrownBy(() -> base().clusterName("").build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.clusterName");
        assertThatThrownBy(() -> base().maxSendQueueBytes(10).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxSendQueueBytes");
        assertThatThrownBy(() -> base().credential(dir.resolve("missing.p12"), "pw").build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.keystorePath")
                .hasMessageContaining("Keygen");
    }

    @Test
    void perDestinationQueueBoundsDefaultToAQuarterOfTheTotalsAndAreValidatedByName() {
        JGroupsOptions d = base().build();
        assertThat(d.maxQueuedMessagesPerDestination()).isEqualTo(d.maxSendQueueMessages() / 4);
        assertThat(d.maxQueuedBytesPerDestination()).isEqualTo(d.maxSendQueueBytes() / 4);
        assertThat(d.senderThreads()).isGreaterThan(1);
        assertThat(d.routeGraceMillis()).isPositive();
        JGroupsOptions small = base().maxSendQueueMessages(100).maxSendQueueBytes(d.maxFrameBytes()).build();
        assertThat(small.maxQueuedMessagesPerDestination()).isEqualTo(25);
        assertThat(small.maxQueuedBytesPerDestination()).as("never below one frame").isEqualTo(d.maxFrameBytes());
        assertThat(d.toBuilder().maxSendQueueMessages(40).build().maxQueuedMessagesPerDestination())
                .as("a default stays a default through toBuilder").isEqualTo(10);
        assertThat(base().maxQueuedMessagesPerDestination(7).build().toBuilder().build()
                .maxQueuedMessagesPerDestination()).isEqualTo(7);

        assertThatThrownBy(() -> base().maxQueuedMessagesPerDestination(0).build())
                .isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxQueuedMessagesPerDestination");
        assertThatThrownBy(() -> base().maxSendQueueMessages(10).maxQueuedMessagesPerDestination(11).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("maxSendQueueMessages (10)");
        assertThatThrownBy(() -> base().maxQueuedBytesPerDestination(1_000).build())
                .isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxQueuedBytesPerDestination")
                .hasMessageContaining("maxFrameBytes");
        assertThatThrownBy(() -> base().senderThreads(0).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.senderThreads");
        assertThatThrownBy(() -> base().routeGraceMillis(-1).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.routeGraceMillis");
    }

    @Test
    void batchBoundsHaveDefaultsAndAreValidatedByName() {
        JGroupsOptions d = base().build();
        assertThat(d.maxBatchMessages()).isEqualTo(64);
        assertThat(d.maxBatchBytes()).isEqualTo(56 * 1024);
        assertThat(base().maxBatchMessages(1).build().toBuilder().build().maxBatchMessages()).isEqualTo(1);
        assertThatThrownBy(() -> base().maxBatchMessages(0).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxBatchMessages");
        assertThatThrownBy(() -> base().maxBatchMessages(MessageCodec.MAX_BATCH_MESSAGES + 1).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.maxBatchMessages");
        assertThatThrownBy(() -> base().maxBatchBytes(100).build()).isInstanceOf(JGroupsConfigException.class)
                .hasMessageContaining("JGroupsOptions.maxBatchBytes");
        assertThatThrownBy(() -> base().maxBatchBytes(d.maxFrameBytes() + 1).build())
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("maxFrameBytes");
    }

    /** JGroups' default sends to all members from one thread: a connect to a crashed member would delay the others. */
    @Test
    void tcpStacksSendFromOneJGroupsThreadPerMemberUnlessTheXmlSaysOtherwise() throws Exception {
        String tcp = "<config xmlns=\"urn:org:jgroups\"><TCP bind_addr=\"127.0.0.1\" bind_port=\"7800\" %s/><TCPPING/>"
                + "<pbcast.NAKACK2/><UNICAST3/><pbcast.GMS/></config>";
        Path unset = Files.writeString(dir.resolve("unset.xml"), String.format(tcp, ""));
        Path one = Files.writeString(dir.resolve("one.xml"), String.format(tcp,
                "bundler.use_single_sender_thread=\"true\""));
        Path queue = Files.writeString(dir.resolve("tq.xml"), String.format(tcp, "bundler_type=\"transfer-queue\""));
        try (JChannel ch = Stacks.createChannel(base().stack(unset.toString()).build())) {
            assertThat(Stacks.sendsFromOneThread(ch.getProtocolStack().getTransport())).isFalse();
        }
        try (JChannel ch = Stacks.createChannel(base().stack(one.toString()).build())) {
            assertThat(Stacks.sendsFromOneThread(ch.getProtocolStack().getTransport())).as("explicit: kept, warned")
                    .isTrue();
        }
        try (JChannel ch = Stacks.createChannel(base().stack(queue.toString()).build())) {
            assertThat(Stacks.sendsFromOneThread(ch.getProtocolStack().getTransport())).isTrue();
        }
    }

    @Test
    void theLoopbackStackRefusesANonLoopbackBindAddress() {
        assertThatThrownBy(() -> Stacks.createChannel(base().bindAddress("10.1.2.3").build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.bindAddress")
                .hasMessageContaining("loopback");
    }

    @Test
    void theCloudStackNeedsADnsQuery() {
        assertThatThrownBy(() -> Stacks.createChannel(base().stack("cloud").bindAddress("127.0.0.1").build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.dnsQuery")
                .hasMessageContaining("-Dhomeostat.jgroups.dns_query");
        assertThatThrownBy(() -> Stacks.createChannel(base().dnsQuery("x.example").build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("DNS_PING");
    }

    @Test
    void anUnknownPropertyInAUserStackIsReportedWithTheStack() throws Exception {
        Path xml = dir.resolve("mine.xml");
        Files.writeString(xml, "<config xmlns=\"urn:org:jgroups\"><TCP bind_addr=\"127.0.0.1\" no_such_thing=\"1\"/>"
                + "<TCPPING/><pbcast.NAKACK2/><UNICAST3/><pbcast.GMS/></config>");
        assertThatThrownBy(() -> Stacks.createChannel(base().stack(xml.toString()).build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("mine.xml")
                .hasMessageContaining("no_such_thing");
    }

    @Test
    void initialMembersNeedTcpping() {
        assertThatThrownBy(() -> Stacks.createChannel(base().stack("lan").bindAddress("127.0.0.1")
                .initialMembers(List.of("127.0.0.1[7800]")).build()))
                .isInstanceOf(JGroupsConfigException.class).hasMessageContaining("JGroupsOptions.initialMembers")
                .hasMessageContaining("TCPPING");
    }

    /** Builds (never connects) each shipped stack, bound to loopback: every attribute is one JGroups knows. */
    @Test
    void everyShippedStackIsAValidJGroupsConfigurationWithAnExplicitBindAddress() throws Exception {
        for (String stack : JGroupsOptions.SHIPPED_STACKS) {
            String xml = new String(Stacks.class.getResourceAsStream("/homeostat/jgroups/" + stack + ".xml")
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(xml).as(stack).containsPattern("bind_addr=\"[^\"]+\"").contains("diag.enabled=\"false\"");
            JGroupsOptions.Builder b = base().stack(stack).bindAddress("127.0.0.1");
            if (stack.equals("cloud")) {
                b.dnsQuery("homeostat.invalid");
            }
            try (JChannel ch = Stacks.createChannel(b.build())) {
                TP tp = ch.getProtocolStack().getTransport();
                assertThat(tp.getBindAddress().getHostAddress()).as(stack).isEqualTo("127.0.0.1");
                assertThat(Stacks.sendsFromOneThread(tp)).as(stack).isFalse();
            }
        }
        assertThat(new String(Stacks.class.getResourceAsStream("/homeostat/jgroups/loopback.xml").readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8)).contains("bind_addr=\"127.0.0.1\"");
    }

    @Test
    void optionsNeverPrintThePassword() throws Exception {
        Path ks = Files.writeString(dir.resolve("k.p12"), "x");
        assertThat(base().credential(ks, "s3cret").build().toString()).doesNotContain("s3cret").contains("***");
    }
}
