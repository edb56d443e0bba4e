package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The benches' one client of Flink's REST API: JSON in and out, an error for any status but 2xx.
 * Thread-safe.
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private final String base;

    /** The REST API of the JobManager on this machine at {@code port}. */
    public FlinkRest(int port) {
        this.base = "http://localhost:" + port;
    }

    /** GET {@code path} (e.g. {@code /jobs/overview}). */
    public JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), path);
    }

    /** POST {@code body} as JSON to {@code path}. */
    public JsonNode post(String path, JsonNode body) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))),
                path);
    }

    /** An empty JSON object to fill in for {@link #post}. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private static JsonNode send(HttpRequest.Builder request, String path)
            throws IOException, InterruptedException {
        HttpResponse<String> r =
                HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(
                    request.build().method()
                            + " "
                            + path
                            + ": HTTP "
                            + r.statusCode()
                            + " "
                            + r.body());
        }
        return JSON.readTree(r.body());
    }
}
