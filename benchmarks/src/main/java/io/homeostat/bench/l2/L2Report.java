package io.homeostat.bench.l2;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** The report of {@link L2Benchmark}: Markdown tables and a JSON document of the same numbers. */
final class L2Report {

    private L2Report() {
    }

    /**
     * The report of {@code rounds} rounds: {@code rowRounds} and {@code sumRounds} give the round of each row and
     * summary, index for index. With one round, one table of workloads; with more, one per round (each ratio within
     * its round) and a table of medians over the rounds.
     */
    static String markdown(String header, List<String> systems, List<L2Run.Row> rows, List<Integer> rowRounds,
            List<L2Run.Summary> sums, List<Integer> sumRounds, int rounds, List<String> notes) {
        StringBuilder b = new StringBuilder();
        b.append(header).append("\n\n");
        if (rounds == 1) {
            workloads(b, systems, rows);
        } else {
            for (int round = 1; round <= rounds; round++) {
                b.append("Round ").append(round).append(" of ").append(rounds).append(":\n\n");
                workloads(b, systems, ofRound(rows, rowRounds, round));
                b.append('\n');
            }
            medians(b, systems, rows, rowRounds, rounds);
        }
        summaries(b, systems, sums, sumRounds, rounds);
        for (L2Run.Row r : rows) {
            if (!r.firstError().isEmpty()) {
                b.append("- ").append(r.system()).append(' ').append(r.workload()).append(' ').append(r.threads())
                        .append(" threads, first error: ").append(r.firstError()).append('\n');
            }
        }
        for (String n : notes) {
            b.append("- ").append(n).append('\n');
        }
        return b.toString();
    }

    /** The entries of {@code all} from round {@code round}. */
    static <T> List<T> ofRound(List<T> all, List<Integer> roundOf, int round) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (roundOf.get(i) == round) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** One table of workloads, each ratio against the row of the same workload and threads in {@code rows}. */
    private static void workloads(StringBuilder b, List<String> systems, List<L2Run.Row> rows) {
        b.append("| system | workload | threads | ops/s | p50 µs | p99 µs | update p50 µs | L2 hit ratio | update "
                + "conflicts | errors | ops/s ÷ none | p50 ÷ none | ops/s ÷ infinispan | p50 ÷ infinispan |\n");
        b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String s : systems) {
            for (L2Run.Row r : rows) {
                if (!r.system().equals(s)) {
                    continue;
                }
                L2Run.Row none = find(rows, "none", r);
                L2Run.Row ispn = find(rows, "infinispan", r);
                b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s | %d | %d | %s | %s | %s "
                        + "| %s |%n", r.system(), r.workload(), r.threads(), grouped(r.opsPerSec()), num(r.p50us()),
                        num(r.p99us()), Double.isNaN(r.updateP50us()) ? "" : num(r.updateP50us()),
                        Double.isNaN(r.hitRatio()) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * r.hitRatio()),
                        r.conflicts(), r.errors(), ratio(r.opsPerSec(), none == null ? Double.NaN : none.opsPerSec()),
                        ratio(r.p50us(), none == null ? Double.NaN : none.p50us()),
                        ratio(r.opsPerSec(), ispn == null ? Double.NaN : ispn.opsPerSec()),
                        ratio(r.p50us(), ispn == null ? Double.NaN : ispn.p50us())));
            }
        }
    }

    /**
     * Per system, workload and threads: the median over the rounds of ops/s and p50, and the median of the per-round
     * ratios against infinispan (each taken within its round), with the rounds' values in brackets.
     */
    private static void medians(StringBuilder b, List<String> systems, List<L2Run.Row> rows, List<Integer> rowRounds,
            int rounds) {
        b.append("Median over ").append(rounds).append(" rounds (each round's value in brackets):\n\n");
        b.append("| system | workload | threads | ops/s | p50 µs | ops/s ÷ infinispan | p50 ÷ infinispan |\n");
        b.append("| --- | --- | ---: | --- | --- | --- | --- |\n");
        List<String> seen = new ArrayList<>();
        for (String s : systems) {
            for (L2Run.Row like : rows) {
                String id = like.system() + "|" + like.workload() + "|" + like.threads();
                if (!like.system().equals(s) || seen.contains(id)) {
                    continue;
                }
                seen.add(id);
                List<Double> ops = new ArrayList<>();
                List<Double> p50 = new ArrayList<>();
                List<Double> opsRatio = new ArrayList<>();
                List<Double> p50Ratio = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    List<L2Run.Row> of = ofRound(rows, rowRounds, round);
                    L2Run.Row r = find(of, s, like);
                    if (r == null) {
                        continue;
                    }
                    ops.add(r.opsPerSec());
                    p50.add(r.p50us());
                    L2Run.Row ispn = find(of, "infinispan", like);
                    if (ispn != null) {
                        opsRatio.add(r.opsPerSec() / ispn.opsPerSec());
                        p50Ratio.add(r.p50us() / ispn.p50us());
                    }
                }
                b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%n", s, like.workload(),
                        like.threads(), withRounds(ops, L2Report::grouped), withRounds(p50, L2Report::num),
                        withRounds(opsRatio, L2Report::num), withRounds(p50Ratio, L2Report::num)));
            }
        }
    }

    /** "median (v1, v2, ...)"; empty when there are no values. */
    private static String withRounds(List<Double> values, DoubleFunction<String> fmt) {
        if (values.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(fmt.apply(median(values))).append(" (");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(fmt.apply(values.get(i)));
        }
        return b.append(')').toString();
    }

    /** The median: the middle value, or the mean of the two middle ones. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static void summaries(StringBuilder b, List<String> systems, List<L2Run.Summary> sums,
            List<Integer> sumRounds, int rounds) {
        b.append("\n| system | stale reads | probe reads served by the L2 | probe read p50 µs | survival (all rows) | "
                + "rows cached by the stopped node | rows cached by the survivors | node stop ms | 3 nodes up s | "
                + "warm-up s |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String s : systems) {
            for (int i = 0; i < sums.size(); i++) {
                L2Run.Summary m = sums.get(i);
                if (!m.system().equals(s)) {
                    continue;
                }
                String who = who(s, rounds, sumRounds.get(i));
                b.append(String.format(Locale.ROOT, "| %s | %d of %d%s | %d | %s | %s | %s | %s | %d | %.1f | %.1f |%n", who, m.staleReads(), m.staleTrials() - m.probeUpdateFailures(),
                        m.probeUpdateFailures() > 0 ? " (" + m.probeUpdateFailures() + " updates failed)" : "",
                        m.probeReadHits(), num(m.probeP50us()),
                        m.survivalLookups() == 0 ? "n/a (no L2)" : Double.isNaN(m.survival()) ? "n/a"
                                : String.format(Locale.ROOT, "%.1f %%", 100 * m.survival()),
                        m.survivalLookups() == 0 ? "n/a" : m.survivalLostHits() + " of " + m.survivalLostRows() + " hit",
                        m.survivalLookups() == 0 ? "n/a" : m.survivalOwnHits() + " of " + m.survivalOwnRows() + " hit",
                        m.leaveMillis(), m.startSeconds(), m.warmSeconds()));
            }
        }
        b.append('\n');
        for (String s : systems) {
            for (int i = 0; i < sums.size(); i++) {
                L2Run.Summary m = sums.get(i);
                if (m.system().equals(s)) {
                    String who = who(s, rounds, sumRounds.get(i));
                    b.append("- ").append(who).append(": ").append(m.describe()).append('\n');
                    for (String n : m.notes()) {
                        b.append("  - ").append(n).append('\n');
                    }
                }
            }
        }
    }

    /** A system's name, with its round when there are several. */
    private static String who(String system, int rounds, int round) {
        return rounds == 1 ? system : system + " (round " + round + ")";
    }

    private static L2Run.Row find(List<L2Run.Row> rows, String system, L2Run.Row like) {
        for (L2Run.Row r : rows) {
            if (r.system().equals(system) && r.workload().equals(like.workload()) && r.threads() == like.threads()) {
                return r;
            }
        }
        return null;
    }

    private static String grouped(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    /** Three significant figures, at least one decimal below 100. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "";
        }
        double r = a / b;
        return r >= 100 ? String.format(Locale.ROOT, "%,.0f", r)
                : r >= 10 ? String.format(Locale.ROOT, "%.1f", r) : String.format(Locale.ROOT, "%.2f", r);
    }

    // --- JSON -----------------------------------------------------------------------------------------------------

    /** The same numbers as JSON; each workload and system entry carries its {@code round} (from 1). */
    static String json(String header, List<L2Run.Row> rows, List<Integer> rowRounds, List<L2Run.Summary> sums,
            List<Integer> sumRounds, List<String> notes) {
        StringBuilder b = new StringBuilder("{\n  \"run\": ").append(str(header)).append(",\n  \"workloads\": [");
        for (int i = 0; i < rows.size(); i++) {
            L2Run.Row r = rows.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"system\": ").append(str(r.system()))
                    .append(", \"round\": ").append(rowRounds.get(i))
                    .append(", \"workload\": ").append(str(r.workload())).append(", \"threads\": ").append(r.threads())
                    .append(", \"seconds\": ").append(n(r.seconds())).append(", \"ops\": ").append(r.ops())
                    .append(", \"opsPerSec\": ").append(n(r.opsPerSec())).append(", \"p50us\": ").append(n(r.p50us()))
                    .append(", \"p99us\": ").append(n(r.p99us())).append(", \"updateP50us\": ")
                    .append(n(r.updateP50us())).append(", \"l2Hits\": ").append(r.hits()).append(", \"l2Misses\": ")
                    .append(r.misses()).append(", \"l2HitRatio\": ").append(n(r.hitRatio()))
                    .append(", \"updateConflicts\": ").append(r.conflicts()).append(", \"errors\": ")
                    .append(r.errors()).append(", \"firstError\": ").append(str(r.firstError())).append('}');
        }
        b.append("\n  ],\n  \"systems\": [");
        for (int i = 0; i < sums.size(); i++) {
            L2Run.Summary s = sums.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"system\": ").append(str(s.system()))
                    .append(", \"round\": ").append(sumRounds.get(i))
                    .append(", \"describe\": ").append(str(s.describe())).append(", \"startSeconds\": ")
                    .append(n(s.startSeconds())).append(", \"warmSeconds\": ").append(n(s.warmSeconds()))
                    .append(", \"staleTrials\": ").append(s.staleTrials()).append(", \"staleReads\": ")
                    .append(s.staleReads()).append(", \"probeReadsServedByL2\": ").append(s.probeReadHits())
                    .append(", \"probeUpdateFailures\": ").append(s.probeUpdateFailures())
                    .append(", \"probeReadP50us\": ").append(n(s.probeP50us())).append(", \"survival\": ")
                    .append(n(s.survival())).append(", \"survivalRowsCachedByStoppedNode\": ")
                    .append(s.survivalLostRows()).append(", \"survivalHitsOnThem\": ").append(s.survivalLostHits())
                    .append(", \"survivalRowsCachedBySurvivors\": ").append(s.survivalOwnRows())
                    .append(", \"survivalHitsOnThose\": ").append(s.survivalOwnHits()).append(", \"nodeStopMillis\": ")
                    .append(s.leaveMillis()).append(", \"notes\": [");
            for (int k = 0; k < s.notes().size(); k++) {
                b.append(k == 0 ? "" : ", ").append(str(s.notes().get(k)));
            }
            b.append("]}");
        }
        b.append("\n  ],\n  \"notes\": [");
        for (int k = 0; k < notes.size(); k++) {
            b.append(k == 0 ? "" : ", ").append(str(notes.get(k)));
        }
        return b.append("]\n}\n").toString();
    }

    private static String n(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
