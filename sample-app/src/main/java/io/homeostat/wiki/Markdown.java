package io.homeostat.wiki;

import java.util.regex.Matcher;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * Markdown to HTML with commonmark-java. Raw HTML in the text is escaped, not passed through, and link targets with
 * unsafe schemes ({@code javascript:} and the like) are dropped, so a page cannot inject markup or script.
 * {@code [[Title]]} becomes a link to that page before parsing.
 */
final class Markdown {

    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();

    private Markdown() {
    }

    static String toHtml(String text) {
        return RENDERER.render(PARSER.parse(wikiLinks(text)));
    }

    /** Rewrites each valid {@code [[Title]]} as a Markdown link to {@code /wiki/Title}. */
    static String wikiLinks(String text) {
        Matcher m = Titles.LINK.matcher(text);
        StringBuilder out = new StringBuilder(text.length() + 64);
        while (m.find()) {
            String title = Titles.normalize(m.group(1));
            String replacement = title == null ? m.group() : "[" + escapeLabel(title) + "](/wiki/" + Titles.path(title) + ")";
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Backslash-escapes every ASCII punctuation character, which CommonMark allows, so the label stays literal. */
    private static String escapeLabel(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 128 && !Character.isLetterOrDigit(c) && c != ' ') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
