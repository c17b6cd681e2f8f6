package io.homeostat.wiki;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.homeostat.replica.Placement;
import io.homeostat.ring.RingId;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster console and its JSON: {@code /console} (the page), {@code /api/status} (this node),
 * {@code /api/cluster} (every node, fetched from each node's {@code /api/status}, plus the launcher's view of the
 * processes), {@code /api/placement?key=} (where a key's replicas sit) and {@code POST /api/nodes/N/stop|kill|start}
 * (forwarded to the demo launcher, when there is one).
 */
public class ConsoleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Pattern ACTION = Pattern.compile("/api/nodes/(\\d{1,2})/(stop|kill|start)");
    private static final Duration PEER_TIMEOUT = Duration.ofMillis(900);

    private transient StatusWatcher watcher;
    private transient NodeInfo node;
    private transient HttpClient http;
    private final transient ObjectMapper json = new ObjectMapper();

    @Override
    public void init() {
        watcher = (StatusWatcher) getServletContext().getAttribute(WikiContext.WATCHER);
        node = (NodeInfo) getServletContext().getAttribute(WikiContext.NODE);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PEER_TIMEOUT).build();
    }

    private static String path(HttpServletRequest req) {
        return req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = path(req);
        switch (path) {
            case "/console" -> {
                resp.setContentType("text/html;charset=UTF-8");
                resp.setHeader("Cache-Control", "no-store");
                resp.setHeader("Content-Security-Policy",
                        "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
                resp.getWriter().write(Html.page(node, "Cluster console", "/console", ConsolePage.BODY));
            }
            case "/api/status" -> sendJson(resp, 200, statusNow());
            case "/api/cluster" -> sendJson(resp, 200, cluster());
            case "/api/placement" -> sendJson(resp, 200, placement(req.getParameter("key")));
            default -> sendJson(resp, 404, Map.of("error", "no such resource: " + path));
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Matcher m = ACTION.matcher(path(req));
        if (!m.matches()) {
            sendJson(resp, 404, Map.of("error", "POST /api/nodes/N/stop|kill|start"));
            return;
        }
        if (node.controlUrl() == null) {
            sendJson(resp, 501, Map.of("error", "no launcher: this node was not started by bin/homeostat demo"));
            return;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.controlUrl() + "/nodes/"
                    + m.group(1) + "/" + m.group(2))).timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            resp.setStatus(r.statusCode());
            resp.setContentType("application/json");
            resp.getWriter().write(r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sendJson(resp, 503, Map.of("error", "interrupted"));
        } catch (IOException e) {
            sendJson(resp, 502, Map.of("error", "the launcher did not answer: " + e));
        }
    }

    /** The latest sample, with the cache statistics read now (so a test sees a hit as soon as the page is served). */
    private Map<String, Object> statusNow() {
        Map<String, Object> out = new LinkedHashMap<>(watcher.latest());
        out.put("l2", watcher.l2Now());
        return out;
    }

    /** Every node's status (null for a node that does not answer) and the launcher's process states. */
    private Map<String, Object> cluster() {
        List<String> peers = node.peers().isEmpty() ? List.of("") : node.peers();
        List<CompletableFuture<Map<String, Object>>> futures = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            if (i + 1 == node.index() || peers.get(i).isEmpty()) {
                futures.add(CompletableFuture.completedFuture(statusNow()));
            } else {
                futures.add(fetchJson(peers.get(i) + "/api/status"));
            }
        }
        CompletableFuture<Map<String, Object>> launcher = node.controlUrl() == null
                ? CompletableFuture.completedFuture(null) : fetchJson(node.controlUrl() + "/nodes");
        Map<String, Object> states = launcher.join();
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int i = 0; i < peers.size(); i++) {
            Map<String, Object> n = new LinkedHashMap<>();
            Map<String, Object> status = futures.get(i).join();
            n.put("index", i + 1);
            n.put("url", peers.get(i));
            n.put("up", status != null);
            Object state = states == null ? null : states.get(String.valueOf(i + 1));
            n.put("state", state != null ? state : status != null ? "running" : "unreachable");
            n.put("status", status);
            nodes.add(n);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("self", node.index());
        out.put("nodes", nodes);
        out.put("launcher", node.controlUrl() != null);
        return out;
    }

    private CompletableFuture<Map<String, Object>> fetchJson(String url) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(PEER_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        return null;
                    }
                    try {
                        return json.readValue(r.body(), new TypeReference<Map<String, Object>>() { });
                    } catch (IOException e) {
                        return null;
                    }
                })
                .exceptionally(e -> null);
    }

    private Map<String, Object> placement(String key) {
        String k = key == null ? "" : key;
        Map<String, Object> status = watcher.latest();
        int replication = ((Number) status.getOrDefault("replication", 3)).intValue();
        int groupsLog2 = ((Number) status.getOrDefault("groupsLog2", 6)).intValue();
        Placement p = new Placement(replication, groupsLog2);
        RingId point = RingId.ofKey(k);
        int group = p.groupOf(point);
        List<Map<String, Object>> slots = new ArrayList<>();
        for (int i = 0; i < replication; i++) {
            int slot = p.slot(group, i);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("replica", i);
            s.put("slot", slot);
            s.put("fraction", p.anchor(slot).fraction());
            slots.add(s);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", k);
        out.put("point", point.fraction());
        out.put("group", group);
        out.put("groups", p.groups());
        out.put("slots", slots);
        return out;
    }

    private void sendJson(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        json.writeValue(resp.getOutputStream(), body);
    }
}
