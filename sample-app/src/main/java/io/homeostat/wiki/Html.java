package io.homeostat.wiki;

/** HTML escaping and the page frame shared by the wiki and the console. */
final class Html {

    private Html() {
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static final String CSS = """
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
            header{background:#1f2a44;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
            header a{color:#cfe0ff;text-decoration:none}header .brand{font-weight:700;color:#fff}
            header form{margin-left:auto}header input{padding:.3em .5em;border-radius:4px;border:0}
            .node{background:#3b82f6;color:#fff;border-radius:999px;padding:.1em .7em;font-size:.85em}
            main{max-width:1100px;margin:1.2em auto;padding:0 1.2em}
            .card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:1em 1.4em;margin-bottom:1em}
            textarea{width:100%;min-height:22em;font-family:ui-monospace,monospace;font-size:.95em}
            .meta{color:#667;font-size:.9em}.diff{font-family:ui-monospace,monospace;white-space:pre-wrap;font-size:.9em}
            .add{background:#e6ffec}.del{background:#ffebe9}.conflict{border-left:4px solid #d97706}
            table{border-collapse:collapse;width:100%}td,th{padding:.35em .6em;border-bottom:1px solid #e5e7eb;text-align:left}
            .cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}pre{background:#f1f3f8;padding:.6em;overflow:auto}
            button,.button{background:#2563eb;color:#fff;border:0;border-radius:5px;padding:.45em 1em;cursor:pointer;text-decoration:none}
            """;

    /** A full page: the header names the node serving it and links to every node's copy of the same path. */
    static String page(NodeInfo node, String title, String path, String body) {
        StringBuilder nav = new StringBuilder();
        for (int i = 0; i < node.peers().size(); i++) {
            String peer = node.peers().get(i);
            nav.append("<a href=\"").append(esc(peer + path)).append("\" title=\"same page on node ").append(i + 1)
                    .append("\">").append(i + 1 == node.index() ? "<b>" + (i + 1) + "</b>" : String.valueOf(i + 1))
                    .append("</a> ");
        }
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title)
                + " · Homeostat wiki</title><meta name=\"viewport\" content=\"width=device-width\"><style>" + CSS
                + "</style></head><body><header><a class=\"brand\" href=\"/\">Homeostat wiki</a>"
                + "<span class=\"node\" id=\"served-by\">" + esc(node.name()) + "</span>"
                + "<a href=\"/recent\">Recent changes</a><a href=\"/console\">Cluster console</a>"
                + (node.peers().size() > 1 ? "<span>node: " + nav + "</span>" : "")
                + "<form action=\"/search\"><input name=\"q\" placeholder=\"Search titles\" aria-label=\"search\">"
                + "</form></header><main>" + body + "</main></body></html>";
    }
}
