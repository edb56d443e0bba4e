package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the index operator's metrics (summed over its subtasks) and the checkpoint history of a job
 * from Flink's REST API, so a benchmark can watch the job without querying it (a query for a count
 * would itself cost a full scan and disturb what is measured).
 */
public final class JobMetrics {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final Map<String, String> metricIds = new HashMap<>();
    private String vertexUrl;

    public JobMetrics(int restPort, String jobId) {
        this.base = "http://localhost:" + restPort + "/jobs/" + jobId;
    }

    /**
     * The sum over the index subtasks of metric {@code vectorstream.<name>}, as last reported by
     * the task managers; 0 before it is first reported.
     */
    public long sum(String name) throws IOException, InterruptedException {
        return aggregate(name, "sum");
    }

    /** The largest value over the index subtasks of {@code vectorstream.<name>}; 0 before it is. */
    public long max(String name) throws IOException, InterruptedException {
        return aggregate(name, "max");
    }

    private long aggregate(String name, String agg) throws IOException, InterruptedException {
        String id = metricId(name);
        if (id == null) {
            return 0;
        }
        JsonNode values = get(vertexUrl + "?agg=" + agg + "&get=" + id);
        return values.isArray() && values.size() > 0 ? values.get(0).path(agg).asLong() : 0;
    }

    /** Completed checkpoints, oldest first, from the job's checkpoint history. */
    public List<Checkpoint> checkpoints() throws IOException, InterruptedException {
        List<Checkpoint> out = new ArrayList<>();
        for (JsonNode c : get(base + "/checkpoints").path("history")) {
            if ("COMPLETED".equals(c.path("status").asText())) {
                out.add(
                        new Checkpoint(
                                c.path("id").asLong(),
                                c.path("checkpointed_size").asLong(),
                                c.path("state_size").asLong(),
                                c.path("end_to_end_duration").asLong()));
            }
        }
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    /** Id of the newest completed checkpoint, or -1. */
    public long latestCheckpoint() throws IOException, InterruptedException {
        JsonNode latest = get(base + "/checkpoints").path("latest").path("completed");
        return latest.isMissingNode() || latest.isNull() ? -1 : latest.path("id").asLong(-1);
    }

    /**
     * One completed checkpoint.
     *
     * @param checkpointedSize bytes uploaded by this checkpoint (incremental)
     * @param stateSize bytes of the whole state it refers to
     */
    public record Checkpoint(long id, long checkpointedSize, long stateSize, long durationMs) {}

    private String metricId(String name) throws IOException, InterruptedException {
        String id = metricIds.get(name);
        if (id != null) {
            return id;
        }
        if (vertexUrl == null) {
            for (JsonNode vertex : get(base).path("vertices")) {
                if (vertex.path("name").asText().contains("shard-index")) {
                    vertexUrl =
                            base + "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
                }
            }
            if (vertexUrl == null) {
                return null;
            }
        }
        for (JsonNode metric : get(vertexUrl)) {
            String candidate = metric.path("id").asText();
            if (candidate.endsWith("vectorstream." + name)) {
                metricIds.put(name, candidate);
                return candidate;
            }
        }
        return null; // not reported yet
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }
}
