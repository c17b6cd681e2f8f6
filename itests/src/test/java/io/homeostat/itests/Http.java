package io.homeostat.itests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small client of a node's HTTP endpoint. A failed exchange (refused, timed out) is status -1. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** A response, or status -1 with the failure in {@code body}. */
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + text(), e);
            }
        }
    }

    private Http() {
    }

    static Response send(int port, String method, String pathAndQuery, byte[] body, long timeoutMillis) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofMillis(timeoutMillis))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<byte[]> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, String.valueOf(e).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    static Response get(int port, String path, long timeoutMillis) {
        return send(port, "GET", path, null, timeoutMillis);
    }

    static Response post(int port, String path, byte[] body, long timeoutMillis) {
        return send(port, "POST", path, body, timeoutMillis);
    }
}
