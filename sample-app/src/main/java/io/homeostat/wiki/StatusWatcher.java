package io.homeostat.wiki;

import io.homeostat.jpa.HomeostatRegionFactory;
import io.homeostat.node.ActionLog;
import io.homeostat.ring.RingId;
import io.homeostat.runtime.threaded.EmbeddedNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.hibernate.stat.Statistics;

/**
 * Samples this node once a second for the console: the cache node's status (read-only, through
 * {@link HomeostatRegionFactory#nodeStatus}), Hibernate's second-level cache statistics, and the request and message
 * rates, and the engine's log of recent self-management actions (stabilize, suspect, join, merge, claim, repair,
 * handoff) as console events.
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
        out.put("events", s == null ? List.of() : events(s, System.currentTimeMillis()));
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

    /**
     * The engine's recent self-management actions as console events, newest first: each action's time on the node's
     * monotonic clock is turned into wall time through the sample's own clock reading.
     */
    private List<Map<String, Object>> events(EmbeddedNode.Status s, long sampledAtMillis) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<ActionLog.Action> actions = s.recentActions();
        for (int i = actions.size() - 1; i >= 0 && out.size() < MAX_EVENTS; i--) {
            ActionLog.Action a = actions.get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("time", sampledAtMillis - (s.nowMillis() - a.atMillis()));
            e.put("node", node.name());
            e.put("kind", a.loop());
            e.put("text", a.times() == 1 ? a.detail() : a.detail() + " (and " + (a.times() - 1) + " more like it)");
            e.put("times", a.times());
            out.add(e);
        }
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
