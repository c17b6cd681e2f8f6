package io.homeostat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

    private static NodeConfig parse(String... args) throws NodeConfig.UsageException {
        return NodeConfig.parse(args, Map.of());
    }

    @Test
    void noJoinFoundsAndJoinJoins() throws Exception {
        NodeConfig f = parse("--name", "n1", "--port", "7800", "--http-port", "8080");
        assertThat(f.founder()).isTrue();
        assertThat(f.replication()).isEqualTo(3);
        assertThat(f.bind()).isEqualTo("127.0.0.1");
        assertThat(f.allowFaultInjection()).isFalse();
        NodeConfig j = parse("--name=n2", "--port", "7801", "--http-port", "8081", "--join",
                "127.0.0.1:7800, 127.0.0.1:7801", "--replication", "5", "--allow-fault-injection");
        assertThat(j.founder()).isFalse();
        assertThat(j.join()).containsExactly("127.0.0.1:7800", "127.0.0.1:7801");
        assertThat(j.replication()).isEqualTo(5);
        assertThat(j.allowFaultInjection()).isTrue();
    }

    @Test
    void badFlagsNameTheFlagAndTheFix() {
        assertThatThrownBy(() -> parse("--port", "1", "--http-port", "2")).hasMessageContaining("--name is required");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "x", "--http-port", "2"))
                .hasMessageContaining("--port 'x'").hasMessageContaining("1..65535");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "2", "--join", "nohost"))
                .hasMessageContaining("--join entry 'nohost'").hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "2", "--replication", "2"))
                .hasMessageContaining("--replication").hasMessageContaining("odd");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "2", "--data", "/var/x"))
                .hasMessageContaining("--data").hasMessageContaining("memory only");
        assertThatThrownBy(() -> parse("--name", "a b", "--port", "1", "--http-port", "2"))
                .hasMessageContaining("--name 'a b'");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "1"))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "2", "--bogus", "1"))
                .hasMessageContaining("unknown flag '--bogus'");
        assertThatThrownBy(() -> parse("--name", "a", "--port")).hasMessageContaining("--port needs a value");
    }

    @Test
    void credentialNeedsThePasswordFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path ks = Files.writeString(dir.resolve("c.p12"), "x");
        String[] args = {"--name", "a", "--port", "1", "--http-port", "2", "--credential", ks.toString()};
        assertThatThrownBy(() -> NodeConfig.parse(args, Map.of())).hasMessageContaining(NodeConfig.PASSWORD_ENV);
        NodeConfig c = NodeConfig.parse(args, Map.of(NodeConfig.PASSWORD_ENV, "secret"));
        assertThat(c.keystorePassword()).isEqualTo("secret");
        assertThat(c.toString()).doesNotContain("secret");
        assertThatThrownBy(() -> parse("--name", "a", "--port", "1", "--http-port", "2", "--credential",
                dir.resolve("missing.p12").toString())).hasMessageContaining("Keygen");
    }

    @Test
    void mainExitsWith2OnABadCommandLineAnd0OnHelp() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NodeMain.run(new String[] {"--name", "a"}, Map.of(), new PrintStream(out), new PrintStream(err));
        assertThat(code).isEqualTo(NodeMain.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("homeostat node: --port is required");
        assertThat(NodeMain.run(new String[] {"--help"}, Map.of(), new PrintStream(out), new PrintStream(err)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--allow-fault-injection");
    }

    @Test
    void aNonLoopbackBindGetsTheTcpStackFile() throws Exception {
        NodeConfig c = parse("--name", "a", "--port", "7800", "--http-port", "8080", "--bind", "10.0.0.5", "--join",
                "10.0.0.6:7800");
        var o = NodeMain.jgroupsOptions(c);
        assertThat(o.stack()).endsWith(".xml");
        assertThat(Files.readString(Path.of(o.stack()))).contains("TCPPING");
        assertThat(o.initialMembers()).isEqualTo(List.of("10.0.0.6:7800"));
        assertThat(NodeMain.jgroupsOptions(parse("--name", "a", "--port", "7800", "--http-port", "8080")).stack())
                .isEqualTo("loopback");
    }
}
