package io.vectorstream.jobs.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongPredicate;
import org.apache.flink.api.common.JobID;

/**
 * Reads one job's operator metrics and checkpoint statistics from Flink's REST API, as an operator
 * of the system would. Metrics are what the JobManager's metric fetcher last collected (set {@code
 * metrics.fetcher.update-interval} low in tests). Stateless apart from the HTTP client.
 */
public final class JobRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String job;

    public JobRest(URI restAddress, JobID jobId) {
        String base = restAddress.toString().replaceAll("/+$", "");
        this.job = base + "/jobs/" + jobId;
    }

    /** One completed checkpoint or savepoint as the REST API reports it. */
    public record CheckpointStats(
            long id, boolean savepoint, long checkpointedSize, long stateSize, long triggerMs) {}

    /** The job's state, e.g. RUNNING, RESTARTING, FINISHED. */
    public String jobState() throws IOException, InterruptedException {
        return get(job).path("state").asText();
    }

    /** Whether the job and every task of every vertex are RUNNING. */
    public boolean allTasksRunning() throws IOException, InterruptedException {
        JsonNode j = get(job);
        if (!"RUNNING".equals(j.path("state").asText())) {
            return false;
        }
        for (JsonNode v : j.path("vertices")) {
            if (!"RUNNING".equals(v.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /** Waits until {@link #allTasksRunning()}; fails at once if the job ended. */
    public void awaitAllTasksRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!allTasksRunning()) {
            String state = jobState();
            if (List.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
                throw new AssertionError("job is " + state + "; last failure: " + lastFailure());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "job not fully RUNNING after " + timeout + ": " + get(job).toString());
            }
            Thread.sleep(100);
        }
    }

    /**
     * The job's {@code numRestarts} metric (Flink's own count of restarts), or -1 while the
     * JobManager's metrics fetcher has not reported it yet.
     */
    public long numRestarts() throws IOException, InterruptedException {
        for (JsonNode m : get(job + "/metrics?get=numRestarts")) {
            if ("numRestarts".equals(m.path("id").asText())) {
                return m.path("value").asLong();
            }
        }
        return -1;
    }

    /** How many failures the job's exception history holds (each one restarted or ended it). */
    public int failureCount() throws IOException, InterruptedException {
        return get(job + "/exceptions").path("exceptionHistory").path("entries").size();
    }

    /** The newest entry of the job's exception history (its first 2,000 characters), or "none". */
    public String lastFailure() throws IOException, InterruptedException {
        String trace = lastFailureTrace();
        return trace.length() > 2000 ? trace.substring(0, 2000) + " ..." : trace;
    }

    /** The whole stack trace of the newest entry of the job's exception history, or "none". */
    public String lastFailureTrace() throws IOException, InterruptedException {
        JsonNode entries = get(job + "/exceptions").path("exceptionHistory").path("entries");
        if (!entries.isArray() || entries.isEmpty()) {
            return "none";
        }
        return entries.get(0).path("stacktrace").asText();
    }

    /**
     * The sum over the subtasks of the vertex whose name contains {@code vertexName} of the
     * operator metric {@code <group>.<name>} (e.g. {@code vectorstream.liveVectors}), or empty when
     * no subtask reports it (yet, or at all).
     */
    public OptionalLong operatorMetricSum(String vertexName, String metric)
            throws IOException, InterruptedException {
        String vertexUrl = vertexUrl(vertexName) + "/subtasks/metrics";
        for (JsonNode m : get(vertexUrl)) {
            String id = m.path("id").asText();
            if (id.endsWith("." + metric)) {
                JsonNode sums = get(vertexUrl + "?agg=sum&get=" + id);
                if (sums.isArray() && sums.size() > 0 && sums.get(0).has("sum")) {
                    return OptionalLong.of(Math.round(sums.get(0).path("sum").asDouble()));
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Waits until the vertex reports {@code reportedMetric} (a metric every version of the operator
     * has), then returns {@code metric}: empty means this operator does not have that metric.
     */
    public OptionalLong operatorMetricOnceReporting(
            String vertexName, String reportedMetric, String metric) throws Exception {
        awaitMetric(vertexName, reportedMetric, v -> true, Duration.ofSeconds(30));
        return operatorMetricSum(vertexName, metric);
    }

    /**
     * Waits until the summed metric satisfies {@code condition} and returns it; fails with the last
     * value seen (or "not reported") at the timeout.
     */
    public long awaitMetric(
            String vertexName, String metric, LongPredicate condition, Duration timeout)
            throws Exception {
        OptionalLong last = pollMetric(vertexName, metric, condition, timeout);
        if (last.isPresent() && condition.test(last.getAsLong())) {
            return last.getAsLong();
        }
        throw new AssertionError(
                "operator metric "
                        + metric
                        + " of "
                        + vertexName
                        + " did not reach the expected value within "
                        + timeout
                        + "; last: "
                        + (last.isPresent() ? String.valueOf(last.getAsLong()) : "not reported"));
    }

    /**
     * Polls the summed metric until it satisfies {@code condition} or {@code timeout} passes;
     * returns the last value seen, empty if it was never reported.
     */
    public OptionalLong pollMetric(
            String vertexName, String metric, LongPredicate condition, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        OptionalLong last = OptionalLong.empty();
        while (System.nanoTime() < deadline) {
            last = operatorMetricSum(vertexName, metric);
            if (last.isPresent() && condition.test(last.getAsLong())) {
                break;
            }
            Thread.sleep(100);
        }
        return last;
    }

    /** How many checkpoints completed so far (savepoints included). */
    public long completedCheckpoints() throws IOException, InterruptedException {
        return get(job + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** How many times the job was restored from a checkpoint or savepoint. */
    public long restoredCount() throws IOException, InterruptedException {
        return get(job + "/checkpoints").path("counts").path("restored").asLong();
    }

    /** The path the job was last restored from, if it was. */
    public Optional<String> restoredFrom() throws IOException, InterruptedException {
        JsonNode r = get(job + "/checkpoints").path("latest").path("restored");
        return r.isMissingNode() || r.isNull()
                ? Optional.empty()
                : Optional.of(r.path("external_path").asText());
    }

    /** Waits until {@code n} more checkpoints than {@code after} have completed. */
    public long awaitCompletedCheckpoints(long after, int n, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long done;
        while ((done = completedCheckpoints()) < after + n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "only " + (done - after) + " of " + n + " checkpoints within " + timeout);
            }
            Thread.sleep(50);
        }
        return done;
    }

    /** Completed checkpoints in the REST history (size {@code web.checkpoints.history}), by id. */
    public List<CheckpointStats> completedHistory() throws IOException, InterruptedException {
        List<CheckpointStats> out = new ArrayList<>();
        for (JsonNode c : get(job + "/checkpoints").path("history")) {
            if ("COMPLETED".equals(c.path("status").asText())) {
                out.add(
                        new CheckpointStats(
                                c.path("id").asLong(),
                                c.path("is_savepoint").asBoolean(),
                                c.path("checkpointed_size").asLong(),
                                c.path("state_size").asLong(),
                                c.path("trigger_timestamp").asLong()));
            }
        }
        out.sort((a, b) -> Long.compare(a.id(), b.id()));
        return out;
    }

    /** The sizes one vertex (all its subtasks) contributed to a checkpoint still in the history. */
    public CheckpointStats vertexCheckpoint(CheckpointStats checkpoint, String vertexName)
            throws IOException, InterruptedException {
        String vertexId = vertexUrl(vertexName).substring(job.length() + "/vertices/".length());
        JsonNode t =
                get(job + "/checkpoints/details/" + checkpoint.id()).path("tasks").path(vertexId);
        return new CheckpointStats(
                checkpoint.id(),
                checkpoint.savepoint(),
                t.path("checkpointed_size").asLong(),
                t.path("state_size").asLong(),
                checkpoint.triggerMs());
    }

    /** The id of the newest completed checkpoint, or 0. */
    public long latestCompletedId() throws IOException, InterruptedException {
        List<CheckpointStats> h = completedHistory();
        return h.isEmpty() ? 0 : h.get(h.size() - 1).id();
    }

    private String vertexUrl(String vertexName) throws IOException, InterruptedException {
        for (JsonNode v : get(job).path("vertices")) {
            if (v.path("name").asText().contains(vertexName)) {
                return job + "/vertices/" + v.path("id").asText();
            }
        }
        throw new IllegalArgumentException("job has no vertex named like '" + vertexName + "'");
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + url + " returned " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }
}
