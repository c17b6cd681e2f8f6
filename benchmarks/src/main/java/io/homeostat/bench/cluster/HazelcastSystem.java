package io.homeostat.bench.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.transaction.TransactionContext;
import com.hazelcast.transaction.TransactionException;
import com.hazelcast.transaction.TransactionOptions;
import com.hazelcast.transaction.TransactionalMap;
import java.util.concurrent.TimeUnit;

/**
 * A Hazelcast member: IMap with 2 synchronous backups, read-modify-write in TWO_PHASE transactions with
 * {@code getForUpdate} (pessimistic: the key is locked at the read; keys are locked in sorted order so two transfers
 * cannot deadlock), TCP-IP join on 127.0.0.1, multicast and auto-detection off.
 */
final class HazelcastSystem implements KvSystem {

    static final int BACKUPS = 2;
    private static final String MAP = "bench";

    private HazelcastInstance hz;
    private IMap<String, Long> map;
    private int processes;
    private final TransactionOptions txOptions = new TransactionOptions()
            .setTransactionType(TransactionOptions.TransactionType.TWO_PHASE)
            .setTimeout(10, TimeUnit.SECONDS);

    @Override
    public void start(int index, int processes, int basePort) {
        this.processes = processes;
        Config cfg = new Config();
        cfg.setClusterName("hazelcast-bench");
        cfg.setInstanceName("hz-" + index);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "slf4j");
        cfg.setProperty("hazelcast.socket.bind.any", "false");
        cfg.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(basePort + index).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int i = 0; i < processes; i++) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + (basePort + i));
        }
        cfg.getMapConfig(MAP).setBackupCount(BACKUPS).setAsyncBackupCount(0).setReadBackupData(false);
        hz = Hazelcast.newHazelcastInstance(cfg);
        map = hz.getMap(MAP);
    }

    @Override
    public String describe() {
        return "hazelcast " + hz.getCluster().getClusterVersion() + " member, IMap backupCount=" + BACKUPS
                + " (sync), readBackupData=false, TransactionContext TWO_PHASE, getForUpdate (pessimistic), "
                + "TCP-IP join on 127.0.0.1";
    }

    @Override
    public String status() {
        boolean settled = hz.getCluster().getMembers().size() == processes && hz.getPartitionService().isClusterSafe();
        return settled + " -1";
    }

    private interface Body {
        void run(TransactionalMap<String, Long> m);
    }

    private int inTransaction(Body body) {
        int aborts = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            TransactionContext ctx = hz.newTransactionContext(txOptions);
            ctx.beginTransaction();
            try {
                body.run(ctx.getMap(MAP));
                ctx.commitTransaction();
                return aborts;
            } catch (TransactionException e) {
                try {
                    ctx.rollbackTransaction();
                } catch (RuntimeException ignored) {
                    // already rolled back
                }
                aborts++;
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            } catch (RuntimeException e) {
                try {
                    ctx.rollbackTransaction();
                } catch (RuntimeException ignored) {
                    // already rolled back
                }
                throw e;
            }
        }
    }

    private static long value(Long v) {
        return v == null ? 0 : v;
    }

    @Override
    public int increment(String key) {
        return inTransaction(m -> m.put(key, value(m.getForUpdate(key)) + 1));
    }

    @Override
    public int transfer(String from, String to, long amount) {
        String first = from.compareTo(to) < 0 ? from : to;
        String second = first.equals(from) ? to : from;
        return inTransaction(m -> {
            long f = value(m.getForUpdate(first));
            long s = value(m.getForUpdate(second));
            long a = first.equals(from) ? f : s;
            long b = first.equals(from) ? s : f;
            m.put(from, a - amount);
            m.put(to, b + amount);
        });
    }

    @Override
    public long read(String key) {
        return value(map.get(key));
    }

    @Override
    public void write(String key, long value) {
        map.set(key, value);
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
        if (hz != null) {
            hz.getLifecycleService().terminate();
        }
    }
}
