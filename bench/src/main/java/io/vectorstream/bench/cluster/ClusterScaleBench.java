package io.vectorstream.bench.cluster;

import io.vectorstream.bench.FlinkRest;
import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.serving.BaseVectors;
import io.vectorstream.bench.serving.JobSettings;
import io.vectorstream.bench.serving.QueryLoad;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.operators.VectorStreamOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.TaskManagerOptions;

/**
 * Scale-out on a real multi-process cluster ({@code jobs/cluster.sh}, started by {@code
 * bench/run-cluster-scale.sh} with one TaskManager of one slot): the same data and queries measured
 * on one TaskManager, then on two, with the state carried over by a savepoint.
 *
 * <ol>
 *   <li><b>Phase a</b>, 1 TaskManager × 1 slot, job parallelism 1: publish the first half of the
 *       vectors as fast as the client can, time until the index has all of them ({@code
 *       vectorsIndexed}), wait until it is at rest (no build in flight, the shards merged); then
 *       closed-loop queries (k=10) at each {@code --clients} level for {@code --seconds}, with
 *       recall@10 against exact brute force over that half.
 *   <li>Stop the job with a savepoint (REST), start TaskManager 2, resubmit with parallelism 2 from
 *       the savepoint, and check that the index holds as many vectors as before the stop ({@code
 *       liveVectors}).
 *   <li><b>Phase b</b>, 2 TaskManagers × 1 slot, parallelism 2: the same query levels over the same
 *       vectors, then the second half of the vectors ingested as in phase a.
 *   <li>Through every step, each vertex's records in and out and busy time and each process's CPU
 *       time ({@link LoadRecorder}), reported per step with records/s per busy core.
 * </ol>
 *
 * Writes {@code RESULTS/cluster-scale-LABEL.md} (the tables, for BENCHMARKS.md) and {@code .tsv}
 * (every figure). Exits 1 if the restored index lost or gained vectors. Usage: see {@link
 * ClusterScaleOptions#USAGE}.
 */
public final class ClusterScaleBench {

    private static final int K = 10;
    private static final Duration FETCH_INTERVAL = Duration.ofMillis(200);
    private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(500);
    private static final Duration BUILDS_QUIET = Duration.ofSeconds(2);
    private static final Duration REST_WAIT = Duration.ofMinutes(3);
    private static final Duration JOB_START = Duration.ofMinutes(3);

    /** One configuration of the cluster the steps run on. */
    private record Phase(String name, int taskManagers, int parallelism) {
        String setup() {
            return taskManagers + " TM × 1 slot, p=" + parallelism;
        }
    }

    private final ClusterScaleOptions o;
    private final ScaleReport report;
    private final ClusterScript cluster;
    private final JobManagerControl jobManager;

    private final String loadAtStart = loadAverage();
    private ScaleDataSet data;
    private Configuration jobConf;
    private List<String> jobArgs;
    private LoadRecorder recorder;
    private VectorStreamClient client;

    private ClusterScaleBench(ClusterScaleOptions o) {
        this.o = o;
        this.report =
                new ScaleReport(
                        "Scale-out on a real cluster, 1 → 2 TaskManagers ("
                                + o.label()
                                + ", "
                                + Instant.now().toString().substring(0, 10)
                                + ")");
        this.cluster = new ClusterScript(o.clusterScript(), o.clusterDir());
        this.jobManager = new JobManagerControl(new FlinkRest(o.restPort()));
    }

    public static void main(String[] args) {
        ClusterScaleOptions o;
        try {
            o = ClusterScaleOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            System.exit(new ClusterScaleBench(o).run() ? 0 : 1);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs both phases and writes the report; false if the vector count changed on restore. */
    private boolean run() throws Exception {
        long start = System.nanoTime();
        data = ScaleDataSet.read(o.data(), o.limit(), o.queries(), K);
        log(
                "%s: first %,d of %,d base vectors x %d (%s), halves of %,d; %,d queries, exact"
                        + " top-%d over the first half in %.1f s",
                data.name(),
                data.base().length,
                data.setSize(),
                data.dimension(),
                metricName(),
                data.half(),
                data.queries().length,
                K,
                secondsSince(start));
        configureJob();
        Phase a = new Phase("a", 1, 1);
        Phase b = new Phase("b", 2, 2);
        long before;
        long restored;
        long after;
        String savepoint;
        try (LoadRecorder r = new LoadRecorder(cluster, SAMPLE_INTERVAL);
                VectorStreamClient c =
                        VectorStreamClient.builder()
                                .bootstrapServers(o.bootstrap())
                                .defaultTimeout(Duration.ofSeconds(60))
                                .build()) {
            recorder = r;
            client = c;
            JobMetrics job = submit(a, null);
            ingest(job, a, 0, data.half());
            before = job.freshSum("liveVectors", FETCH_INTERVAL);
            queryLevels(job, a);

            recorder.watch(null);
            long stopStart = System.nanoTime();
            savepoint = jobManager.stopWithSavepoint(job.jobId(), Duration.ofMinutes(5));
            log("stopped with savepoint %s in %.1f s", savepoint, secondsSince(stopStart));
            cluster.addTaskManager(2);
            jobManager.awaitTaskManagers(2, Duration.ofMinutes(2));

            job = submit(b, savepoint);
            restored = restoredCount(job, before);
            log("vectors before the stop %,d, after the restore %,d", before, restored);
            queryLevels(job, b);
            ingest(job, b, data.half(), data.base().length);
            after = job.freshSum("liveVectors", FETCH_INTERVAL);
        }
        boolean countKept = restored == before && after == data.base().length;
        describe(savepoint, before, restored, after);
        String name = "cluster-scale-" + o.label();
        Path md = o.results().resolve(name + ".md");
        Path tsv = o.results().resolve(name + ".tsv");
        report.write(md, tsv);
        System.out.println();
        System.out.print(report.markdown());
        log("wrote %s and %s in %.0f s", md, tsv, secondsSince(start));
        if (!countKept) {
            log(
                    "FAILED: the index held %,d vectors before the stop, %,d after the restore and"
                            + " %,d after phase b (expected %,d)",
                    before, restored, after, data.base().length);
        }
        return countKept;
    }

    /**
     * The job's settings: the cluster's {@code config.yaml} as {@code jobs/cluster.sh} wrote it,
     * the data set's dimension and metric, {@code --shards}, then every {@code --set}; all but the
     * cluster's own are passed to the job as {@code --key value} arguments, the same on both
     * submissions (a restored job must be configured as the one that wrote the savepoint).
     */
    private void configureJob() throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("vectorstream.collection.dimension", String.valueOf(data.dimension()));
        settings.put("vectorstream.collection.metric", metricName());
        settings.put("vectorstream.collection.shards", String.valueOf(o.shards()));
        settings.putAll(o.overrides());
        jobConf = GlobalConfiguration.loadConfiguration(o.clusterDir().resolve("conf").toString());
        JobSettings.applyOverrides(jobConf, settings);
        jobArgs = new ArrayList<>();
        settings.forEach(
                (k, v) -> {
                    jobArgs.add("--" + k);
                    jobArgs.add(v);
                });
    }

    private JobMetrics submit(Phase phase, String savepoint) throws Exception {
        long start = System.nanoTime();
        String id = cluster.submit(phase.parallelism(), savepoint, jobArgs);
        JobMetrics job = new JobMetrics(o.restPort(), id);
        jobManager.awaitRunning(job, JOB_START);
        recorder.watch(job);
        // The first answer starts the client's reply reader and, after a restore, loads the shards
        // (lazily, from state): neither belongs in a measured step.
        client.query(data.queries()[0], K).get(JOB_START.toSeconds(), TimeUnit.SECONDS);
        log(
                "phase %s (%s): job %s running and answering %.1f s after submit",
                phase.name(), phase.setup(), id, secondsSince(start));
        return job;
    }

    /**
     * Publishes base vectors {@code [from, to)}, times until all are indexed, then until the index
     * is at rest; two steps, each with what the cluster spent in it.
     */
    private void ingest(JobMetrics job, Phase phase, int from, int to) throws Exception {
        int n = to - from;
        long deadline = System.nanoTime() + o.ingestTimeout().toNanos();
        long indexedBefore = job.freshSum("vectorsIndexed", FETCH_INTERVAL);
        long start = System.nanoTime();
        try {
            BaseVectors.publish(client, data.base(), from, to)
                    .get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            double acked = secondsSince(start);
            job.awaitSum("vectorsIndexed", indexedBefore + n, remaining(deadline));
            long indexed = System.nanoTime();
            double seconds = (indexed - start) / 1e9;
            report.add(
                    new ScaleReport.Step(
                            phase.name(),
                            phase.setup(),
                            String.format(Locale.ROOT, "ingest %,d", n),
                            n / seconds,
                            "vectors/s",
                            seconds,
                            Double.NaN,
                            Double.NaN,
                            Double.NaN,
                            String.format(
                                    Locale.ROOT,
                                    "publish acked after %.1f s (%,.0f/s); first publish to all"
                                            + " indexed",
                                    acked,
                                    n / acked),
                            recorder.window(start, indexed)));
            log(
                    "phase %s: %,d vectors indexed in %.1f s (%,.0f/s)",
                    phase.name(), n, seconds, n / seconds);

            // Measure the queries on the index at rest, not during the merges that bring it there.
            long buildsEnded =
                    jobConf.get(VectorStreamOptions.SEAL_AFTER_IDLE).toMillis() > 0
                            ? job.awaitAtRest(
                                    o.shards(), BUILDS_QUIET, REST_WAIT, remaining(deadline))
                            : job.awaitBuildsSettled(BUILDS_QUIET, remaining(deadline), false);
            long settled = Math.max(indexed, buildsEnded);
            String state =
                    String.format(
                            Locale.ROOT,
                            "then: %,d growing vectors, %d sealed segments, %d builds since submit;"
                                    + " index heap %,.0f MB",
                            job.sum("growingVectors"),
                            job.sum("sealedSegments"),
                            job.sum("graphBuilds"),
                            job.sum("memoryBytes") / 1e6);
            report.add(
                    new ScaleReport.Step(
                            phase.name(),
                            phase.setup(),
                            "builds settle",
                            Double.NaN,
                            "",
                            (settled - indexed) / 1e9,
                            Double.NaN,
                            Double.NaN,
                            Double.NaN,
                            "from all indexed to no build in flight and the shards merged; "
                                    + state,
                            recorder.window(indexed, settled)));
            log(
                    "phase %s: at rest %.1f s later; %s",
                    phase.name(), (settled - indexed) / 1e9, state);
        } catch (TimeoutException | IllegalStateException e) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "phase %s: ingest of %,d vectors not done within --ingest-minutes %d"
                                    + " (%s); vectorsIndexed %,d, buildsInFlight %d",
                            phase.name(),
                            n,
                            o.ingestTimeout().toMinutes(),
                            e.getMessage() == null ? "acks pending" : e.getMessage(),
                            job.sum("vectorsIndexed"),
                            job.sum("buildsInFlight")),
                    e);
        }
    }

    /** One step per {@code --clients} level, over the first half of the vectors. */
    private void queryLevels(JobMetrics job, Phase phase) throws Exception {
        QueryLoad load = new QueryLoad(client, data.queries(), data.truth(), K);
        for (int clients : o.clients()) {
            long from = System.nanoTime() + o.warmup().toNanos();
            QueryLoad.Result r = load.run(clients, null, o.warmup(), o.window());
            long to = System.nanoTime();
            report.add(
                    new ScaleReport.Step(
                            phase.name(),
                            phase.setup(),
                            "queries, " + clients + " clients",
                            r.queriesPerSecond(),
                            "queries/s",
                            r.seconds(),
                            r.recall(),
                            r.roundTripMs(0.50),
                            r.roundTripMs(0.99),
                            String.format(
                                    Locale.ROOT,
                                    "%,d answered; %d refused, %d partial, %d failed",
                                    r.sortedMicros().length,
                                    r.errors(),
                                    r.incomplete() - r.errors(),
                                    r.failed()),
                            recorder.window(from, to)));
            log(
                    "phase %s: %d clients: %,.0f queries/s, recall@10 %.4f, p50 %.1f ms, p99 %.1f"
                            + " ms",
                    phase.name(),
                    clients,
                    r.queriesPerSecond(),
                    r.recall(),
                    r.roundTripMs(0.50),
                    r.roundTripMs(0.99));
        }
        job.state(); // fails the run here if the job went away under load
    }

    /**
     * The restored job's vector count: its index subtasks report the shards' counts from the
     * restored state as soon as they open, before any shard is loaded.
     */
    private static long restoredCount(JobMetrics job, long expected) throws Exception {
        long deadline = System.nanoTime() + JOB_START.toNanos();
        while (job.sum("liveVectors") < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        return job.freshSum("liveVectors", FETCH_INTERVAL);
    }

    private void describe(String savepoint, long before, long restored, long after) {
        report.describe(
                String.format(
                        Locale.ROOT,
                        "Data: %s (%s), the first %,d of %,d base vectors x %d: phase a ingests"
                                + " ordinals 0..%,d, phase b the rest; %,d queries, recall@10"
                                + " against exact brute force over phase a's vectors (both"
                                + " phases query those; phase b before its own ingest).",
                        data.name(),
                        metricName(),
                        data.base().length,
                        data.setSize(),
                        data.dimension(),
                        data.half() - 1,
                        data.queries().length));
        report.describe(
                String.format(
                        Locale.ROOT,
                        "Cluster: jobs/cluster.sh on one machine of %d cores, shared by the broker,"
                                + " the JobManager, the TaskManagers and this client (which"
                                + " publishes and queries through Kafka); TaskManagers of %s"
                                + " process memory, %s slot each; the job with %d shards; settings"
                                + " not at their defaults: %s.",
                        Runtime.getRuntime().availableProcessors(),
                        jobConf.toMap().get(TaskManagerOptions.TOTAL_PROCESS_MEMORY.key()),
                        jobConf.get(TaskManagerOptions.NUM_TASK_SLOTS),
                        o.shards(),
                        String.join(
                                ", ",
                                JobSettings.nonDefault(jobConf, o.overrides()).stream()
                                        .filter(s -> !s.startsWith("parallelism.default="))
                                        .filter(s -> !s.startsWith("vectorstream.kafka."))
                                        .toList())));
        report.describe(
                String.format(
                        Locale.ROOT,
                        "Rescale: stop with savepoint (%s), TaskManager 2 started, resubmitted at"
                                + " parallelism 2 from it; vectors in the index before the stop"
                                + " %,d, after the restore %,d (%s), after phase b %,d of %,d.",
                        savepoint,
                        before,
                        restored,
                        restored == before ? "unchanged" : "CHANGED",
                        after,
                        data.base().length));
        report.describe(
                "Ingest: vectors/s from the first publish until the job's vectorsIndexed counts"
                        + " them all (the client publishes as fast as it can, acks=all); then"
                        + " the index comes to rest (builds settle). Phase a's ingest is the first"
                        + " work of fresh JVMs (JIT compilation included); phase b's runs on"
                        + " TaskManager 1's warm JVM and a new TaskManager 2.");
        report.describe(
                String.format(
                        Locale.ROOT,
                        "Queries: %s closed-loop clients, %d s each after %d s warm-up, k=%d,"
                                + " eventual consistency, cycling over the queries. Load average"
                                + " (1, 5, 15 min) at the start %s, at the end %s.",
                        Arrays.toString(o.clients()),
                        o.window().toSeconds(),
                        o.warmup().toSeconds(),
                        K,
                        loadAtStart,
                        loadAverage()));
        report.describe(
                "Per vertex: least-squares slopes over the step of Flink's task counters"
                        + " numRecordsIn, numRecordsOut and accumulateBusyTimeMs, summed over"
                        + " subtasks and sampled every "
                        + SAMPLE_INTERVAL.toMillis()
                        + " ms; records/s per busy core = records in (out, for a source) per"
                        + " second ÷ (busy ms/s ÷ 1000). Busy time is the wall-clock time a task"
                        + " thread was neither idle nor back-pressured: it includes waiting for a"
                        + " core when the machine is oversubscribed (see the processes' CPU), and"
                        + " leaves out work on other threads (the index's background segment"
                        + " builds, Kafka client I/O, RocksDB, asynchronous checkpointing), which"
                        + " the processes' CPU holds. Every query reaches every index subtask, so"
                        + " shard-index counts one record per query and subtask. Vertices that"
                        + " moved no records in a step are left out (the TSV has them, and"
                        + " Flink's busyTimeMsPerSecond, a view over the last 60 s updated every"
                        + " 5 s, which lags steps this short). † marks steps under "
                        + (int) ScaleReport.STEADY_SECONDS
                        + " s: Flink brings an idle task's busy time up to date only every 5 s,"
                        + " which such a step cannot average out.");
    }

    private String metricName() {
        return data.metric().name().toLowerCase(Locale.ROOT);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf(
                "[%tT] %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, format, args));
    }
}
