package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Reads the sum of the index operator's {@code vectorsIndexed} counter from Flink's REST API. */
final class IndexedCounter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private String metricUrl;

    IndexedCounter(int restPort, String jobId) {
        this.base = "http://localhost:" + restPort + "/jobs/" + jobId;
    }

    /** Vectors indexed so far (upserts applied), as last reported by the task managers. */
    long get() throws IOException, InterruptedException {
        if (metricUrl == null) {
            metricUrl = resolve();
            if (metricUrl == null) {
                return 0; // not reported yet
            }
        }
        JsonNode sums = get(metricUrl);
        return sums.isArray() && sums.size() > 0 ? sums.get(0).path("sum").asLong() : 0;
    }

    private String resolve() throws IOException, InterruptedException {
        for (JsonNode vertex : get(base).path("vertices")) {
            if (!vertex.path("name").asText().contains("shard-index")) {
                continue;
            }
            String vertexUrl =
                    base + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            for (JsonNode metric : get(vertexUrl)) {
                String id = metric.path("id").asText();
                if (id.endsWith("vectorstream.vectorsIndexed")) {
                    return vertexUrl + "?agg=sum&get=" + id;
                }
            }
        }
        return null;
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }
}
