package io.homeostat.wiki;

import io.homeostat.jpa.HomeostatRegionFactory;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.stat.Statistics;

/**
 * Samples this node once a second for the console: the cache node's status (read-only, through
 * {@link HomeostatRegionFactory#nodeStatus}), Hibernate's second-level cache statistics, and the request and message
 * rates. The engine does not publish its self-management actions, so the watcher derives events from what changes
 * between two samples: ring neighbours (stabilization), replica group views and their epochs (repair and handoff
 * after joins, leaves and failures), and groups starting or stopping to serve.
 */
final class StatusWatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StatusWatcher.class.getName());
    static final int MAX_EVENTS = 40;
    private static final long STATUS_TIMEOUT_MILLIS = 1_000;

    private final Wiki wiki;
    private final NodeInfo node;
    private final long startedMillis = System.currentTimeMillis();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wiki-status-watcher");
        t.setDaemon(true);
        return t;
    });
    private final Deque<Map<String, Object>> events = new ArrayDeque<>();

    private EmbeddedNode.Status previous;
    private long previousNanos;
    private long previousRequests;
    private long previousMessages;
    private volatile Map<String, Object> latest = Map.of("node", "starting");

    StatusWatcher(Wiki wiki, NodeInfo node) {
        this.wiki = wiki;
        this.node = node;
    }

    void start() {
        sample();
        timer.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    /** The latest sample as JSON-ready maps and lists. */
    Map<String, Object> latest() {
        return latest;
    }

    private synchronized void sample() {
        try {
            long now = System.nanoTime();
            Map<String, EmbeddedNode.Status> all = HomeostatRegionFactory.nodeStatus(STATUS_TIMEOUT_MILLIS);
            EmbeddedNode.Status s = all.isEmpty() ? null : all.values().iterator().next();
            long requests = RequestCounter.SERVED.get();
            long messages = s == null ? previousMessages : s.handledMessages();
            double seconds = previousNanos == 0 ? 0 : (now - previousNanos) / 1e9;
            double requestRate = seconds > 0 ? (requests - previousRequests) / seconds : 0;
            double messageRate = seconds > 0 && messages >= previousMessages ? (messages - previousMessages) / seconds
                    : 0;
            if (s != null) {
                recordChanges(previous, s);
                previous = s;
            }
            previousNanos = now;
            previousRequests = requests;
            previousMessages = messages;
            latest = snapshot(s, requests, requestRate, messageRate);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "status sample failed", e);
        }
    }

    private Map<String, Object> snapshot(EmbeddedNode.Status s, long requests, double requestRate,
            double messageRate) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("index", node.index());
        out.put("node", node.name());
        out.put("pid", ProcessHandle.current().pid());
        out.put("uptimeMillis", System.currentTimeMillis() - startedMillis);
        out.put("sampledAt", System.currentTimeMillis());
        Map<String, Object> props = wiki.emf().getProperties();
        out.put("replication", Integer.parseInt(String.valueOf(props.getOrDefault("homeostat.replication.factor", "3"))));
        out.put("groupsLog2",
                Integer.parseInt(String.valueOf(props.getOrDefault("homeostat.replication.groups-log2", "6"))));
        if (s != null) {
            Map<String, Object> ring = new LinkedHashMap<>();
            ring.put("address", s.address());
            ring.put("ringId", s.ringId());
            ring.put("fraction", RingId.parse(s.ringId()).fraction());
            ring.put("predecessor", s.predecessor());
            ring.put("successors", s.successors());
            out.put("ring", ring);
            List<Map<String, Object>> groups = new ArrayList<>();
            int serving = 0;
            for (EmbeddedNode.GroupStatus g : s.groups()) {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("group", g.group());
                gm.put("epoch", g.epoch());
                gm.put("members", g.members());
                gm.put("serving", g.serving());
                groups.add(gm);
                if (g.serving()) {
                    serving++;
                }
            }
            out.put("groups", groups);
            out.put("groupsHeld", groups.size());
            out.put("groupsServing", serving);
            out.put("activeTransactions", s.activeTransactions());
            out.put("handledMessages", s.handledMessages());
            out.put("queuedMessages", s.queuedInboxMessages());
        }
        out.put("healthy", s != null && !s.groups().isEmpty()
                && s.groups().stream().allMatch(EmbeddedNode.GroupStatus::serving));
        out.put("requests", requests);
        out.put("requestsPerSecond", round(requestRate));
        out.put("messagesPerSecond", round(messageRate));
        out.put("l2", l2Now());
        synchronized (events) {
            out.put("events", new ArrayList<>(events));
        }
        return out;
    }

    /** Hibernate's second-level cache counters of this node, read now. */
    Map<String, Object> l2Now() {
        Statistics st = wiki.statistics();
        long hits = st.getSecondLevelCacheHitCount();
        long misses = st.getSecondLevelCacheMissCount();
        Map<String, Object> l2 = new LinkedHashMap<>();
        l2.put("hits", hits);
        l2.put("misses", misses);
        l2.put("puts", st.getSecondLevelCachePutCount());
        l2.put("hitRatio", hits + misses == 0 ? null : round((double) hits / (hits + misses)));
        return l2;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private void recordChanges(EmbeddedNode.Status before, EmbeddedNode.Status after) {
        if (before == null) {
            event("start", "on the ring at " + after.ringId().substring(0, 8) + ", member of " + after.groups().size()
                    + " replica groups");
            return;
        }
        if (!Objects.equals(before.predecessor(), after.predecessor())) {
            event("stabilize", "predecessor " + before.predecessor() + " → " + after.predecessor());
        }
        String s0 = before.successors().isEmpty() ? null : before.successors().get(0);
        String s1 = after.successors().isEmpty() ? null : after.successors().get(0);
        if (!Objects.equals(s0, s1)) {
            event("stabilize", "successor " + s0 + " → " + s1);
        }
        Map<Integer, EmbeddedNode.GroupStatus> old = new HashMap<>();
        before.groups().forEach(g -> old.put(g.group(), g));
        int changed = 0;
        int joined = 0;
        int nowServing = 0;
        int stopped = 0;
        String example = null;
        for (EmbeddedNode.GroupStatus g : after.groups()) {
            EmbeddedNode.GroupStatus o = old.remove(g.group());
            if (o == null) {
                joined++;
                example = example == null ? "g" + g.group() + " epoch " + g.epoch() + " " + g.members() : example;
            } else if (o.epoch() != g.epoch()) {
                changed++;
                example = example == null ? "g" + g.group() + " epoch " + o.epoch() + "→" + g.epoch() + " "
                        + g.members() : example;
            }
            if (o != null && !o.serving() && g.serving()) {
                nowServing++;
            } else if (o != null && o.serving() && !g.serving()) {
                stopped++;
            }
        }
        int left = old.size();
        if (changed + joined + left > 0) {
            String kind = left > 0 && joined == 0 ? "handoff" : "repair";
            event(kind, "view change: " + changed + " groups to a new epoch, " + joined + " joined, " + left
                    + " handed off" + (example == null ? "" : "; e.g. " + example));
        }
        if (nowServing + stopped > 0) {
            event("serving", nowServing + " groups started serving, " + stopped + " stopped");
        }
    }

    private void event(String kind, String text) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", System.currentTimeMillis());
        e.put("node", node.name());
        e.put("kind", kind);
        e.put("text", text);
        synchronized (events) {
            events.addFirst(e);
            while (events.size() > MAX_EVENTS) {
                events.removeLast();
            }
        }
        LOG.info(() -> "console event [" + kind + "] " + text);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
