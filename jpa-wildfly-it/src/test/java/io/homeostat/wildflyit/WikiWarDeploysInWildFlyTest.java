package io.homeostat.wildflyit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.tools.Server;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.as.arquillian.api.ServerSetup;
import org.jboss.as.arquillian.container.ManagementClient;
import org.jboss.as.arquillian.setup.SystemPropertyServerSetupTask;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A smoke test of the sample wiki's WAR ({@code homeostat-sample-app-*-wildfly.war}, deployed as the build made it)
 * on the two WildFly Preview servers of {@link TwoWildFlyServersShareTheCacheTest}: a page created through a browser's
 * form post on the first server is rendered by both, and reading it is a second-level cache hit on each.
 *
 * <p>The only server configuration is what a user of the WAR sets: the system property {@code wiki.db.url}, here an
 * H2 database that this JVM serves on 127.0.0.1, so that both servers share one database (without it each server
 * would use its own in-memory H2). The two wikis form one Homeostat cluster ({@code wiki}) over JGroups on loopback.
 *
 * <p>The WAR comes from the reactor ({@code mvn verify}); a build that stops before {@code package} ({@code mvn test})
 * has no WAR to deploy, and the test is skipped.
 */
@DisabledIf(value = "warNotPackaged", disabledReason = "the reactor stopped before package: sample-app's WAR is not "
        + "built (Maven passes its classes directory instead); run mvn verify")
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@ServerSetup(WikiWarDeploysInWildFlyTest.SharedDatabase.class)
class WikiWarDeploysInWildFlyTest {

    private static final Pattern L2 = Pattern.compile("\"l2\":\\{\"hits\":(\\d+),\"misses\":(\\d+),\"puts\":(\\d+)");

    @ArquillianResource
    @OperateOnDeployment("wiki1")
    private URL server1;

    @ArquillianResource
    @OperateOnDeployment("wiki2")
    private URL server2;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Deployment(name = "wiki1", order = 1, testable = false)
    @TargetsContainer("wf1")
    static WebArchive first() {
        return war();
    }

    @Deployment(name = "wiki2", order = 2, testable = false)
    @TargetsContainer("wf2")
    static WebArchive second() {
        return war();
    }

    @Test
    void aPageSavedThroughTheEditFormIsServedByBothServersFromTheCache() throws Exception {
        assertThat(server1.getPath()).as("the WAR's jboss-web.xml deploys it at the root context").isEqualTo("/");
        String title = "Deployed on WildFly";
        String path = "/" + URLEncoder.encode(title, StandardCharsets.UTF_8).replace("+", "%20");
        String nonce = UUID.randomUUID().toString();

        // What a browser does: open the edit form, post it, follow the redirect to the page.
        HttpResponse<String> form = get(server1, "/edit" + path);
        assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
        assertThat(form.body()).contains("id=\"edit-form\"", "action=\"/edit" + path + "\"",
                "name=\"version\" value=\"-1\"");
        HttpResponse<String> saved = post(server1, "/edit" + path, Map.of("version", "-1",
                "body", "# " + title + "\r\n\r\nServed by **Undertow**, cached by Homeostat: " + nonce + "\r\n",
                "author", "arquillian", "summary", "smoke test"));
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(302);
        assertThat(saved.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/wiki"
                + path));

        assertRendered(get(server1, "/wiki" + path), nonce);
        long hits1 = l2Hits(server1);
        assertRendered(get(server1, "/wiki" + path), nonce);
        assertThat(l2Hits(server1)).as("the second read of the page on server 1 is a cache hit").isGreaterThan(hits1);

        // The other server: same database, same Homeostat cluster; the page it never wrote comes from the cache.
        long hits2 = l2Hits(server2);
        assertRendered(get(server2, "/wiki" + path), nonce);
        assertThat(l2Hits(server2)).as("server 2 reads the page written through server 1 from the cache")
                .isGreaterThan(hits2);
    }

    private static void assertRendered(HttpResponse<String> page, String nonce) {
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<h1 id=\"title\">Deployed on WildFly</h1>", "by arquillian",
                "Served by <strong>Undertow</strong>, cached by Homeostat: " + nonce);
    }

    /** The node's L2 hit count from {@code /api/status}, which also shows that its Homeostat node is on the ring. */
    private long l2Hits(URL server) throws IOException, InterruptedException {
        HttpResponse<String> status = get(server, "/api/status");
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(status.body()).as("a Homeostat node (not WildFly's Infinispan cache) serves the wiki")
                .contains("\"ring\":{\"address\"");
        Matcher m = L2.matcher(status.body());
        assertThat(m.find()).as(status.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private HttpResponse<String> get(URL server, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URL server, String path, Map<String, String> fields) throws IOException,
            InterruptedException {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return http.send(HttpRequest.newBuilder(uri(server, path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(URL server, String path) {
        return URI.create(server.getProtocol() + "://" + server.getHost() + ":" + server.getPort() + path);
    }

    /** Before {@code package}, Maven's reactor resolves the WAR dependency to sample-app's classes directory. */
    static boolean warNotPackaged() {
        String path = System.getProperty("wiki.war");
        return path != null && new File(path).isDirectory();
    }

    /** The WAR that sample-app built (its path comes from the build, see this module's pom). */
    private static WebArchive war() {
        String path = System.getProperty("wiki.war");
        assertThat(path).as("system property wiki.war").isNotBlank();
        File war = new File(path);
        assertThat(war).as("the wiki's WAR; run the build to the package phase at least (mvn verify)").isFile();
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }

    /**
     * Sets {@code wiki.db.url} on each server before the WAR deploys, as a user would in standalone.xml or with
     * {@code -Dwiki.db.url=...}: an in-memory H2 database that an H2 TCP server in this JVM shares on 127.0.0.1. The
     * database stops with the last server's tear-down, after the WAR is undeployed.
     */
    public static final class SharedDatabase extends SystemPropertyServerSetupTask {

        private static Server h2;
        private static String url;
        private static int servers;

        public SharedDatabase() {
            super(Map.of("wiki.db.url", start()));
        }

        private static synchronized String start() {
            if (h2 == null) {
                System.setProperty("h2.bindAddress", "127.0.0.1");
                int port;
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                    port = s.getLocalPort();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                try {
                    h2 = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
                } catch (SQLException e) {
                    throw new IllegalStateException("cannot start H2 on 127.0.0.1:" + port, e);
                }
                url = "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:wiki-on-wildfly;DB_CLOSE_DELAY=-1";
            }
            return url;
        }

        @Override
        public void setup(ManagementClient client, String containerId) throws Exception {
            synchronized (SharedDatabase.class) {
                servers++;
            }
            super.setup(client, containerId);
        }

        @Override
        public void tearDown(ManagementClient client, String containerId) throws Exception {
            super.tearDown(client, containerId);
            synchronized (SharedDatabase.class) {
                if (--servers == 0 && h2 != null) {
                    h2.stop();
                    h2 = null;
                }
            }
        }
    }
}
