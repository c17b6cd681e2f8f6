package io.homeostat.wiki;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownTest {

    @Test
    void rendersMarkdownAndEscapesRawHtml() {
        String html = Markdown.toHtml("# Title\n\nSome **bold** <script>alert(1)</script> <b onclick=x>b</b>");
        assertThat(html).contains("<h1>Title</h1>", "<strong>bold</strong>", "&lt;script&gt;")
                .doesNotContain("<script", "<b onclick");
    }

    @Test
    void dropsUnsafeLinkTargets() {
        assertThat(Markdown.toHtml("[x](javascript:alert(1))")).doesNotContain("javascript:");
    }

    @Test
    void wikiLinksBecomeLinksToPages() {
        String html = Markdown.toHtml("See [[Main Page]] and [[Rock & Roll (live)]], not [[bad/title]].");
        assertThat(html).contains("href=\"/wiki/Main%20Page\">Main Page</a>")
                .contains("href=\"/wiki/Rock%20%26%20Roll%20%28live%29\">Rock &amp; Roll (live)</a>")
                .contains("[[bad/title]]");
        assertThat(Titles.links("[[A]] [[ B ]] [[A]] [[x/y]]")).containsExactly("A", "B");
    }

    @Test
    void seedDataIsDeterministicWithUniqueTitles() {
        List<SeedData.SeedPage> a = SeedData.generate(300);
        assertThat(a).hasSize(300).isEqualTo(SeedData.generate(300));
        assertThat(a.stream().map(SeedData.SeedPage::title).distinct()).hasSize(300);
        assertThat(a).allSatisfy(p -> assertThat(Titles.normalize(p.title())).isEqualTo(p.title()));
        assertThat(Titles.links(a.get(0).body())).contains(a.get(1).title());
    }
}
