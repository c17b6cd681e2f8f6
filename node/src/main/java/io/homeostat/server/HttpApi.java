package io.homeostat.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.homeostat.ConflictException;
import io.homeostat.Homeostat;
import io.homeostat.HomeostatException;
import io.homeostat.OperationTimeoutException;
import io.homeostat.UnavailableException;
import io.homeostat.ValueTooLargeException;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP endpoint on 127.0.0.1: status, single-key operations, transactions, and (only when enabled) fault
 * injection. See node/README.md for the protocol. Every request is answered, malformed ones with 400 and a message
 * naming the problem; no input makes a handler throw out of this class.
 *
 * <p>Bounded: {@code threads} handler threads with at most {@value #MAX_QUEUED_REQUESTS} requests waiting (beyond
 * that the accepting thread runs the request itself, which slows accepting: back-pressure instead of a growing queue);
 * request bodies of at most {@code maxValueBytes} for {@code /kv} and {@code 4 * maxValueBytes} for {@code /txn};
 * at most {@value #MAX_TXN_OPS} operations per transaction.
 */
final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    static final int MAX_QUEUED_REQUESTS = 256;
    static final int MAX_TXN_OPS = 1_000;
    static final long STATUS_TIMEOUT_MILLIS = 5_000;
    private static final int STOP_DELAY_SECONDS = 1;

    private final EmbeddedNode node;
    private final Homeostat client;
    private final FaultInjectingTransport faults;
    private final Supplier<Map<String, Object>> extraStatus;
    private final int maxKvBodyBytes;
    private final int maxTxnBodyBytes;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ThreadPoolExecutor pool;

    /**
     * Starts serving on {@code 127.0.0.1:port} (0: any free port).
     *
     * @param faults       the fault injector, or null when fault injection is disabled
     * @param extraStatus  more fields for {@code /status} (transport counters, configuration)
     */
    HttpApi(EmbeddedNode node, FaultInjectingTransport faults, Supplier<Map<String, Object>> extraStatus, int port,
            int threads, int maxValueBytes) throws IOException {
        this.node = node;
        this.client = node.client();
        this.faults = faults;
        this.extraStatus = extraStatus;
        this.maxKvBodyBytes = maxValueBytes;
        this.maxTxnBodyBytes = (int) Math.min(Integer.MAX_VALUE - 16, 4L * maxValueBytes);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS), r -> {
                    Thread t = new Thread(r, "homeostat-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The port actually bound. */
    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(STOP_DELAY_SECONDS);
        pool.shutdownNow();
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    /** A request the client got wrong: 400 (or another 4xx) with a message naming the problem. */
    static final class BadRequest extends Exception {
        final int status;
        final String error;

        BadRequest(int status, String error, String message) {
            super(message);
            this.status = status;
            this.error = error;
        }

        BadRequest(String message) {
            this(400, "bad_request", message);
        }
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (BadRequest e) {
                error(ex, e.status, e.error, e.getMessage());
            } catch (UnavailableException e) {
                error(ex, 503, "unavailable", e.getMessage());
            } catch (OperationTimeoutException e) {
                error(ex, 504, "timeout", e.getMessage());
            } catch (ValueTooLargeException e) {
                error(ex, 413, "value_too_large", e.getMessage());
            } catch (ConflictException e) {
                error(ex, 409, "conflict", e.getMessage());
            } catch (HomeostatException e) {
                LOG.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                error(ex, 500, "internal", e.getMessage());
            } catch (IOException e) {
                LOG.debug("request {} {}: connection problem: {}", ex.getRequestMethod(), ex.getRequestURI(),
                        e.toString());
            } catch (RuntimeException e) {
                LOG.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
                error(ex, 500, "internal", String.valueOf(e));
            }
        } catch (RuntimeException e) {
            LOG.debug("could not answer {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        }
    }

    private void route(HttpExchange ex) throws IOException, BadRequest {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        if (path.startsWith("/kv/")) {
            kv(ex, method, decodeKey(path.substring(4)));
        } else if (path.equals("/status")) {
            requireMethod(method, "GET");
            status(ex);
        } else if (path.equals("/txn")) {
            requireMethod(method, "POST");
            txn(ex);
        } else if (path.equals("/admin/partition") || path.equals("/admin/heal")) {
            requireMethod(method, "POST");
            if (faults == null) {
                throw new BadRequest(403, "fault_injection_disabled", "fault injection is off; start the node with "
                        + "--allow-fault-injection (tests only)");
            }
            if (path.equals("/admin/heal")) {
                faults.heal();
                LOG.warn("fault injection: healed, dropping nothing");
            } else {
                String drop = query(ex).get("drop");
                if (drop == null) {
                    throw new BadRequest("/admin/partition needs ?drop=NAME,NAME (the node names to cut off)");
                }
                Set<String> names = new LinkedHashSet<>();
                for (String s : drop.split(",")) {
                    if (!s.isBlank()) {
                        names.add(s.trim());
                    }
                }
                faults.drop(names);
                LOG.warn("fault injection: dropping all messages to and from {}", names);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("dropping", faults.dropped());
            respondJson(ex, 200, out);
        } else {
            throw new BadRequest(404, "not_found", "no endpoint " + path + "; use /status, /kv/{key} or /txn");
        }
    }

    private static void requireMethod(String method, String allowed) throws BadRequest {
        if (!method.equals(allowed)) {
            throw new BadRequest(405, "method_not_allowed", method + " is not allowed here; use " + allowed);
        }
    }

    // ------------------------------------------------------------------------------------------------ /status

    private void status(HttpExchange ex) throws IOException {
        EmbeddedNode.Status s;
        try {
            s = node.status(STATUS_TIMEOUT_MILLIS);
        } catch (IllegalStateException e) {
            throw new UnavailableException(e.getMessage());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node", node.address().endpoint());
        out.put("address", s.address());
        out.put("ringId", s.ringId());
        Map<String, Object> ring = new LinkedHashMap<>();
        ring.put("predecessor", s.predecessor());
        ring.put("successors", s.successors());
        out.put("ring", ring);
        int serving = 0;
        for (EmbeddedNode.GroupStatus g : s.groups()) {
            if (g.serving()) {
                serving++;
            }
        }
        Map<String, Object> replication = new LinkedHashMap<>();
        replication.put("heldGroups", s.groups().size());
        replication.put("servingGroups", serving);
        replication.put("groups", s.groups());
        out.put("replication", replication);
        Map<String, Object> txns = new LinkedHashMap<>();
        txns.put("active", s.activeTransactions());
        txns.put("locks", s.locks());
        txns.put("acceptorInstances", s.acceptorInstances());
        out.put("transactions", txns);
        Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("handledMessages", s.handledMessages());
        counters.put("droppedMessages", s.droppedMessages());
        counters.put("handlerFailures", s.handlerFailures());
        counters.put("queuedInboxMessages", s.queuedInboxMessages());
        out.put("counters", counters);
        out.put("recentActions", s.recentActions()); // records: Jackson writes their components, like the groups
        Map<String, Object> fi = new LinkedHashMap<>();
        fi.put("enabled", faults != null);
        if (faults != null) {
            fi.put("dropping", faults.dropped());
            fi.put("droppedOutgoing", faults.droppedOutgoing());
            fi.put("droppedIncoming", faults.droppedIncoming());
        }
        out.put("faultInjection", fi);
        out.putAll(extraStatus.get());
        respondJson(ex, 200, out);
    }

    // ------------------------------------------------------------------------------------------------ /kv

    private void kv(HttpExchange ex, String method, byte[] key) throws IOException, BadRequest {
        switch (method) {
            case "GET" -> {
                Optional<byte[]> v = client.get(key);
                if (v.isEmpty()) {
                    throw new BadRequest(404, "not_found", "key has no value");
                }
                respond(ex, 200, "application/octet-stream", v.get());
            }
            case "PUT" -> {
                client.put(key, body(ex, maxKvBodyBytes));
                respond(ex, 204, null, null);
            }
            case "DELETE" -> {
                client.delete(key);
                respond(ex, 204, null, null);
            }
            case "POST" -> {
                Map<String, String> q = query(ex);
                int given = (q.containsKey("cas") ? 1 : 0) + (q.containsKey("cas64") ? 1 : 0)
                        + (q.containsKey("cas-absent") ? 1 : 0);
                if (given != 1) {
                    throw new BadRequest("POST /kv/{key} is compare-and-set and needs exactly one of ?cas=<expected "
                            + "value, URL-encoded UTF-8>, ?cas64=<expected value, base64> or ?cas-absent");
                }
                byte[] expected;
                if (q.containsKey("cas-absent")) {
                    expected = null;
                } else if (q.containsKey("cas64")) {
                    expected = base64(q.get("cas64"), "cas64");
                } else {
                    expected = q.get("cas").getBytes(StandardCharsets.UTF_8);
                }
                byte[] body = body(ex, maxKvBodyBytes);
                byte[] newValue;
                if (q.containsKey("delete")) {
                    if (body.length > 0) {
                        throw new BadRequest("?delete swaps the value for absent: send an empty body");
                    }
                    newValue = null;
                } else {
                    newValue = body;
                }
                boolean swapped = client.compareAndSet(key, expected, newValue);
                respondJson(ex, 200, Map.of("swapped", swapped));
            }
            default -> throw new BadRequest(405, "method_not_allowed", method
                    + " is not allowed on /kv/{key}; use GET, PUT, DELETE or POST (compare-and-set)");
        }
    }

    // ------------------------------------------------------------------------------------------------ /txn

    private enum OpKind { GET, PUT, DELETE, EXPECT }

    /** One parsed transaction operation; {@code value} null means absent (delete, or expect absent). */
    private record TxOp(OpKind kind, String key, byte[] value) {
    }

    /** The body's result: the gets performed, and the index of a failed expectation (or -1). */
    private record TxResult(List<Map<String, Object>> results, int failedExpect) {
    }

    private void txn(HttpExchange ex) throws IOException, BadRequest {
        boolean forceBase64 = "base64".equals(query(ex).get("encoding"));
        byte[] body = body(ex, maxTxnBodyBytes);
        List<TxOp> ops = parseTxn(body);
        TxResult r = client.transaction(tx -> {
            // Writes stay in this overlay until every expectation has held: a failed one writes nothing.
            Map<String, byte[]> overlay = new HashMap<>();
            Set<String> overlaid = new LinkedHashSet<>();
            List<Map<String, Object>> results = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                TxOp op = ops.get(i);
                switch (op.kind()) {
                    case GET -> results.add(result(op.key(), current(tx, overlay, overlaid, op.key()), forceBase64));
                    case PUT, DELETE -> {
                        overlay.put(op.key(), op.value());
                        overlaid.add(op.key());
                    }
                    case EXPECT -> {
                        byte[] cur = current(tx, overlay, overlaid, op.key());
                        if (!java.util.Arrays.equals(cur, op.value())) {
                            return new TxResult(results, i);
                        }
                    }
                    default -> throw new AssertionError(op.kind());
                }
            }
            for (String k : overlaid) {
                byte[] v = overlay.get(k);
                if (v == null) {
                    tx.delete(k);
                } else {
                    tx.put(k, v);
                }
            }
            return new TxResult(results, -1);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("committed", r.failedExpect() < 0);
        if (r.failedExpect() >= 0) {
            out.put("failedExpect", r.failedExpect());
        }
        out.put("results", r.results());
        respondJson(ex, 200, out);
    }

    private static byte[] current(io.homeostat.Transaction tx, Map<String, byte[]> overlay, Set<String> overlaid,
            String key) {
        if (overlaid.contains(key)) {
            return overlay.get(key);
        }
        return tx.get(key).orElse(null);
    }

    private static Map<String, Object> result(String key, byte[] value, boolean forceBase64) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        if (value == null) {
            m.put("value", null);
            return m;
        }
        String text = forceBase64 ? null : utf8OrNull(value);
        if (text != null) {
            m.put("value", text);
            m.put("encoding", "utf8");
        } else {
            m.put("value", Base64.getEncoder().encodeToString(value));
            m.put("encoding", "base64");
        }
        return m;
    }

    private List<TxOp> parseTxn(byte[] body) throws BadRequest {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("malformed JSON in the /txn body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("unreadable /txn body: " + e.getMessage());
        }
        if (root == null || !root.isArray()) {
            throw new BadRequest("the /txn body must be a JSON array of operations, such as "
                    + "[{\"op\":\"get\",\"key\":\"a\"},{\"op\":\"put\",\"key\":\"b\",\"value\":\"x\"}]");
        }
        if (root.size() == 0 || root.size() > MAX_TXN_OPS) {
            throw new BadRequest("a transaction needs 1.." + MAX_TXN_OPS + " operations, got " + root.size());
        }
        List<TxOp> ops = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode o = root.get(i);
            String where = "operation " + i;
            if (!o.isObject()) {
                throw new BadRequest(where + " must be a JSON object with \"op\" and \"key\"");
            }
            String op = text(o, "op", where);
            String key = text(o, "key", where);
            if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > io.homeostat.store.Key.MAX_KEY_BYTES) {
                throw new BadRequest(where + ": \"key\" must be 1.." + io.homeostat.store.Key.MAX_KEY_BYTES
                        + " bytes of UTF-8");
            }
            switch (op) {
                case "get" -> ops.add(new TxOp(OpKind.GET, key, null));
                case "delete" -> ops.add(new TxOp(OpKind.DELETE, key, null));
                case "put" -> ops.add(new TxOp(OpKind.PUT, key, value(o, where)));
                case "expect" -> {
                    JsonNode absent = o.get("absent");
                    if (absent != null && !absent.isBoolean()) {
                        throw new BadRequest(where + ": \"absent\" must be true or false");
                    }
                    if (absent != null && absent.booleanValue()) {
                        if (o.has("value")) {
                            throw new BadRequest(where + ": give either \"value\" or \"absent\":true, not both");
                        }
                        ops.add(new TxOp(OpKind.EXPECT, key, null));
                    } else {
                        ops.add(new TxOp(OpKind.EXPECT, key, value(o, where)));
                    }
                }
                default -> throw new BadRequest(where + ": unknown \"op\" '" + op
                        + "'; use get, put, delete or expect");
            }
        }
        return ops;
    }

    private static String text(JsonNode o, String field, String where) throws BadRequest {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new BadRequest(where + ": \"" + field + "\" must be a string");
        }
        return n.textValue();
    }

    private static byte[] value(JsonNode o, String where) throws BadRequest {
        String v = text(o, "value", where);
        JsonNode enc = o.get("encoding");
        if (enc == null || (enc.isTextual() && enc.textValue().equals("utf8"))) {
            return v.getBytes(StandardCharsets.UTF_8);
        }
        if (enc.isTextual() && enc.textValue().equals("base64")) {
            return base64(v, where + ": \"value\"");
        }
        throw new BadRequest(where + ": \"encoding\" must be \"utf8\" (the default) or \"base64\"");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static byte[] base64(String s, String what) throws BadRequest {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(what + " is not valid base64: " + e.getMessage());
        }
    }

    private static String utf8OrNull(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The key in the path: percent-decoded to bytes ('+' is a plus sign here), so any byte string can be a key. */
    static byte[] decodeKey(String raw) throws BadRequest {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new BadRequest("malformed percent-encoding in the key at position " + i);
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadRequest("malformed percent-encoding in the key at position " + i);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x7f) {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            } else {
                out.write(c);
            }
        }
        byte[] key = out.toByteArray();
        if (key.length == 0 || key.length > io.homeostat.store.Key.MAX_KEY_BYTES) {
            throw new BadRequest("the key must be 1.." + io.homeostat.store.Key.MAX_KEY_BYTES + " bytes, was "
                    + key.length + "; use /kv/{key} with the key percent-encoded");
        }
        return key;
    }

    /** Query parameters, URL-decoded as UTF-8 ('+' is a space); a parameter without '=' maps to "". */
    static Map<String, String> query(HttpExchange ex) throws BadRequest {
        String raw = ex.getRequestURI().getRawQuery();
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                if (out.put(name, value) != null) {
                    throw new BadRequest("query parameter '" + name + "' is given twice");
                }
            } catch (IllegalArgumentException e) {
                throw new BadRequest("malformed URL encoding in the query: " + e.getMessage());
            }
        }
        return out;
    }

    /** The request body, refused with 413 beyond {@code maxBytes}. */
    private static byte[] body(HttpExchange ex, int maxBytes) throws IOException, BadRequest {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.trim()) > maxBytes) {
                    throw new BadRequest(413, "value_too_large", "request body of " + len.trim()
                            + " bytes exceeds the limit of " + maxBytes + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new BadRequest("malformed Content-Length '" + len + "'");
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8_192];
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > maxBytes) {
                    throw new BadRequest(413, "value_too_large", "request body exceeds the limit of " + maxBytes
                            + " bytes");
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private void error(HttpExchange ex, int status, String error, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", error);
        m.put("reason", reason);
        try {
            respondJson(ex, status, m);
        } catch (IOException e) {
            LOG.debug("could not send error {} for {}: {}", status, ex.getRequestURI(), e.toString());
        }
    }

    private void respondJson(HttpExchange ex, int status, Object body) throws IOException {
        respond(ex, status, "application/json", json.writeValueAsBytes(body));
    }

    private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        if (body == null || status == 204) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }
}
