package io.homeostat.wiki;

import java.util.Arrays;
import java.util.EnumSet;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * {@code java -jar homeostat-sample-app.jar [demo [options] | node]}.
 *
 * <p>{@code node}: one wiki node on Jetty, on 127.0.0.1 and {@code -Dwiki.http.port} (default 8081), configured by
 * system properties (see {@link WikiContext}, {@link NodeInfo}). It prints {@value #READY} and its URL once it serves;
 * on SIGTERM it stops Jetty, then closes the persistence unit, so its cache node leaves the cluster gracefully.
 *
 * <p>{@code demo} (the default): the launcher, see {@link Demo}.
 */
public final class Main {

    static final String READY = "WIKI-READY";

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "demo" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "node" -> node();
            case "demo" -> Demo.main(rest);
            default -> {
                System.err.println("usage: java -jar homeostat-sample-app.jar [demo [--nodes N] [--http-port P] "
                        + "[--seed PAGES] | node]");
                System.exit(2);
            }
        }
    }

    static void node() throws Exception {
        int port = Integer.getInteger("wiki.http.port", 8081);
        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setHost("127.0.0.1");
        http.setPort(port);
        server.addConnector(http);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addEventListener(new WikiContext());
        context.addFilter(new FilterHolder(new RequestCounter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(ConsoleServlet.class, "/console");
        context.addServlet(ConsoleServlet.class, "/api/*");
        context.addServlet(WikiServlet.class, "/");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            e.printStackTrace();
            server.stop();
            System.exit(1);
        }
        if (!context.isAvailable()) {
            System.err.println("wiki: the web application failed to start; see the log above");
            server.stop();
            System.exit(1);
        }
        System.out.println(READY + " http://127.0.0.1:" + http.getLocalPort());
        System.out.flush();
        server.join();
    }
}
