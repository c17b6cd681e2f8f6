package io.homeostat.wildflyit;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.jgroups.JGroupsTransport;
import io.homeostat.jpa.HomeostatRegionFactory;
import io.homeostat.runtime.threaded.EmbeddedNode;
import io.homeostat.wildflyit.app.CacheServlet;
import io.homeostat.wildflyit.app.Item;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.tools.Server;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ExplodedImporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jgroups.JChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two WildFly Preview servers on 127.0.0.1 (port offsets {@code wildfly.it.offset1/2}), each running the same WAR: our
 * adapter, the engine, the JGroups transport and JGroups in WEB-INF/lib, a container-managed JTA persistence unit over
 * one H2 database that this JVM serves on 127.0.0.1. The two persistence units are two nodes of one Homeostat cluster
 * over JGroups (the default loopback stack); the first deployed founds it ({@code homeostat.founder=auto}).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TwoWildFlyServersShareTheCacheTest {

    private static final String CLUSTER = "wildfly-it";
    /** Reads of the renamed entry on the first server until one is an L2 hit: 5 s at most, with the pauses. */
    private static final int MAX_READS_UNTIL_HIT = 50;
    private static final long READ_PAUSE_MILLIS = 100;
    private static Server h2;
    private static String jdbcUrl;

    @ArquillianResource
    @OperateOnDeployment("wf1")
    private URL server1;

    @ArquillianResource
    @OperateOnDeployment("wf2")
    private URL server2;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Deployment(name = "wf1", order = 1, testable = false)
    @TargetsContainer("wf1")
    static WebArchive first() {
        return app();
    }

    @Deployment(name = "wf2", order = 2, testable = false)
    @TargetsContainer("wf2")
    static WebArchive second() {
        return app();
    }

    @AfterAll
    static void stopDatabase() {
        if (h2 != null) {
            h2.stop();
        }
    }

    @Test
    void anEntityWrittenThroughOneServerIsAnL2HitOnTheOther() throws Exception {
        Map<String, String> put = call(server1, "put", 1, "alpha");
        assertThat(put).containsEntry("name", "alpha").containsEntry("factory", HomeostatRegionFactory.class
                .getName());

        // Change the row behind Hibernate's back: a read that still sees "alpha" can only come from the cache.
        try (Connection c = DriverManager.getConnection(jdbcUrl, "sa", "");
                Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("update Item set name = 'changed-in-the-database' where id = 1")).isEqualTo(1);
        }
        Map<String, String> onTheOther = call(server2, "find", 1, null);
        assertThat(onTheOther).containsEntry("name", "alpha").containsEntry("hits", "1").containsEntry("misses",
                "0").containsEntry("factory", HomeostatRegionFactory.class.getName());

        // An update through the second server is what the first one reads next. Its after-commit step (publish the
        // new entry, release the lock) may still be queued when the rename answers (the default
        // homeostat.store.async-release-max-in-flight): until it runs the entry is locked and a read is a miss that
        // loads from the database, never the old name. Once it ran, reads are hits again.
        call(server2, "rename", 1, "beta");
        Map<String, String> next = call(server1, "find", 1, null);
        for (int read = 1; read < MAX_READS_UNTIL_HIT && !"1".equals(next.get("hits")); read++) {
            assertThat(next).as("read %d after the rename", read).containsEntry("name", "beta");
            Thread.sleep(READ_PAUSE_MILLIS); // another server's queued step: nothing to wait on from here
            next = call(server1, "find", 1, null);
        }
        assertThat(next).containsEntry("name", "beta").containsEntry("hits", "1");
    }


    private Map<String, String> call(URL server, String op, long id, String name) throws IOException,
            InterruptedException, URISyntaxException {
        URI uri = new URI(server.toExternalForm() + "cache?op=" + op + "&id=" + id + (name == null ? "" : "&name="
                + name));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s answered %s", uri, r.body()).isEqualTo(200);
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : r.body().split(";")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    /** The WAR; the first call also starts the database both servers use. */
    private static synchronized WebArchive app() {
        if (h2 == null) {
            startDatabase();
        }
        String persistence = """
                <?xml version="1.0" encoding="UTF-8"?>
                <persistence xmlns="https://jakarta.ee/xml/ns/persistence" version="3.1">
                  <persistence-unit name="it" transaction-type="JTA">
                    <jta-data-source>java:jboss/datasources/HomeostatItDS</jta-data-source>
                    <class>io.homeostat.wildflyit.app.Item</class>
                    <shared-cache-mode>ENABLE_SELECTIVE</shared-cache-mode>
                    <properties>
                      <property name="jakarta.persistence.schema-generation.database.action" value="none"/>
                      <property name="hibernate.cache.use_second_level_cache" value="true"/>
                      <property name="hibernate.cache.region.factory_class" value="homeostat"/>
                      <property name="wildfly.jpa.regionfactory" value="false"/>
                      <property name="hibernate.generate_statistics" value="true"/>
                      <property name="homeostat.cluster.name" value="%s"/>
                    </properties>
                  </persistence-unit>
                </persistence>
                """.formatted(CLUSTER);
        String datasource = """
                <?xml version="1.0" encoding="UTF-8"?>
                <datasources xmlns="http://www.jboss.org/ironjacamar/schema">
                  <datasource jndi-name="java:jboss/datasources/HomeostatItDS" pool-name="HomeostatItDS">
                    <connection-url>%s</connection-url>
                    <driver>h2</driver>
                    <security><user-name>sa</user-name><password></password></security>
                  </datasource>
                </datasources>
                """.formatted(jdbcUrl);
        return ShrinkWrap.create(WebArchive.class, "homeostat-it.war")
                .addClasses(CacheServlet.class, Item.class)
                .addAsResource(new StringAsset(persistence), "META-INF/persistence.xml")
                .addAsWebInfResource(new StringAsset(datasource), "homeostat-it-ds.xml")
                .addAsLibraries(library(HomeostatRegionFactory.class, "homeostat-jpa.jar"),
                        library(EmbeddedNode.class, "homeostat-engine.jar"),
                        library(JGroupsTransport.class, "homeostat-jgroups-transport.jar"),
                        library(JChannel.class, "jgroups.jar"));
    }

    /** The jar (or, in a reactor build before packaging, the classes directory) that {@code type} comes from. */
    private static Archive<?> library(Class<?> type, String name) {
        File f;
        try {
            f = new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (f.isDirectory()) {
            return ShrinkWrap.create(ExplodedImporter.class, name).importDirectory(f).as(JavaArchive.class);
        }
        return ShrinkWrap.createFromZipFile(JavaArchive.class, f);
    }

    private static void startDatabase() {
        System.setProperty("h2.bindAddress", "127.0.0.1");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            h2 = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
            jdbcUrl = "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:wildfly-it;DB_CLOSE_DELAY=-1";
            try (Connection c = DriverManager.getConnection(jdbcUrl, "sa", "");
                    Statement s = c.createStatement()) {
                s.execute("create table Item (id bigint primary key, name varchar(255))");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start H2 on 127.0.0.1:" + port, e);
        }
    }
}
