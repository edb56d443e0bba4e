package io.vectorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * Reads a job's operator metrics (summed over an operator's subtasks), its vertices and their task
 * metrics, restarts, state, failures and checkpoint history from Flink's REST API, so a benchmark
 * can watch the job without querying it (a query for a count would itself cost a full scan and
 * disturb what is measured).
 */
public final class JobMetrics {

    /**
     * The metric that tells the index operator's vertex, whose metrics {@link #sum(String)} and
     * {@link #max} read: the vertex is found by what it reports, not by its name, which changes
     * with the topology (chaining, renames).
     */
    private static final String INDEX_SIGNATURE = "vectorsIndexed";

    private final FlinkRest rest;
    private final String base;
    private final Map<String, String> metricIds = new HashMap<>();
    private final Map<String, String> vertexUrls = new HashMap<>();

    public JobMetrics(int restPort, String jobId) {
        this.rest = new FlinkRest(restPort);
        this.base = "/jobs/" + jobId;
    }

    /**
     * The job of the cluster at {@code restPort} that has not reached a terminal state (running,
     * restarting, ...), for tools pointed at a cluster rather than at a job.
     *
     * @throws IllegalStateException if there is none, or more than one
     */
    public static JobMetrics ofActiveJob(int restPort) throws IOException, InterruptedException {
        List<String> active = new ArrayList<>();
        for (JsonNode job : new FlinkRest(restPort).get("/jobs/overview").path("jobs")) {
            String state = job.path("state").asText();
            if (!List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
                active.add(job.path("jid").asText());
            }
        }
        if (active.size() != 1) {
            throw new IllegalStateException(
                    active.size()
                            + " active jobs on the cluster at REST port "
                            + restPort
                            + " "
                            + active
                            + "; name the job by its id");
        }
        return new JobMetrics(restPort, active.get(0));
    }

    /** The job's id. */
    public String jobId() {
        return base.substring(base.lastIndexOf('/') + 1);
    }

    /**
     * The sum over the index subtasks of metric {@code vectorstream.<name>}, as last reported by
     * the task managers; 0 before it is first reported.
     */
    public long sum(String name) throws IOException, InterruptedException {
        return aggregate(null, name, "sum");
    }

    /**
     * The sum over the subtasks of the operator whose vertex name contains {@code vertex} of metric
     * {@code vectorstream.<name>}; 0 before it is first reported.
     */
    public long sum(String vertex, String name) throws IOException, InterruptedException {
        return aggregate(vertex, name, "sum");
    }

    /**
     * The largest value over the index subtasks of {@code vectorstream.<name>}; 0 before it is. A
     * histogram's statistics are separate names in Flink's REST API: {@code <histogram>_median},
     * {@code _p75}, {@code _p95}, {@code _p99}, {@code _max}, ... (there is no {@code _p50}).
     */
    public long max(String name) throws IOException, InterruptedException {
        return aggregate(null, name, "max");
    }

    /**
     * {@link #max} of {@code name} as of now rather than of Flink's last metric fetch: the REST API
     * answers from the metrics it last fetched from the task managers, and a read starts the next
     * fetch (at most every {@code metrics.fetcher.update-interval}) without waiting for it, so the
     * first read after a quiet period returns values from before that period. This reads once to
     * start a fetch, waits {@code fetchInterval} three times over for it, and reads again.
     */
    public long freshMax(String name, Duration fetchInterval)
            throws IOException, InterruptedException {
        max(name);
        Thread.sleep(3 * fetchInterval.toMillis());
        return max(name);
    }

    /** {@link #sum} of {@code name} as of now, read as {@link #freshMax} reads. */
    public long freshSum(String name, Duration fetchInterval)
            throws IOException, InterruptedException {
        sum(name);
        Thread.sleep(3 * fetchInterval.toMillis());
        return sum(name);
    }

    /**
     * Waits until {@link #sum} of {@code name} reaches {@code count}, polling every 50 ms. It
     * returns up to one metric fetch interval (plus the fetch) after the count was reached, as the
     * REST API answers from its last fetch (see {@link #freshMax}).
     *
     * @throws IllegalStateException if it has not within {@code timeout}
     */
    public void awaitSum(String name, long count, Duration timeout)
            throws IOException, InterruptedException {
        awaitSum(name, "at least", count, seen -> seen >= count, timeout);
    }

    /** Waits, polling every 50 ms, until the sum of {@code name} is at most {@code count}. */
    public void awaitSumAtMost(String name, long count, Duration timeout)
            throws IOException, InterruptedException {
        awaitSum(name, "at most", count, seen -> seen <= count, timeout);
    }

    private void awaitSum(
            String name, String relation, long count, LongPredicate done, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen;
        while (!done.test(seen = sum(name))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        name
                                + " is "
                                + seen
                                + " after "
                                + timeout
                                + ", expected "
                                + relation
                                + " "
                                + count);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Waits until no segment build (seal or compaction) has been in flight for {@code quiet},
     * polling every 200 ms. A build starts on the write that fills a growing segment, and a
     * compaction on the install of the build before it, so once {@code vectorsIndexed} counts every
     * write, every build that is due has started or follows one in flight; {@code quiet} bridges
     * the install between two builds and the REST fetch interval (see {@link #freshMax}).
     *
     * @return the {@link System#nanoTime} from which no build was seen in flight (the call's if
     *     none was): when the builds ended, to within a poll and a REST fetch
     * @throws IllegalStateException if builds are still in flight after {@code timeout}
     */
    public long awaitBuildsSettled(Duration quiet, Duration timeout)
            throws IOException, InterruptedException {
        return awaitBuildsSettled(quiet, timeout, false);
    }

    /**
     * As {@link #awaitBuildsSettled(Duration, Duration)}; with {@code untilNothingGrows} it also
     * waits until no vector is left in a growing segment (a job that seals after idle gets there).
     */
    public long awaitBuildsSettled(Duration quiet, Duration timeout, boolean untilNothingGrows)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < quiet.toNanos()) {
            Thread.sleep(200);
            long inFlight = sum("buildsInFlight");
            // A shard between two builds reads 0 in flight for a moment; while vectors are still
            // growing, more seals are coming (the job seals all of them after seal-after-idle).
            if (inFlight > 0 || (untilNothingGrows && sum("growingVectors") > 0)) {
                quietSince = System.nanoTime();
                if (quietSince > deadline) {
                    throw new IllegalStateException(
                            inFlight
                                    + " segment builds in flight (or vectors still growing) after "
                                    + timeout);
                }
            }
        }
        return quietSince;
    }

    /**
     * Waits until the index is at rest: no segment build in flight and no vector growing ({@link
     * #awaitBuildsSettled(Duration, Duration, boolean)}), then, for at most {@code restWait}, until
     * its shards hold no more than {@code segments} sealed segments together: a shard at rest folds
     * small segments into its largest after a quiet time in proportion to their sizes. For a job
     * that seals after idle ({@code vectorstream.index.seal-after-idle} above 0).
     *
     * @return when the last build ended, as {@link #awaitBuildsSettled} tells it
     * @throws IllegalStateException if builds are still in flight after {@code timeout}
     */
    public long awaitAtRest(int segments, Duration quiet, Duration restWait, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long buildsEnded = awaitBuildsSettled(quiet, timeout, true);
        long restDeadline = Math.min(deadline, System.nanoTime() + restWait.toNanos());
        while (sum("sealedSegments") > segments && System.nanoTime() < restDeadline) {
            Thread.sleep(1000);
            buildsEnded =
                    awaitBuildsSettled(
                            quiet,
                            Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                            true);
        }
        return buildsEnded;
    }

    /** How often the job restarted since it was submitted (job metric {@code numRestarts}). */
    public long restarts() throws IOException, InterruptedException {
        for (JsonNode m : get(base + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return 0;
    }

    /** The job's state and whether every task of it runs. */
    public record State(String job, boolean allTasksRunning) {
        public boolean running() {
            return job.equals("RUNNING") && allTasksRunning;
        }
    }

    public State state() throws IOException, InterruptedException {
        JsonNode job = get(base);
        boolean allRunning = job.path("vertices").size() > 0;
        for (JsonNode v : job.path("vertices")) {
            allRunning &= "RUNNING".equals(v.path("status").asText());
        }
        return new State(job.path("state").asText(), allRunning);
    }

    /**
     * One failure that restarted the job, from its exception history.
     *
     * @param rootCause the innermost exception of the stack trace ({@code Caused by:}) and its top
     *     frames
     */
    public record Failure(long timestampMs, String exception, String task, String rootCause) {}

    /** The failures since {@code sinceMs} (epoch ms), oldest first. */
    public List<Failure> failuresSince(long sinceMs) throws IOException, InterruptedException {
        List<Failure> out = new ArrayList<>();
        for (JsonNode e :
                get(base + "/exceptions?maxExceptions=100")
                        .path("exceptionHistory")
                        .path("entries")) {
            long t = e.path("timestamp").asLong();
            if (t >= sinceMs) {
                out.add(
                        0,
                        new Failure(
                                t,
                                e.path("exceptionName").asText(),
                                e.path("taskName").asText(""),
                                rootCause(e.path("stacktrace").asText(""), 4)));
            }
        }
        return out;
    }

    /** The last {@code Caused by:} of a stack trace (or its first line) and its top frames. */
    private static String rootCause(String trace, int frames) {
        List<String> lines = trace.lines().toList();
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("Caused by: ")) {
                start = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = start; i < lines.size() && i <= start + frames; i++) {
            String line = lines.get(i).strip();
            sb.append(i == start ? line.replaceFirst("^Caused by: ", "") : "\n      " + line);
        }
        return sb.toString();
    }

    /** {@code vertex} null: the index operator's vertex. */
    private long aggregate(String vertex, String name, String agg)
            throws IOException, InterruptedException {
        String id = metricId(vertex, name);
        if (id == null) {
            return 0;
        }
        JsonNode values = get(vertexUrls.get(vertex) + "?agg=" + agg + "&get=" + id);
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

    /**
     * How long checkpoint {@code id} held the index operator's task thread: the slowest subtask's
     * synchronous part (RocksDB's native checkpoint, which flushes the memtables) and its barrier
     * alignment, in ms; zeros if the index vertex is not known yet.
     */
    public long[] indexCheckpointPauses(long id) throws IOException, InterruptedException {
        String url = vertexUrl(null);
        if (url == null) {
            return new long[2];
        }
        String vertexId = url.replaceAll(".*/vertices/([^/]+)/.*", "$1");
        JsonNode summary =
                get(base + "/checkpoints/details/" + id + "/subtasks/" + vertexId).path("summary");
        return new long[] {
            summary.path("checkpoint_duration").path("sync").path("max").asLong(),
            summary.path("alignment").path("duration").path("max").asLong()
        };
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

    private String metricId(String vertex, String name) throws IOException, InterruptedException {
        String id = metricIds.get(vertex + "/" + name);
        if (id != null) {
            return id;
        }
        String vertexUrl = vertexUrl(vertex);
        if (vertexUrl == null) {
            return null;
        }
        id = vectorStreamMetric(vertexUrl, name);
        if (id != null) {
            metricIds.put(vertex + "/" + name, id);
        }
        return id; // null: not reported yet
    }

    /**
     * The subtask metrics URL of {@code vertex} (null: the index's), cached; null if unknown yet.
     */
    private String vertexUrl(String vertex) throws IOException, InterruptedException {
        String url = vertexUrls.get(vertex);
        if (url == null) {
            url = vertex == null ? indexVertexUrl() : namedVertexUrl(vertex);
            if (url != null) {
                vertexUrls.put(vertex, url);
            }
        }
        return url;
    }

    private String namedVertexUrl(String vertex) throws IOException, InterruptedException {
        String url = null;
        for (Vertex v : vertices()) {
            if (v.name().contains(vertex)) {
                url = metricsUrl(v);
            }
        }
        return url;
    }

    /** The vertex whose subtasks report {@link #INDEX_SIGNATURE}; null before any does. */
    private String indexVertexUrl() throws IOException, InterruptedException {
        for (Vertex v : vertices()) {
            if (vectorStreamMetric(metricsUrl(v), INDEX_SIGNATURE) != null) {
                return metricsUrl(v);
            }
        }
        return null;
    }

    /** The REST id of metric {@code vectorstream.<name>} of a vertex; null if it has none. */
    private String vectorStreamMetric(String vertexUrl, String name)
            throws IOException, InterruptedException {
        for (JsonNode metric : get(vertexUrl)) {
            String candidate = metric.path("id").asText();
            if (candidate.endsWith("vectorstream." + name)) {
                return candidate;
            }
        }
        return null;
    }

    private String metricsUrl(Vertex v) {
        return base + "/vertices/" + v.id() + "/subtasks/metrics";
    }

    /** One vertex of the job graph: a chain of operators that runs as one task per subtask. */
    public record Vertex(String id, String name, int parallelism) {}

    /** The job's vertices, in the REST API's order (sources first). */
    public List<Vertex> vertices() throws IOException, InterruptedException {
        List<Vertex> out = new ArrayList<>();
        for (JsonNode v : get(base).path("vertices")) {
            out.add(
                    new Vertex(
                            v.path("id").asText(),
                            v.path("name").asText(),
                            v.path("parallelism").asInt()));
        }
        return out;
    }

    /** A task metric of a vertex over its subtasks. */
    public record Aggregate(double sum, double max) {}

    /**
     * Flink's own task metrics of {@code vertex} (e.g. {@code numRecordsIn}, {@code
     * accumulateBusyTimeMs}, {@code busyTimeMsPerSecond}), summed and maximised over its subtasks,
     * by name; a metric not reported (yet) is missing.
     */
    public Map<String, Aggregate> taskMetrics(Vertex vertex, List<String> names)
            throws IOException, InterruptedException {
        Map<String, Aggregate> out = new LinkedHashMap<>();
        for (JsonNode m : get(metricsUrl(vertex) + "?agg=sum,max&get=" + String.join(",", names))) {
            out.put(
                    m.path("id").asText(),
                    new Aggregate(m.path("sum").asDouble(), m.path("max").asDouble()));
        }
        return out;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return rest.get(path);
    }
}
