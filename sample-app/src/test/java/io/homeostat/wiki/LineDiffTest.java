package io.homeostat.wiki;

import static org.assertj.core.api.Assertions.assertThat;

import io.homeostat.wiki.LineDiff.Line;
import io.homeostat.wiki.LineDiff.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineDiffTest {

    @Test
    void marksChangedLinesOnly() {
        List<Line> d = LineDiff.diff("a\nb\nc\nd", "a\nB\nc\nd\ne");
        assertThat(d).containsExactly(new Line(Op.SAME, "a"), new Line(Op.REMOVED, "b"), new Line(Op.ADDED, "B"),
                new Line(Op.SAME, "c"), new Line(Op.SAME, "d"), new Line(Op.ADDED, "e"));
    }

    @Test
    void keepsTheLongestCommonSubsequence() {
        List<Line> d = LineDiff.diff("x\n1\n2\n3\ny", "1\n2\nz\n3");
        assertThat(d.stream().filter(l -> l.op() == Op.SAME).map(Line::text)).containsExactly("1", "2", "3");
        assertThat(d.stream().filter(l -> l.op() == Op.REMOVED).map(Line::text)).containsExactly("x", "y");
        assertThat(d.stream().filter(l -> l.op() == Op.ADDED).map(Line::text)).containsExactly("z");
    }

    @Test
    void emptyTexts() {
        assertThat(LineDiff.diff("", "")).isEmpty();
        assertThat(LineDiff.diff("", "new")).containsExactly(new Line(Op.ADDED, "new"));
        assertThat(LineDiff.diff("old", "")).containsExactly(new Line(Op.REMOVED, "old"));
    }
}
