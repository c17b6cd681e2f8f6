package io.homeostat.bench.cluster;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.util.ArrayList;
import java.util.List;
import org.infinispan.Cache;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.distribution.DistributionManager;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.transaction.LockingMode;
import org.infinispan.transaction.TransactionMode;
import org.infinispan.transaction.lookup.EmbeddedTransactionManagerLookup;
import org.infinispan.util.concurrent.IsolationLevel;

/**
 * An embedded Infinispan member: a DIST_SYNC cache with 3 owners, transactional with optimistic locking and
 * REPEATABLE_READ (so a concurrent write to a key read by the transaction fails it at commit: write-skew check),
 * over JGroups TCP on 127.0.0.1 with TCPPING.
 */
final class InfinispanSystem implements KvSystem {

    static final int OWNERS = 3;

    private DefaultCacheManager manager;
    private Cache<String, Long> cache;
    private TransactionManager tm;
    private int processes;

    @Override
    public void start(int index, int processes, int basePort) {
        this.processes = processes;
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            hosts.add("127.0.0.1[" + (basePort + i) + "]");
        }
        // Write-skew aborts are logged by Infinispan with stack traces at ERROR; on two shared cores that logging
        // would be charged to Infinispan's throughput. The harness counts every abort and error itself.
        java.util.logging.Logger.getLogger("org.infinispan").setLevel(java.util.logging.Level.OFF);
        System.setProperty("bench.jgroups.bind_port", Integer.toString(basePort + index));
        System.setProperty("bench.jgroups.initial_hosts", String.join(",", hosts));
        GlobalConfigurationBuilder g = GlobalConfigurationBuilder.defaultClusteredBuilder();
        g.transport().clusterName("infinispan-bench").nodeName("ispn-" + index)
                .addProperty("configurationFile", "bench/infinispan-jgroups.xml");
        ConfigurationBuilder c = new ConfigurationBuilder();
        c.clustering().cacheMode(CacheMode.DIST_SYNC).hash().numOwners(OWNERS);
        c.transaction().transactionMode(TransactionMode.TRANSACTIONAL).lockingMode(LockingMode.OPTIMISTIC)
                .transactionManagerLookup(new EmbeddedTransactionManagerLookup());
        c.locking().isolationLevel(IsolationLevel.REPEATABLE_READ);
        manager = new DefaultCacheManager(g.build(), false);
        manager.defineConfiguration("bench", c.build());
        manager.start();
        cache = manager.getCache("bench");
        tm = cache.getAdvancedCache().getTransactionManager();
    }

    @Override
    public String describe() {
        return "infinispan-core " + org.infinispan.commons.util.Version.getVersion() + ", DIST_SYNC, numOwners="
                + OWNERS + ", TRANSACTIONAL, OPTIMISTIC locking, REPEATABLE_READ (write-skew check), "
                + "EmbeddedTransactionManager, JGroups TCP+TCPPING on 127.0.0.1";
    }

    @Override
    public String status() {
        DistributionManager dm = cache.getAdvancedCache().getDistributionManager();
        boolean settled = manager.getMembers().size() == processes && !dm.isRehashInProgress()
                && dm.getCacheTopology().getMembers().size() == processes;
        return settled + " -1";
    }

    /** Runs {@code body} in a transaction until it commits; returns the attempts that rolled back. */
    private int inTransaction(Runnable body) throws Exception {
        int aborts = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            tm.begin();
            try {
                body.run();
                tm.commit();
                return aborts;
            } catch (RollbackException | HeuristicRollbackException | HeuristicMixedException e) {
                aborts++;
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            } catch (Exception | Error e) {
                if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
                    tm.rollback();
                }
                throw e;
            }
        }
    }

    @Override
    public int increment(String key) throws Exception {
        return inTransaction(() -> {
            Long v = cache.get(key);
            cache.put(key, v == null ? 1L : v + 1);
        });
    }

    @Override
    public int transfer(String from, String to, long amount) throws Exception {
        return inTransaction(() -> {
            Long a = cache.get(from);
            Long b = cache.get(to);
            cache.put(from, (a == null ? 0 : a) - amount);
            cache.put(to, (b == null ? 0 : b) + amount);
        });
    }

    @Override
    public long read(String key) {
        Long v = cache.get(key);
        return v == null ? 0 : v;
    }

    @Override
    public void write(String key, long value) {
        cache.put(key, value);
    }

    @Override
    public long messagesSent() {
        return -1;
    }

    @Override
    public boolean outcomeUnknown(Exception e) {
        return true;
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.stop();
        }
    }
}
