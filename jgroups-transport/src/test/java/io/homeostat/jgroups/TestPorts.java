package io.homeostat.jgroups;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Finds a block of free TCP ports on 127.0.0.1, so concurrent builds on this machine don't collide. */
final class TestPorts {

    private static final int MAX_ATTEMPTS = 200;

    private TestPorts() {
    }

    static int freeBlock(int size) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(30_000);
            if (allFree(base, size)) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + size + " free ports on 127.0.0.1");
    }

    private static boolean allFree(int base, int size) {
        for (int p = base; p < base + size; p++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), p));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** Options for member {@code name} of a loopback cluster probing {@code base..base+range}. */
    static JGroupsOptions.Builder loopback(String cluster, String name, int base, int range) {
        return JGroupsOptions.builder().clusterName(cluster).stack("loopback").nodeName(name).bindPort(base)
                .portRange(range).initialMembers(java.util.List.of("127.0.0.1[" + base + "]"))
                .dropLogIntervalMillis(1_000);
    }
}
