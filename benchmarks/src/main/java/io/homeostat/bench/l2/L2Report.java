package io.homeostat.bench.l2;

import java.util.List;
import java.util.Locale;

/** The report of {@link L2Benchmark}: Markdown tables and a JSON document of the same numbers. */
final class L2Report {

    private L2Report() {
    }

    static String markdown(String header, List<String> systems, List<L2Run.Row> rows, List<L2Run.Summary> sums,
            List<String> notes) {
        StringBuilder b = new StringBuilder();
        b.append(header).append("\n\n");
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
        b.append("\n| system | stale reads | probe reads served by the L2 | probe read p50 µs | survival (all rows) | "
                + "rows cached by the stopped node | rows cached by the survivors | node stop ms | 3 nodes up s | "
                + "warm-up s |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String s : systems) {
            for (L2Run.Summary m : sums) {
                if (!m.system().equals(s)) {
                    continue;
                }
                b.append(String.format(Locale.ROOT, "| %s | %d of %d%s | %d | %s | %s | %s | %s | %d | %.1f | %.1f |%n", m.system(), m.staleReads(), m.staleTrials() - m.probeUpdateFailures(),
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
            for (L2Run.Summary m : sums) {
                if (m.system().equals(s)) {
                    b.append("- ").append(s).append(": ").append(m.describe()).append('\n');
                    for (String n : m.notes()) {
                        b.append("  - ").append(n).append('\n');
                    }
                }
            }
        }
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

    static String json(String header, List<L2Run.Row> rows, List<L2Run.Summary> sums, List<String> notes) {
        StringBuilder b = new StringBuilder("{\n  \"run\": ").append(str(header)).append(",\n  \"workloads\": [");
        for (int i = 0; i < rows.size(); i++) {
            L2Run.Row r = rows.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"system\": ").append(str(r.system()))
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
