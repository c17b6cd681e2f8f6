package io.homeostat.wiki;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bin/homeostat demo}: the H2 server and an N-node wiki cluster on 127.0.0.1 (see {@link Cluster}), one URL
 * per node, and a control endpoint for the console's stop / kill / start buttons ({@code GET /nodes},
 * {@code POST /nodes/N/stop|kill|start} on {@code --control-port}). Ctrl-C (or SIGTERM) stops every node gracefully,
 * then the database.
 *
 * <pre>
 * options: --nodes N (3)  --http-port P (8081: node i serves on P+i-1)  --seed PAGES (300)
 *          --control-port P (8080)  --jgroups-port P (7870)  --cluster NAME (wiki-demo)  --logs DIR
 * </pre>
 */
final class Demo {

    private static final Pattern ACTION = Pattern.compile("/nodes/(\\d{1,2})/(stop|kill|start)");

    private Demo() {
    }

    static void main(String[] args) throws Exception {
        int nodes = 3;
        int httpPort = 8081;
        int seed = 300;
        int controlPort = 8080;
        int jgroupsPort = 7870;
        String clusterName = "wiki-demo";
        Path logs = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(value);
                case "--http-port" -> httpPort = Integer.parseInt(value);
                case "--seed" -> seed = Integer.parseInt(value);
                case "--control-port" -> controlPort = Integer.parseInt(value);
                case "--jgroups-port" -> jgroupsPort = Integer.parseInt(value);
                case "--cluster" -> clusterName = value;
                case "--logs" -> logs = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --nodes --http-port --seed --control-port --jgroups-port --cluster --logs");
            }
            i++;
        }
        if (nodes < 1 || nodes > 9) {
            throw new IllegalArgumentException("--nodes must be 1..9");
        }
        Path jar = appJar();
        if (logs == null) {
            logs = jar.getParent().resolve("demo-logs");
        }
        String control = "http://127.0.0.1:" + controlPort;
        Cluster cluster = new Cluster(new Cluster.Options(jar, logs, nodes, httpPort, clusterName, jgroupsPort, seed,
                control, List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-Dhomeostat.timeout.leave-millis=8000"), 180_000));
        HttpServer server = controlServer(cluster, controlPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nhomeostat demo: stopping the nodes (each leaves the cluster gracefully) ...");
            server.stop(0);
            cluster.close();
            System.out.println("homeostat demo: stopped.");
            stopped.countDown();
        }, "demo-shutdown"));
        System.out.println("homeostat demo: starting H2 and " + nodes + " wiki nodes on 127.0.0.1 (logs in " + logs
                + ") ...");
        long t0 = System.nanoTime();
        cluster.start();
        System.out.printf("homeostat demo: %d nodes up in %.1f s, %d pages seeded; database %s%n", nodes,
                (System.nanoTime() - t0) / 1e9, seed, cluster.dbUrl());
        for (int i = 1; i <= nodes; i++) {
            System.out.println("  node " + i + (i == 1 ? " (founder)" : "          ") + "  " + cluster.url(i)
                    + "/        console: " + cluster.url(i) + "/console");
        }
        System.out.println("Press Ctrl-C to stop all nodes.");
        stopped.await();
    }

    /** The jar this class was loaded from (the app jar, whose manifest names its libraries). */
    private static Path appJar() throws URISyntaxException {
        Path p = Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("run the demo from the packaged jar (bin/homeostat demo), not from " + p);
        }
        return p;
    }

    private static HttpServer controlServer(Cluster cluster, int port) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ExecutorService actions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "demo-control");
            t.setDaemon(true);
            return t;
        });
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.createContext("/nodes", ex -> {
            try (ex) {
                String path = ex.getRequestURI().getPath();
                if (ex.getRequestMethod().equals("GET") && path.equals("/nodes")) {
                    send(ex, 200, json.writeValueAsBytes(cluster.states()));
                    return;
                }
                Matcher m = ACTION.matcher(path);
                if (!ex.getRequestMethod().equals("POST") || !m.matches()) {
                    send(ex, 404, json.writeValueAsBytes(Map.of("error", "GET /nodes, POST /nodes/N/stop|kill|start")));
                    return;
                }
                int index = Integer.parseInt(m.group(1));
                String action = m.group(2);
                try {
                    cluster.state(index);
                } catch (IllegalArgumentException e) {
                    send(ex, 404, json.writeValueAsBytes(Map.of("error", e.getMessage())));
                    return;
                }
                actions.execute(() -> {
                    try {
                        switch (action) {
                            case "stop" -> cluster.stop(index);
                            case "kill" -> cluster.kill(index);
                            default -> cluster.restart(index);
                        }
                        System.out.println("homeostat demo: " + action + " node " + index + ": done");
                    } catch (IOException e) {
                        System.out.println("homeostat demo: " + action + " node " + index + " failed: "
                                + e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                send(ex, 202, json.writeValueAsBytes(Map.of("message", action + " of node " + index + " under way")));
            }
        });
        server.start();
        return server;
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
