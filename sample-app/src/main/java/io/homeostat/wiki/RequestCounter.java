package io.homeostat.wiki;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the wiki and console requests this node served (not the console's JSON polling) for the load figure. */
public class RequestCounter extends HttpFilter {

    private static final long serialVersionUID = 1L;
    static final AtomicLong SERVED = new AtomicLong();

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!req.getRequestURI().startsWith("/api/")) {
            SERVED.incrementAndGet();
        }
        chain.doFilter(req, res);
    }
}
