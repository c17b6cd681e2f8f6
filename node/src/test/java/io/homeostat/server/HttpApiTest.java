package io.homeostat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.homeostat.ClientOptions;
import io.homeostat.runtime.Address;
import io.homeostat.runtime.threaded.EmbeddedNode;
import io.homeostat.runtime.threaded.LocalTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The HTTP protocol against a one-node, one-replica cluster in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpApiTest {

    private static final int MAX_VALUE_BYTES = 1_024;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedNode node;
    private HttpApi api;
    private HttpApi apiWithFaults;
    private FaultInjectingTransport wire;

    @BeforeAll
    void start() throws Exception {
        LocalTransport local = new LocalTransport();
        Address self = new Address("solo", 0);
        wire = new FaultInjectingTransport(local, () -> java.util.List.of(self));
        node = EmbeddedNode.start(wire, wire, EmbeddedNode.Settings.of(self).withFounder(true).withReplication(1)
                .withGroupsLog2(2).withClient(new ClientOptions(MAX_VALUE_BYTES, 16, 2, 10_000)));
        api = new HttpApi(node, null, () -> Map.of("extra", 1), 0, 4, MAX_VALUE_BYTES);
        apiWithFaults = new HttpApi(node, wire, Map::of, 0, 2, MAX_VALUE_BYTES);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (send("PUT", "/kv/probe", "ok").statusCode() != 204) {
            assertThat(System.nanoTime()).as("the node serves within 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
        if (apiWithFaults != null) {
            apiWithFaults.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body) throws Exception {
        return send(api, method, pathAndQuery, body);
    }

    private HttpResponse<String> send(HttpApi to, String method, String pathAndQuery, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(20));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode jsonOf(HttpResponse<String> r) throws Exception {
        return json.readTree(r.body());
    }

    @Test
    void putGetDeleteAndMissingKeys() throws Exception {
        assertThat(send("PUT", "/kv/page%3AMain", "hello").statusCode()).isEqualTo(204);
        HttpResponse<String> got = send("GET", "/kv/page:Main", null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo("hello");
        assertThat(send("DELETE", "/kv/page:Main", null).statusCode()).isEqualTo(204);
        HttpResponse<String> missing = send("GET", "/kv/page:Main", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(jsonOf(missing).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void compareAndSetWithValueAbsentMarkerAndBase64() throws Exception {
        assertThat(jsonOf(send("POST", "/kv/cas1?cas-absent", "a")).get("swapped").asBoolean()).isTrue();
        assertThat(jsonOf(send("POST", "/kv/cas1?cas-absent", "b")).get("swapped").asBoolean()).isFalse();
        assertThat(jsonOf(send("POST", "/kv/cas1?cas=a", "b c")).get("swapped").asBoolean()).isTrue();
        assertThat(jsonOf(send("POST", "/kv/cas1?cas=b+c", "d")).get("swapped").asBoolean()).isTrue();
        assertThat(jsonOf(send("POST", "/kv/cas1?cas64=ZA==", "e")).get("swapped").asBoolean()).isTrue(); // "d"
        assertThat(jsonOf(send("POST", "/kv/cas1?cas=e&delete", "")).get("swapped").asBoolean()).isTrue();
        assertThat(send("GET", "/kv/cas1", null).statusCode()).isEqualTo(404);
        HttpResponse<String> none = send("POST", "/kv/cas1", "x");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(jsonOf(none).get("reason").asText()).contains("cas-absent");
        assertThat(send("POST", "/kv/cas1?cas=a&cas-absent", "x").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/kv/cas1?cas64=!!", "x").statusCode()).isEqualTo(400);
    }

    @Test
    void transactionsReturnTheirGetsInOrderAndExpectationsGuardTheWrites() throws Exception {
        HttpResponse<String> r = send("POST", "/txn", "[{\"op\":\"put\",\"key\":\"t1\",\"value\":\"one\"},"
                + "{\"op\":\"get\",\"key\":\"t1\"},{\"op\":\"put\",\"key\":\"t2\",\"value\":\"//8=\",\"encoding\":\"base64\"},"
                + "{\"op\":\"get\",\"key\":\"t2\"},{\"op\":\"get\",\"key\":\"t3\"}]");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = jsonOf(r);
        assertThat(j.get("committed").asBoolean()).isTrue();
        assertThat(j.get("results")).hasSize(3);
        assertThat(j.get("results").get(0).get("value").asText()).isEqualTo("one");
        assertThat(j.get("results").get(1).get("encoding").asText()).isEqualTo("base64");
        assertThat(j.get("results").get(1).get("value").asText()).isEqualTo("//8=");
        assertThat(j.get("results").get(2).get("value").isNull()).isTrue();

        JsonNode failed = jsonOf(send("POST", "/txn", "[{\"op\":\"put\",\"key\":\"t3\",\"value\":\"x\"},"
                + "{\"op\":\"expect\",\"key\":\"t1\",\"value\":\"other\"}]"));
        assertThat(failed.get("committed").asBoolean()).isFalse();
        assertThat(failed.get("failedExpect").asInt()).isEqualTo(1);
        assertThat(send("GET", "/kv/t3", null).statusCode()).as("a failed expectation writes nothing").isEqualTo(404);

        JsonNode ok = jsonOf(send("POST", "/txn", "[{\"op\":\"expect\",\"key\":\"t3\",\"absent\":true},"
                + "{\"op\":\"expect\",\"key\":\"t1\",\"value\":\"one\"},{\"op\":\"delete\",\"key\":\"t1\"},"
                + "{\"op\":\"put\",\"key\":\"t3\",\"value\":\"y\"}]"));
        assertThat(ok.get("committed").asBoolean()).isTrue();
        assertThat(send("GET", "/kv/t1", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/kv/t3", null).body()).isEqualTo("y");
    }

    @Test
    void malformedRequestsGet4xxNamingTheProblem() throws Exception {
        HttpResponse<String> badJson = send("POST", "/txn", "[{\"op\":\"get\",\"key\":");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(jsonOf(badJson).get("reason").asText()).contains("malformed JSON");
        HttpResponse<String> notArray = send("POST", "/txn", "{\"op\":\"get\"}");
        assertThat(notArray.statusCode()).isEqualTo(400);
        assertThat(jsonOf(notArray).get("reason").asText()).contains("JSON array");
        HttpResponse<String> badOp = send("POST", "/txn", "[{\"op\":\"append\",\"key\":\"a\"}]");
        assertThat(badOp.statusCode()).isEqualTo(400);
        assertThat(jsonOf(badOp).get("reason").asText()).contains("operation 0").contains("append");
        assertThat(send("POST", "/txn", "[{\"op\":\"put\",\"key\":\"a\"}]").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/txn", "[{\"op\":\"put\",\"key\":\"a\",\"value\":\"%%\",\"encoding\":\"base64\"}]")
                .statusCode()).isEqualTo(400);
        assertThat(send("POST", "/txn", "[]").statusCode()).isEqualTo(400);
        assertThatThrownBy(() -> HttpApi.decodeKey("bad%zzkey")).hasMessageContaining("percent-encoding");
        assertThatThrownBy(() -> HttpApi.decodeKey("bad%4")).hasMessageContaining("percent-encoding");
        assertThat(HttpApi.decodeKey("a%00%ffb+")).containsExactly('a', 0, 0xff, 'b', '+');
        assertThat(send("GET", "/kv/", null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/nowhere", null).statusCode()).isEqualTo(404);
        assertThat(send("PATCH", "/kv/a", "x").statusCode()).isEqualTo(405);
        assertThat(send("GET", "/txn", null).statusCode()).isEqualTo(405);
        // the server still answers afterwards
        assertThat(send("GET", "/status", null).statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedValuesAndBodiesAre413() throws Exception {
        HttpResponse<String> big = send("PUT", "/kv/big", "x".repeat(MAX_VALUE_BYTES + 1));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(jsonOf(big).get("error").asText()).isEqualTo("value_too_large");
        assertThat(send("PUT", "/kv/big", "x".repeat(MAX_VALUE_BYTES)).statusCode()).isEqualTo(204);
        String hugeTxn = "[{\"op\":\"put\",\"key\":\"a\",\"value\":\"" + "x".repeat(5 * MAX_VALUE_BYTES) + "\"}]";
        assertThat(send("POST", "/txn", hugeTxn).statusCode()).isEqualTo(413);
        String tooLargeValueInTxn = "[{\"op\":\"put\",\"key\":\"a\",\"value\":\"" + "x".repeat(MAX_VALUE_BYTES + 1)
                + "\"}]";
        assertThat(send("POST", "/txn", tooLargeValueInTxn).statusCode()).isEqualTo(413);
    }

    @Test
    void statusReportsRingGroupsAndCounters() throws Exception {
        HttpResponse<String> r = send("GET", "/status", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode s = jsonOf(r);
        assertThat(s.get("node").asText()).isEqualTo("solo");
        assertThat(s.get("ring").has("successors")).isTrue();
        assertThat(s.get("replication").get("groups")).hasSize(4);
        JsonNode g = s.get("replication").get("groups").get(0);
        assertThat(g.get("serving").asBoolean()).isTrue();
        assertThat(s.get("recentActions").isArray()).isTrue();
        s.get("recentActions").forEach(a -> assertThat(a.has("atMillis") && a.has("loop") && a.has("detail")
                && a.has("times")).as("an action with its fields: %s", a).isTrue());
        assertThat(g.get("members").get(0).asText()).isEqualTo("solo");
        assertThat(g.get("epoch").asLong()).isPositive();
        assertThat(s.get("counters").get("handledMessages").asLong()).isPositive();
        assertThat(s.get("transactions").get("acceptorInstances").isIntegralNumber()).as("%s", s).isTrue();
        assertThat(s.get("faultInjection").get("enabled").asBoolean()).isFalse();
        assertThat(s.get("extra").asInt()).isEqualTo(1);
    }

    @Test
    void faultInjectionIsOffUnlessEnabledAndDropsNamedEndpoints() throws Exception {
        HttpResponse<String> off = send("POST", "/admin/partition?drop=x", null);
        assertThat(off.statusCode()).isEqualTo(403);
        assertThat(jsonOf(off).get("reason").asText()).contains("--allow-fault-injection");
        assertThat(send(apiWithFaults, "POST", "/admin/partition", null).statusCode()).isEqualTo(400);
        HttpResponse<String> on = send(apiWithFaults, "POST", "/admin/partition?drop=ghost,other", null);
        assertThat(on.statusCode()).isEqualTo(200);
        assertThat(wire.dropped()).isEqualTo(Set.of("ghost", "other"));
        long before = wire.droppedOutgoing();
        wire.send(new Address("solo", 0), new Address("ghost", 0), null);
        assertThat(wire.droppedOutgoing()).isEqualTo(before + 1);
        assertThat(send(apiWithFaults, "POST", "/admin/heal", null).statusCode()).isEqualTo(200);
        assertThat(wire.dropped()).isEmpty();
    }
}
