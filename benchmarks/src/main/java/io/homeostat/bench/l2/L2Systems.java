package io.homeostat.bench.l2;

import com.hazelcast.cache.HazelcastCachingProvider;
import com.hazelcast.cache.HazelcastMemberCachingProvider;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.homeostat.jpa.HomeostatRegionFactory;
import io.homeostat.jpa.HomeostatSettings;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.threaded.EmbeddedNode;
import jakarta.persistence.EntityManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.ehcache.core.config.DefaultConfiguration;
import org.ehcache.jsr107.EhcacheCachingProvider;
import org.hibernate.engine.spi.SessionFactoryImplementor;
import org.infinispan.hibernate.cache.v6.InfinispanRegionFactory;
import org.infinispan.manager.EmbeddedCacheManager;

/** The systems {@link L2Benchmark} compares, by name. */
final class L2Systems {

    static final List<String> ALL = List.of("none", "jcache-local", "hazelcast", "infinispan",
            "infinispan-invalidation", "homeostat");

    private L2Systems() {
    }

    /**
     * A new, not yet started system. {@code run} names this run's clusters (so they never meet another run's);
     * {@code basePort} is the first of 6 free ports on 127.0.0.1.
     */
    static L2System create(String name, String run, int basePort) {
        switch (name) {
            case "none":
                return new NoCache();
            case "jcache-local":
                return new LocalJCache();
            case "hazelcast":
                return new HazelcastJCache(run, basePort);
            case "infinispan":
                return new Infinispan("infinispan", "replicated-entity", run, basePort);
            case "infinispan-invalidation":
                return new Infinispan("infinispan-invalidation", "entity", run, basePort);
            case "homeostat":
                return new Homeostat(run, basePort);
            default:
                throw new IllegalArgumentException("unknown system '" + name + "'; known: " + String.join(",", ALL));
        }
    }

    /** The version of the jar that holds {@code c}: its Maven metadata, its manifest, or its file name; or "?". */
    static String version(Class<?> c, String group, String artifact) {
        String path = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = c.getResourceAsStream(path)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null) {
                    return v;
                }
            }
        } catch (IOException e) {
            // try the others
        }
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try {
            String jar = c.getProtectionDomain().getCodeSource().getLocation().getPath();
            Matcher m = Pattern.compile(Pattern.quote(artifact) + "-(\\d[^/]*)\\.jar$").matcher(jar);
            if (m.find()) {
                return m.group(1);
            }
        } catch (RuntimeException e) {
            // no code source
        }
        return "?";
    }

    static SessionFactoryImplementor sf(EntityManagerFactory emf) {
        return emf.unwrap(SessionFactoryImplementor.class);
    }

    // --- no second-level cache -------------------------------------------------------------------------------------

    private static final class NoCache implements L2System {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public Map<String, Object> nodeProperties(int node) {
            return Map.of("hibernate.cache.use_second_level_cache", "false");
        }

        @Override
        public String describe(List<EntityManagerFactory> nodes) {
            return "no second-level cache: every find reads the row from H2 over TCP";
        }
    }

    // --- a local JCache: Ehcache 3 through hibernate-jcache, one cache manager per node -----------------------------

    private static final class LocalJCache implements L2System {
        private final List<CacheManager> managers = new ArrayList<>();

        @Override
        public String name() {
            return "jcache-local";
        }

        @Override
        public Map<String, Object> nodeProperties(int node) {
            EhcacheCachingProvider provider = (EhcacheCachingProvider) Caching.getCachingProvider(
                    EhcacheCachingProvider.class.getName());
            // each node its own manager (its own URI): a cache local to that node, as in one JVM per node
            CacheManager cm = provider.getCacheManager(URI.create("urn:l2bench:ehcache:node-" + (node + 1)),
                    new DefaultConfiguration(L2Systems.class.getClassLoader()));
            managers.add(cm);
            Map<String, Object> p = new HashMap<>();
            p.put("hibernate.cache.region.factory_class", "jcache");
            p.put("hibernate.javax.cache.cache_manager", cm);
            p.put("hibernate.javax.cache.missing_cache_strategy", "create");
            return p;
        }

        @Override
        public String describe(List<EntityManagerFactory> nodes) {
            return "hibernate-jcache " + version(org.hibernate.cache.jcache.ConfigSettings.class, "org.hibernate.orm", "hibernate-jcache") + " + Ehcache "
                    + version(EhcacheCachingProvider.class, "org.ehcache", "ehcache") + " JSR-107 provider, one CacheManager per node (caches "
                    + "created by hibernate-jcache from a default MutableConfiguration: on-heap, unbounded, "
                    + "store-by-value), nothing shared between nodes";
        }

        @Override
        public void close() {
            for (CacheManager cm : managers) {
                if (!cm.isClosed()) {
                    cm.close();
                }
            }
        }
    }

    // --- Hazelcast's member-side JCache through hibernate-jcache: 3 members in this JVM ----------------------------

    private static final class HazelcastJCache implements L2System {
        private final String cluster;
        private final int basePort;
        private final List<HazelcastInstance> members = new ArrayList<>();
        private final List<HazelcastMemberCachingProvider> providers = new ArrayList<>();

        HazelcastJCache(String run, int basePort) {
            this.cluster = "l2bench-hz-" + run;
            this.basePort = basePort;
        }

        @Override
        public String name() {
            return "hazelcast";
        }

        @Override
        public Map<String, Object> nodeProperties(int node) {
            Config cfg = new Config();
            cfg.setClusterName(cluster);
            cfg.setInstanceName(cluster + "-" + (node + 1));
            cfg.setProperty("hazelcast.phone.home.enabled", "false");
            cfg.setProperty("hazelcast.logging.type", "slf4j");
            cfg.setProperty("hazelcast.socket.bind.any", "false");
            cfg.setProperty("hazelcast.local.localAddress", "127.0.0.1");
            // start-up only: the members start one after the other in this JVM, no need to wait 5 s for more
            cfg.setProperty("hazelcast.wait.seconds.before.join", "1");
            NetworkConfig net = cfg.getNetworkConfig();
            net.setPort(basePort + node).setPortAutoIncrement(false);
            net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            JoinConfig join = net.getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(1);
            for (int i = 0; i < 3; i++) {
                join.getTcpIpConfig().addMember("127.0.0.1:" + (basePort + i));
            }
            HazelcastInstance hz = Hazelcast.newHazelcastInstance(cfg);
            members.add(hz);
            // A provider of its own per node: a provider hands out one manager per (class loader, URI), and Hazelcast
            // prefixes cache names with a non-default URI, so the nodes must use the default URI (one distributed cache
            // per region across the members) through separate providers (each manager bound to its own member).
            HazelcastMemberCachingProvider provider = new HazelcastMemberCachingProvider();
            providers.add(provider);
            CacheManager cm = provider.getCacheManager(null, null,
                    HazelcastCachingProvider.propertiesByInstanceItself(hz));
            Map<String, Object> p = new HashMap<>();
            p.put("hibernate.cache.region.factory_class", "jcache");
            p.put("hibernate.javax.cache.cache_manager", cm);
            p.put("hibernate.javax.cache.missing_cache_strategy", "create");
            return p;
        }

        @Override
        public String settle(List<EntityManagerFactory> nodes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                boolean ok = true;
                for (HazelcastInstance hz : members) {
                    ok &= hz.getCluster().getMembers().size() == members.size()
                            && hz.getPartitionService().isClusterSafe();
                }
                if (ok) {
                    return null;
                }
                Thread.sleep(200);
            }
            return "hazelcast: members not all in one safe cluster after 60 s; measuring anyway";
        }

        @Override
        public String describe(List<EntityManagerFactory> nodes) {
            return "hibernate-jcache " + version(org.hibernate.cache.jcache.ConfigSettings.class, "org.hibernate.orm", "hibernate-jcache") + " + Hazelcast "
                    + version(Hazelcast.class, "com.hazelcast", "hazelcast") + " member-side JCache (HazelcastMemberCachingProvider),"
                    + " 3 members in this JVM, TCP-IP join on 127.0.0.1; caches created by hibernate-jcache from a "
                    + "default MutableConfiguration (partitioned, 1 synchronous backup, BINARY, no near cache)";
        }

        @Override
        public void nodeStopped(int node) {
            // a graceful shutdown: its partitions migrate to the others first (like Homeostat's leave)
            members.get(node).shutdown();
        }

        @Override
        public void close() {
            for (HazelcastMemberCachingProvider p : providers) {
                p.close();
            }
            for (HazelcastInstance hz : members) {
                if (hz.getLifecycleService().isRunning()) {
                    hz.getLifecycleService().terminate();
                }
            }
        }
    }

    // --- Infinispan's Hibernate module: 3 embedded cache managers in this JVM --------------------------------------

    private static final class Infinispan implements L2System {
        private final String name;
        private final String entityConfig;
        private final String cluster;
        private final int basePort;

        Infinispan(String name, String entityConfig, String run, int basePort) {
            this.name = name;
            this.entityConfig = entityConfig;
            this.cluster = "l2bench-ispn-" + run;
            this.basePort = basePort;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Map<String, Object> nodeProperties(int node) {
            // read by bench/l2-infinispan.xml and bench/infinispan-jgroups.xml while this node's factory starts
            System.setProperty("bench.l2.infinispan.cluster", cluster);
            System.setProperty("bench.jgroups.bind_port", Integer.toString(basePort + node));
            System.setProperty("bench.jgroups.initial_hosts", "127.0.0.1[" + basePort + "],127.0.0.1["
                    + (basePort + 1) + "],127.0.0.1[" + (basePort + 2) + "]");
            Map<String, Object> p = new HashMap<>();
            p.put("hibernate.cache.region.factory_class", InfinispanRegionFactory.class.getName());
            p.put("hibernate.cache.infinispan.cfg", "bench/l2-infinispan.xml");
            p.put("hibernate.cache.infinispan.entity.cfg", entityConfig);
            return p;
        }

        private static EmbeddedCacheManager manager(EntityManagerFactory emf) {
            return ((InfinispanRegionFactory) sf(emf).getCache().getRegionFactory()).getCacheManager();
        }

        @Override
        public String settle(List<EntityManagerFactory> nodes) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                boolean ok = true;
                for (EntityManagerFactory emf : nodes) {
                    List<?> members = manager(emf).getMembers();
                    ok &= members != null && members.size() == nodes.size();
                }
                if (ok) {
                    return null;
                }
                Thread.sleep(200);
            }
            return name + ": cache managers not all in one view after 60 s; measuring anyway";
        }

        @Override
        public String describe(List<EntityManagerFactory> nodes) {
            String mode = entityConfig.equals("entity") ? "INVALIDATION_SYNC (Infinispan's default for entities)"
                    : "REPL_SYNC (replicated-entity)";
            return "infinispan-hibernate-cache-v66 " + version(InfinispanRegionFactory.class, "org.infinispan", "infinispan-hibernate-cache-v66")
                    + " on infinispan-core " + org.infinispan.commons.util.Version.getVersion() + ", entity cache "
                    + mode + ", non-transactional, unbounded, no expiry (bench/l2-infinispan.xml), 3 cache managers "
                    + "in this JVM, JGroups TCP + TCPPING on 127.0.0.1";
        }
    }

    // --- Homeostat's RegionFactory: 3 nodes in this JVM over JGroups on 127.0.0.1 ----------------------------------

    private static final class Homeostat implements L2System {
        private final String cluster;
        private final int basePort;

        Homeostat(String run, int basePort) {
            this.cluster = "l2bench-" + run;
            this.basePort = basePort;
        }

        @Override
        public String name() {
            return "homeostat";
        }

        @Override
        public Map<String, Object> nodeProperties(int node) {
            Map<String, Object> p = new HashMap<>();
            p.put("hibernate.cache.region.factory_class", "homeostat");
            p.put(HomeostatSettings.CLUSTER_NAME, cluster);
            p.put(HomeostatSettings.NODE_NAME, nodeName(node));
            p.put(HomeostatSettings.TRANSPORT_PORT, Integer.toString(basePort));
            p.put(HomeostatSettings.TRANSPORT_PORT_RANGE, "5");
            return p;
        }

        private String nodeName(int node) {
            return "node-" + (node + 1);
        }

        private Map<String, EmbeddedNode.Status> statuses() {
            Map<String, EmbeddedNode.Status> mine = new HashMap<>();
            HomeostatRegionFactory.nodeStatus(5_000).forEach((k, v) -> {
                if (k.startsWith(cluster + "/")) {
                    mine.put(k.substring(cluster.length() + 1), v);
                }
            });
            return mine;
        }

        /** Until every replica position of every group is served by a full group (the founder hands them over). */
        @Override
        public String settle(List<EntityManagerFactory> nodes) throws InterruptedException {
            int groups = 1 << 6;
            int expected = groups * Math.min(3, nodes.size());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String last = "";
            while (System.nanoTime() < deadline) {
                int positions = 0;
                int shared = 0;
                for (EmbeddedNode.Status s : statuses().values()) {
                    for (EmbeddedNode.GroupStatus g : s.groups()) {
                        if (g.serving() && g.members().size() == 3) {
                            positions += (int) g.members().stream().filter(m -> m.equals(s.address())).count();
                        }
                        TreeSet<String> distinct = new TreeSet<>(g.members());
                        if (distinct.size() < g.members().size() && s.address().equals(distinct.first())) {
                            shared++;
                        }
                    }
                }
                last = positions + " of " + expected + " replica positions served, " + shared
                        + " groups naming a node twice";
                if (positions == expected && shared == 0) {
                    return null;
                }
                Thread.sleep(250);
            }
            return "homeostat: not settled after 90 s (" + last + "); measuring anyway";
        }

        /** The share of the ring each node owns (from its position and its predecessor's). */
        String arcs(int nodes) {
            Map<String, EmbeddedNode.Status> st = statuses();
            List<double[]> pos = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                EmbeddedNode.Status s = st.get(nodeName(i));
                if (s == null) {
                    return "ring positions unknown";
                }
                pos.add(new double[] {i, RingId.parse(s.ringId()).fraction()});
            }
            StringBuilder b = new StringBuilder("ring arcs:");
            for (double[] p : pos) {
                double best = 1;
                for (double[] q : pos) {
                    if (q != p) {
                        double d = p[1] - q[1];
                        best = Math.min(best, d <= 0 ? d + 1 : d);
                    }
                }
                b.append(String.format(Locale.ROOT, " node-%d %.1f %%", (int) p[0] + 1, 100 * best));
            }
            return b.toString();
        }

        @Override
        public String describe(List<EntityManagerFactory> nodes) {
            return "homeostat-jpa (this build), region factory 'homeostat', R = 3, 64 groups, 3 nodes in this JVM, "
                    + "each its own JGroups channel (loopback stack: TCP + TCPPING on 127.0.0.1); " + arcs(nodes.size());
        }
    }
}
