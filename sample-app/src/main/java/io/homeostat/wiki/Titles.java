package io.homeostat.wiki;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Page titles: what is allowed, how they appear in URLs, and the {@code [[Title]]} links in a text. */
final class Titles {

    static final int MAX_LENGTH = 120;
    private static final Pattern VALID = Pattern.compile("[\\p{L}\\p{N} _.,:;'()!?&+-]{1," + MAX_LENGTH + "}");
    /** {@code [[Title]]}: no brackets or line breaks inside. */
    static final Pattern LINK = Pattern.compile("\\[\\[([^\\[\\]\\n]{1," + MAX_LENGTH + "})\\]\\]");

    private Titles() {
    }

    /** The title with runs of white space made one space and trimmed, or null if it is not a valid title. */
    static String normalize(String raw) {
        if (raw == null) {
            return null;
        }
        String t = raw.strip().replaceAll("\\s+", " ");
        return VALID.matcher(t).matches() ? t : null;
    }

    /** One path segment: UTF-8 percent-encoding, space as %20. */
    static String path(String title) {
        return URLEncoder.encode(title, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The valid titles a text links to, in order of first appearance. */
    static Set<String> links(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = LINK.matcher(text);
        while (m.find()) {
            String t = normalize(m.group(1));
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }
}
