package io.homeostat.wiki;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo's pages, generated deterministically: the same count always gives the same titles, texts and links. A
 * "Main Page" links to the first topics; every topic links to a few others, so backlinks are plentiful.
 */
final class SeedData {

    record SeedPage(String title, String body) {
    }

    static final String MAIN_PAGE = "Main Page";

    private static final String[] ADJECTIVES = {"Gentle", "Rapid", "Quiet", "Elastic", "Durable", "Lazy", "Eager",
        "Sharded", "Healing", "Ordered", "Partial", "Stable", "Humble", "Curious", "Patient", "Vivid", "Nimble",
        "Frugal", "Brave", "Lucid"};
    private static final String[] NOUNS = {"Ring", "Replica", "Quorum", "Ledger", "Gossip", "Finger Table",
        "Successor", "Handoff", "Paxos Round", "Epoch", "Partition", "Heartbeat", "Snapshot", "Cache Region",
        "Tombstone", "Lease", "Vector Clock", "Merkle Tree", "Write Ahead Log", "Failure Detector"};
    private static final String[] PHRASES = {"keeps the cluster honest", "heals after a crash",
        "moves data to its new owner", "agrees on one value", "never loses a committed write",
        "tells live nodes from dead ones", "spreads load across the ring", "survives a network partition",
        "is cheap to run", "answers from the nearest replica"};

    private SeedData() {
    }

    /** {@code count} pages (at least 1): the main page and {@code count - 1} topics. */
    static List<SeedPage> generate(int count) {
        SplittableRandom random = new SplittableRandom(20_260_601L);
        List<String> titles = new ArrayList<>();
        for (int i = 0; titles.size() < count - 1; i++) {
            String base = ADJECTIVES[i % ADJECTIVES.length] + " " + NOUNS[(i / ADJECTIVES.length) % NOUNS.length];
            int round = i / (ADJECTIVES.length * NOUNS.length);
            titles.add(round == 0 ? base : base + " " + (round + 1));
        }
        List<SeedPage> pages = new ArrayList<>();
        StringBuilder main = new StringBuilder("# Welcome\n\nThis wiki runs on three JVMs that share one Homeostat "
                + "second-level cache. Every page is cached cluster-wide.\n\n## Topics\n\n");
        for (int i = 0; i < Math.min(25, titles.size()); i++) {
            main.append("- [[").append(titles.get(i)).append("]]\n");
        }
        main.append("\nOpen the [cluster console](/console) to watch the ring.\n");
        pages.add(new SeedPage(MAIN_PAGE, main.toString()));
        for (int i = 0; i < titles.size(); i++) {
            String title = titles.get(i);
            Set<String> links = new LinkedHashSet<>();
            while (links.size() < Math.min(3, titles.size() - 1)) {
                String t = titles.get(random.nextInt(titles.size()));
                if (!t.equals(title)) {
                    links.add(t);
                }
            }
            StringBuilder b = new StringBuilder();
            b.append("# ").append(title).append("\n\n");
            b.append("A *").append(title.toLowerCase(java.util.Locale.ROOT)).append("* ")
                    .append(PHRASES[random.nextInt(PHRASES.length)]).append(", and it ")
                    .append(PHRASES[random.nextInt(PHRASES.length)]).append(".\n\n");
            b.append("## Related\n\n");
            for (String l : links) {
                b.append("- [[").append(l).append("]]\n");
            }
            b.append("\n## Notes\n\n1. Generated page ").append(i + 1).append(" of ").append(titles.size())
                    .append(".\n2. Weight: `").append(random.nextInt(1000)).append("`.\n\nBack to [[")
                    .append(MAIN_PAGE).append("]].\n");
            pages.add(new SeedPage(title, b.toString()));
        }
        return pages;
    }
}
