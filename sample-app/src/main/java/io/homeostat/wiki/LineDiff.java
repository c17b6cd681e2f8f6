package io.homeostat.wiki;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff: the longest common subsequence of the two texts' lines, and every other line as removed or added.
 * Common prefix and suffix are trimmed first, so typical edits cost little; the table in between is capped at
 * {@value #MAX_CELLS} cells, beyond which the middle shows as all removed, then all added.
 */
final class LineDiff {

    enum Op { SAME, REMOVED, ADDED }

    record Line(Op op, String text) {
    }

    static final int MAX_CELLS = 4_000_000;

    private LineDiff() {
    }

    static List<Line> diff(String before, String after) {
        String[] a = lines(before);
        String[] b = lines(after);
        int start = 0;
        while (start < a.length && start < b.length && a[start].equals(b[start])) {
            start++;
        }
        int endA = a.length;
        int endB = b.length;
        while (endA > start && endB > start && a[endA - 1].equals(b[endB - 1])) {
            endA--;
            endB--;
        }
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < start; i++) {
            out.add(new Line(Op.SAME, a[i]));
        }
        int n = endA - start;
        int m = endB - start;
        if ((long) (n + 1) * (m + 1) > MAX_CELLS) {
            for (int i = start; i < endA; i++) {
                out.add(new Line(Op.REMOVED, a[i]));
            }
            for (int j = start; j < endB; j++) {
                out.add(new Line(Op.ADDED, b[j]));
            }
        } else {
            // lcs[i][j]: length of the LCS of a[start+i..endA) and b[start+j..endB)
            int[][] lcs = new int[n + 1][m + 1];
            for (int i = n - 1; i >= 0; i--) {
                for (int j = m - 1; j >= 0; j--) {
                    lcs[i][j] = a[start + i].equals(b[start + j]) ? lcs[i + 1][j + 1] + 1
                            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
                }
            }
            int i = 0;
            int j = 0;
            while (i < n || j < m) {
                if (i < n && j < m && a[start + i].equals(b[start + j])) {
                    out.add(new Line(Op.SAME, a[start + i]));
                    i++;
                    j++;
                } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                    out.add(new Line(Op.REMOVED, a[start + i]));
                    i++;
                } else {
                    out.add(new Line(Op.ADDED, b[start + j]));
                    j++;
                }
            }
        }
        for (int i = endA; i < a.length; i++) {
            out.add(new Line(Op.SAME, a[i]));
        }
        return out;
    }

    private static String[] lines(String s) {
        return s.isEmpty() ? new String[0] : s.split("\r?\n", -1);
    }
}
