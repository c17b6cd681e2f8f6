package io.homeostat.wiki;

import static io.homeostat.wiki.Html.esc;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * The wiki's pages: view, edit (with conflict page), history, diff, recent changes and title search. Paths:
 * {@code /wiki/T}, {@code /edit/T}, {@code /history/T}, {@code /diff/T?from=a&to=b}, {@code /recent},
 * {@code /search?q=}; {@code /} redirects to the main page.
 */
public class WikiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private transient Wiki wiki;
    private transient NodeInfo node;

    @Override
    public void init() {
        wiki = (Wiki) getServletContext().getAttribute(WikiContext.WIKI);
        node = (NodeInfo) getServletContext().getAttribute(WikiContext.NODE);
    }

    private static String path(HttpServletRequest req) {
        String p = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        return p.isEmpty() ? "/" : p;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.setCharacterEncoding("UTF-8");
        String path = path(req);
        if (path.equals("/")) {
            resp.sendRedirect("/wiki/" + Titles.path(SeedData.MAIN_PAGE));
        } else if (path.equals("/recent")) {
            recent(resp);
        } else if (path.equals("/search")) {
            search(req.getParameter("q"), resp);
        } else if (path.startsWith("/wiki/")) {
            withTitle(path.substring(6), resp, t -> view(t, resp));
        } else if (path.startsWith("/edit/")) {
            withTitle(path.substring(6), resp, t -> editForm(t, resp));
        } else if (path.startsWith("/history/")) {
            withTitle(path.substring(9), resp, t -> history(t, resp));
        } else if (path.startsWith("/diff/")) {
            withTitle(path.substring(6), resp, t -> diff(t, req.getParameter("from"), req.getParameter("to"), resp));
        } else {
            send(resp, 404, "Not found", "/", "<div class=\"card\"><h1>Not found</h1><p>No such page here.</p></div>");
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.setCharacterEncoding("UTF-8");
        String path = path(req);
        if (!path.startsWith("/edit/")) {
            resp.sendError(405);
            return;
        }
        String title = Titles.normalize(path.substring(6));
        if (title == null) {
            badTitle(resp);
            return;
        }
        String body = Optional.ofNullable(req.getParameter("body")).orElse("").replace("\r\n", "\n");
        String author = Optional.ofNullable(req.getParameter("author")).map(String::strip).filter(s -> !s.isEmpty())
                .orElse("anonymous");
        String summary = Optional.ofNullable(req.getParameter("summary")).map(String::strip).orElse("");
        long version;
        try {
            version = Long.parseLong(Optional.ofNullable(req.getParameter("version")).orElse("-1"));
        } catch (NumberFormatException e) {
            version = -1;
        }
        if (body.length() > Page.MAX_BODY || author.length() > 100 || summary.length() > 200) {
            send(resp, 400, "Too long", "/edit/" + Titles.path(title), "<div class=\"card\"><h1>Too long</h1>"
                    + "<p>Text at most " + Page.MAX_BODY + " characters, author 100, summary 200.</p></div>");
            return;
        }
        Wiki.SaveResult r = wiki.save(title, version, body, author, summary.isEmpty() ? "edit" : summary);
        if (r.saved()) {
            resp.sendRedirect("/wiki/" + Titles.path(title));
        } else {
            conflict(title, r, author, summary, resp);
        }
    }

    private interface TitleAction {
        void run(String title) throws IOException;
    }

    private void withTitle(String raw, HttpServletResponse resp, TitleAction action) throws IOException {
        String title = Titles.normalize(raw);
        if (title == null) {
            badTitle(resp);
        } else {
            action.run(title);
        }
    }

    private void badTitle(HttpServletResponse resp) throws IOException {
        send(resp, 400, "Invalid title", "/", "<div class=\"card\"><h1>Invalid title</h1><p>Titles have 1 to "
                + Titles.MAX_LENGTH + " letters, digits, spaces and <code>_ . , : ; ' ( ) ! ? &amp; + -</code>.</p>"
                + "</div>");
    }

    private void view(String title, HttpServletResponse resp) throws IOException {
        Optional<Page> page = wiki.page(title);
        String tp = Titles.path(title);
        if (page.isEmpty()) {
            send(resp, 404, title, "/wiki/" + tp, "<div class=\"card\"><h1 id=\"title\">" + esc(title) + "</h1>"
                    + "<p>This page does not exist yet. <a class=\"button\" id=\"create\" href=\"/edit/" + tp
                    + "\">Create it</a></p></div>");
            return;
        }
        Page p = page.get();
        StringBuilder b = new StringBuilder();
        b.append("<div class=\"card\"><h1 id=\"title\">").append(esc(title)).append("</h1><p class=\"meta\">")
                .append("revision ").append(p.getRevisions()).append(" by ").append(esc(p.getAuthor())).append(", ")
                .append(TIME.format(p.getUpdated())).append(" · <a id=\"edit\" href=\"/edit/").append(tp)
                .append("\">edit</a> · <a href=\"/history/").append(tp).append("\">history</a></p>")
                .append("<article id=\"content\">").append(Markdown.toHtml(p.getBody())).append("</article></div>");
        List<String> back = wiki.backlinks(title);
        b.append("<div class=\"card\"><h3>Pages linking here</h3>");
        if (back.isEmpty()) {
            b.append("<p class=\"meta\">none</p>");
        } else {
            b.append("<ul id=\"backlinks\">");
            for (String t : back) {
                b.append("<li><a href=\"/wiki/").append(Titles.path(t)).append("\">").append(esc(t)).append("</a></li>");
            }
            b.append("</ul>");
        }
        b.append("</div>");
        send(resp, 200, title, "/wiki/" + tp, b.toString());
    }

    private void editForm(String title, HttpServletResponse resp) throws IOException {
        Optional<Page> page = wiki.page(title);
        long version = page.map(Page::getVersion).orElse(-1L);
        String body = page.map(Page::getBody).orElse("# " + title + "\n\n");
        send(resp, 200, "Edit " + title, "/edit/" + Titles.path(title), "<div class=\"card\"><h1>"
                + (page.isPresent() ? "Edit " : "Create ") + esc(title) + "</h1>"
                + form(title, version, body, "", "") + "</div>");
    }

    private static String form(String title, long version, String body, String author, String summary) {
        return "<form method=\"post\" id=\"edit-form\" action=\"/edit/" + Titles.path(title) + "\">"
                + "<input type=\"hidden\" name=\"version\" value=\"" + version + "\">"
                + "<textarea name=\"body\" id=\"body\">" + esc(body) + "</textarea>"
                + "<p><label>Your name <input name=\"author\" id=\"author\" value=\"" + esc(author) + "\"></label> "
                + "<label>Summary <input name=\"summary\" id=\"summary\" size=\"40\" value=\"" + esc(summary)
                + "\"></label> <button type=\"submit\" id=\"save\">Save</button></p>"
                + "<p class=\"meta\">Markdown; raw HTML is shown as text. Link pages with <code>[[Title]]</code>.</p>"
                + "</form>";
    }

    private void conflict(String title, Wiki.SaveResult r, String author, String summary, HttpServletResponse resp)
            throws IOException {
        StringBuilder b = new StringBuilder("<div class=\"card conflict\"><h1 id=\"conflict\">Edit conflict</h1>");
        if (r.current() == null) {
            b.append("<p>The page <b>").append(esc(title)).append("</b> was deleted or never existed. Your text is "
                    + "below; save it to create the page.</p>");
            b.append(form(title, -1, r.submitted(), author, summary)).append("</div>");
        } else {
            Page cur = r.current();
            b.append("<p>Someone saved <b>").append(esc(title)).append("</b> (revision ").append(cur.getRevisions())
                    .append(" by ").append(esc(cur.getAuthor())).append(", ").append(TIME.format(cur.getUpdated()))
                    .append(") while you were editing. Nothing of yours was lost: merge the two versions below and "
                            + "save again.</p><div class=\"cols\"><div><h3>Their version (saved)</h3><pre id=\"theirs\">")
                    .append(esc(cur.getBody())).append("</pre></div><div><h3>Your version</h3><pre id=\"yours\">")
                    .append(esc(r.submitted())).append("</pre></div></div><h3>Changes from theirs to yours</h3>")
                    .append(diffHtml(LineDiff.diff(cur.getBody(), r.submitted()))).append("<h3>Merge and save</h3>")
                    .append(form(title, cur.getVersion(), r.submitted(), author, summary)).append("</div>");
        }
        send(resp, 409, "Conflict: " + title, "/edit/" + Titles.path(title), b.toString());
    }

    private void history(String title, HttpServletResponse resp) throws IOException {
        List<Revision> revs = wiki.history(title);
        String tp = Titles.path(title);
        StringBuilder b = new StringBuilder("<div class=\"card\"><h1>History of <a href=\"/wiki/" + tp + "\">"
                + esc(title) + "</a></h1><table id=\"history\"><tr><th>rev</th><th>when</th><th>who</th>"
                + "<th>summary</th><th></th></tr>");
        for (Revision r : revs) {
            b.append("<tr><td>").append(r.getNumber()).append("</td><td>").append(TIME.format(r.getCreated()))
                    .append("</td><td>").append(esc(r.getAuthor())).append("</td><td>").append(esc(r.getSummary()))
                    .append("</td><td>");
            if (r.getNumber() > 1) {
                b.append("<a href=\"/diff/").append(tp).append("?from=").append(r.getNumber() - 1).append("&amp;to=")
                        .append(r.getNumber()).append("\">diff</a>");
            }
            b.append("</td></tr>");
        }
        b.append("</table></div>");
        send(resp, revs.isEmpty() ? 404 : 200, "History of " + title, "/history/" + tp, b.toString());
    }

    private void diff(String title, String from, String to, HttpServletResponse resp) throws IOException {
        Optional<Revision> a;
        Optional<Revision> b;
        try {
            a = wiki.revision(title, Integer.parseInt(from));
            b = wiki.revision(title, Integer.parseInt(to));
        } catch (NumberFormatException | NullPointerException e) {
            a = Optional.empty();
            b = Optional.empty();
        }
        String tp = Titles.path(title);
        if (a.isEmpty() || b.isEmpty()) {
            send(resp, 404, "No such revisions", "/history/" + tp, "<div class=\"card\"><h1>No such revisions</h1>"
                    + "<p><a href=\"/history/" + tp + "\">History</a></p></div>");
            return;
        }
        send(resp, 200, "Diff " + title, "/diff/" + tp + "?from=" + from + "&to=" + to,
                "<div class=\"card\"><h1>" + esc(title) + ": revision " + a.get().getNumber() + " → "
                        + b.get().getNumber() + "</h1><p class=\"meta\"><a href=\"/history/" + tp + "\">history</a></p>"
                        + diffHtml(LineDiff.diff(a.get().getBody(), b.get().getBody())) + "</div>");
    }

    static String diffHtml(List<LineDiff.Line> lines) {
        StringBuilder b = new StringBuilder("<div class=\"diff\" id=\"diff\">");
        for (LineDiff.Line l : lines) {
            String cls = l.op() == LineDiff.Op.ADDED ? "add" : l.op() == LineDiff.Op.REMOVED ? "del" : "same";
            String sign = l.op() == LineDiff.Op.ADDED ? "+ " : l.op() == LineDiff.Op.REMOVED ? "- " : "  ";
            b.append("<div class=\"").append(cls).append("\">").append(sign).append(esc(l.text())).append("</div>");
        }
        return b.append("</div>").toString();
    }

    private void recent(HttpServletResponse resp) throws IOException {
        StringBuilder b = new StringBuilder("<div class=\"card\"><h1>Recent changes</h1><table id=\"recent\">"
                + "<tr><th>when</th><th>page</th><th>rev</th><th>who</th><th>summary</th></tr>");
        for (Wiki.Change c : wiki.recentChanges(50)) {
            b.append("<tr><td>").append(TIME.format(c.created())).append("</td><td><a href=\"/wiki/")
                    .append(Titles.path(c.title())).append("\">").append(esc(c.title())).append("</a></td><td>")
                    .append(c.revision()).append("</td><td>").append(esc(c.author())).append("</td><td>")
                    .append(esc(c.summary())).append("</td></tr>");
        }
        send(resp, 200, "Recent changes", "/recent", b.append("</table></div>").toString());
    }

    private void search(String q, HttpServletResponse resp) throws IOException {
        String query = q == null ? "" : q.strip();
        StringBuilder b = new StringBuilder("<div class=\"card\"><h1>Search</h1><form action=\"/search\">"
                + "<input name=\"q\" id=\"q\" value=\"" + esc(query) + "\"> <button>Search</button></form>");
        if (!query.isEmpty()) {
            List<String> hits = wiki.search(query, 100);
            b.append("<p class=\"meta\">").append(hits.size()).append(hits.size() == 100 ? "+" : "")
                    .append(" titles</p><ul id=\"results\">");
            for (String t : hits) {
                b.append("<li><a href=\"/wiki/").append(Titles.path(t)).append("\">").append(esc(t)).append("</a></li>");
            }
            b.append("</ul>");
            String exact = Titles.normalize(query);
            if (exact != null && !hits.contains(exact)) {
                b.append("<p><a href=\"/edit/").append(Titles.path(exact)).append("\">Create “").append(esc(exact))
                        .append("”</a></p>");
            }
        }
        send(resp, 200, "Search", "/search?q=" + Titles.path(query), b.append("</div>").toString());
    }

    private void send(HttpServletResponse resp, int status, String title, String path, String body)
            throws IOException {
        resp.setStatus(status);
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:");
        resp.getWriter().write(Html.page(node, title, path, body));
    }
}
