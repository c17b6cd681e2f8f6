package io.homeostat.runtime.threaded;

import io.homeostat.runtime.Address;
import io.homeostat.runtime.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The in-JVM transport, counting the messages each node sends by type (for tests that check what went out). */
final class CountingTransport implements Transport {

    private final LocalTransport local = new LocalTransport();
    private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();

    @Override
    public void register(Address self, Inbox inbox) {
        local.register(self, inbox);
    }

    @Override
    public void unregister(Address self) {
        local.unregister(self);
    }

    @Override
    public void send(Address from, Address to, Message m) {
        sent.computeIfAbsent(from + " " + m.getClass().getName(), k -> new AtomicLong()).incrementAndGet();
        local.send(from, to, m);
    }

    /** Messages of {@code type} that {@code from} sent so far. */
    long sent(Address from, Class<?> type) {
        AtomicLong n = sent.get(from + " " + type.getName());
        return n == null ? 0 : n.get();
    }

    /** Messages of {@code type} that any node sent so far. */
    long sent(Class<?> type) {
        long total = 0;
        for (Map.Entry<String, AtomicLong> e : sent.entrySet()) {
            if (e.getKey().endsWith(" " + type.getName())) {
                total += e.getValue().get();
            }
        }
        return total;
    }
}
