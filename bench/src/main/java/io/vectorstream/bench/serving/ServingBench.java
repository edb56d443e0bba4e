package io.vectorstream.bench.serving;

import static io.vectorstream.bench.BenchHost.deleteRecursively;
import static io.vectorstream.bench.BenchHost.freePort;
import static io.vectorstream.bench.BenchHost.loadAverage;

import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.data.GroundTruth;
import io.vectorstream.bench.data.IvecsFiles;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * The serving path through Kafka on a real data set: starts the whole system in this JVM ({@link
 * LocalSystem}: embedded broker, local Flink, the job with {@code config/config.yaml}, the data
 * set's dimension and metric, and the run's {@code --shards} and {@code --set} overrides, see
 * {@link JobSettings}) on free ports and a fresh data directory, then
 *
 * <ol>
 *   <li>publishes the first N base vectors with the Java client and waits for the acknowledgements,
 *       until the job's {@code vectorsIndexed} counter reaches N (the ingest rate is taken from the
 *       first publish to that moment), then until no background segment build (seal or merge) has
 *       been in flight for two seconds, so no level is measured during a build;
 *   <li>runs closed-loop query load (k=10, eventual consistency, cycling over {@code query.fvecs})
 *       at each concurrency for T seconds after a warm-up, then the same with strong consistency;
 *   <li>prints queries/s, round-trip p50/p95/p99, recall@10 against exact brute force (the stored
 *       {@code groundtruth.ivecs} for the whole set, computed here for the first N), and where time
 *       goes: the job's own time per query ({@code tookMs}) and its per-subtask search time ({@code
 *       searchLatencyMicros}), as Markdown rows labelled with {@code --label}; and writes them with
 *       the run's HNSW parameters to {@code RESULTS/serving-LABEL.tsv} for {@code
 *       bench/anchors/serving_anchor.py} (hnswlib at the same recall).
 * </ol>
 *
 * The data directory is deleted at the end; the job's log goes to {@code --log}. Usage: {@code
 * bench/run-serving.sh --data DIR [options]}; see {@link ServingOptions#USAGE}.
 */
public final class ServingBench {

    private static final int K = 10;

    private static final Duration METRICS_FETCH_INTERVAL = Duration.ofMillis(200);

    /**
     * How long no segment build may be in flight before the levels start: a few REST fetches and
     * more than the gap between one build's install and the merge it starts.
     */
    private static final Duration BUILDS_QUIET = Duration.ofSeconds(2);

    /** Classes whose origin is printed, one per module, so a run shows which build it measured. */
    private static final List<String> MODULE_CLASSES =
            List.of(
                    ServingBench.class.getName(),
                    LocalSystem.class.getName(),
                    "io.vectorstream.operators.message.Answer",
                    VectorStreamClient.class.getName(),
                    PayloadCodec.class.getName(),
                    Metric.class.getName());

    private final ServingOptions o;
    private final ServingReport report;

    /** Whether the job seals growing vectors after idle: then ingest settles with none growing. */
    private boolean sealsAfterIdle;

    /** Heap in use after the job started and answered, before the ingest. */
    private long heapBefore;

    /** The collection's shards: at rest, each holds one segment. */
    private int shards;

    /** How long ingest waits for the shards to come to rest (one segment each) after the builds. */
    private static final Duration REST_WAIT = Duration.ofMinutes(3);

    private ServingBench(ServingOptions o) {
        this.o = o;
        this.report = new ServingReport(o.label());
    }

    public static void main(String[] args) {
        ServingOptions o;
        try {
            o = ServingOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Files.createDirectories(o.log().toAbsolutePath().getParent());
            // Before any Flink class creates a logger, or the log goes to java.io.tmpdir.
            System.setProperty("vectorstream.log.file", o.log().toAbsolutePath().toString());
            new ServingBench(o).run();
            System.exit(0);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    private void run() throws Exception {
        AnnDataSet ds = AnnDataSet.read(o.data());
        int dim = ds.dimension();
        int n = o.vectors() <= 0 ? ds.base().length : Math.min(o.vectors(), ds.base().length);
        int restPort = freePort();
        Configuration conf =
                JobSettings.of(o, ds, restPort, freePort(), METRICS_FETCH_INTERVAL.toMillis());
        restPort = conf.get(RestOptions.PORT);
        sealsAfterIdle = conf.get(VectorStreamOptions.SEAL_AFTER_IDLE).toMillis() > 0;
        shards = conf.get(VectorStreamOptions.SHARDS);
        log(
                "%s: %,d of %,d base vectors x %d (%s), %,d queries; %d s per level after %d s"
                        + " warm-up; load %s",
                ds.name(),
                n,
                ds.base().length,
                dim,
                ds.metric(),
                ds.queries().length,
                o.window().toSeconds(),
                o.warmup().toSeconds(),
                loadAverage());
        List<String> settings = JobSettings.nonDefault(conf, o.overrides());
        log("job settings not at their defaults: %s", String.join(", ", settings));
        for (String name : MODULE_CLASSES) {
            Class<?> c = Class.forName(name);
            log(
                    "%s from %s",
                    c.getSimpleName(), c.getProtectionDomain().getCodeSource().getLocation());
        }
        Path truthFile = truthFile(ds, n);
        int[][] truth = IvecsFiles.read(truthFile);

        Path dataDir = Files.createTempDirectory("vectorstream-serving");
        try {
            try (LocalSystem system = LocalSystem.start(dataDir, 0, conf);
                    VectorStreamClient client =
                            VectorStreamClient.builder()
                                    .bootstrapServers(system.bootstrapServers())
                                    .defaultTimeout(Duration.ofSeconds(60))
                                    .build()) {
                JobMetrics metrics =
                        new JobMetrics(restPort, system.job().getJobID().toHexString());
                // The first query starts the client's reply reader and shows the job answering.
                client.query(ds.queries()[0], K).get(120, TimeUnit.SECONDS);
                heapBefore = heapAfterGc();
                ingest(client, metrics, ds, n);

                QueryLoad load = new QueryLoad(client, ds.queries(), truth, K);
                for (int clients : o.clients()) {
                    level(load, metrics, clients, null);
                }
                if (o.strongClients() > 0) {
                    level(load, metrics, o.strongClients(), "strong");
                }
            }
        } finally {
            deleteRecursively(dataDir);
        }

        report.printMarkdown(System.out);
        Path tsv = o.results().resolve("serving-" + o.label() + ".tsv");
        report.writeTsv(tsv, describe(ds, n, conf, settings, truthFile));
        log("wrote %s", tsv);
    }

    /** The run's {@code # key<TAB>value} lines in the TSV, for the anchor and the chart. */
    private Map<String, String> describe(
            AnnDataSet ds, int n, Configuration conf, List<String> settings, Path truthFile) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("data", o.data().toAbsolutePath().toString());
        meta.put("name", ds.name());
        meta.put("vectors", String.valueOf(n));
        meta.put("dimension", String.valueOf(ds.dimension()));
        meta.put("metric", ds.metric().name().toLowerCase(Locale.ROOT));
        meta.put("truth", truthFile.toAbsolutePath().toString());
        meta.put("index.type", conf.get(VectorStreamOptions.INDEX_TYPE));
        meta.put("hnsw.m", String.valueOf(conf.get(VectorStreamOptions.HNSW_M)));
        meta.put(
                "hnsw.ef-construction",
                String.valueOf(conf.get(VectorStreamOptions.HNSW_EF_CONSTRUCTION)));
        meta.put("settings", String.join(" ", settings));
        return meta;
    }

    /**
     * The exact top-{@value #K} of every query over the first {@code n} base vectors: the stored
     * {@code groundtruth.ivecs} if n is all of them, else computed by brute force and written to
     * {@code RESULTS/serving-LABEL-truth.ivecs}, so the hnswlib anchor scores against the same.
     */
    private Path truthFile(AnnDataSet ds, int n) throws Exception {
        if (n == ds.base().length) {
            for (int[] row : ds.truth()) {
                if (row.length < K) {
                    throw new IllegalArgumentException(
                            "groundtruth.ivecs holds " + row.length + " neighbours, need " + K);
                }
            }
            return o.data().resolve("groundtruth.ivecs");
        }
        long start = System.nanoTime();
        float[] base = GroundTruth.flatten(Arrays.asList(ds.base()).subList(0, n), ds.dimension());
        int[][] truth =
                GroundTruth.compute(
                        base,
                        ds.dimension(),
                        ds.queries(),
                        K,
                        ds.metric(),
                        Runtime.getRuntime().availableProcessors());
        Path file = o.results().resolve("serving-" + o.label() + "-truth.ivecs");
        Files.createDirectories(o.results());
        IvecsFiles.write(file, truth);
        log(
                "exact top-%d of %,d queries over the first %,d vectors in %.1f s: %s",
                K, ds.queries().length, n, secondsSince(start), file);
        return file;
    }

    /**
     * Publishes the first n base vectors, waits until all are indexed and no build is in flight,
     * and reports how long each took; the three waits share one {@code --ingest-minutes} deadline.
     */
    private void ingest(VectorStreamClient client, JobMetrics metrics, AnnDataSet ds, int n)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + o.ingestTimeout().toNanos();
        CompletableFuture<Void> acks = BaseVectors.publish(client, ds.base(), 0, n);
        try {
            acks.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            double acked = secondsSince(start);
            metrics.awaitSum("vectorsIndexed", n, Duration.ofNanos(deadline - System.nanoTime()));
            double indexed = secondsSince(start);
            log(
                    "ingest: acked after %.1f s, indexed after %.1f s; waiting for builds",
                    acked, indexed);
            Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            // Measure the index at rest, not during the merges that bring it there.
            long buildsEnded =
                    sealsAfterIdle
                            ? metrics.awaitAtRest(shards, BUILDS_QUIET, REST_WAIT, remaining)
                            : metrics.awaitBuildsSettled(BUILDS_QUIET, remaining, false);
            double settled = Math.max(indexed, (buildsEnded - start) / 1e9);
            // The whole job runs in this JVM (broker, Flink, index): its heap growth per vector
            // after a full GC, next to the segments' own estimate (RocksDB is off the heap).
            long heapGrowth = heapAfterGc() - heapBefore;
            String segments =
                    String.format(
                            "%,d growing vectors, %d sealed segments, %d builds, %d tier-downs,"
                                    + " %,d throttled writes; heap per vector: %.0f B whole JVM,"
                                    + " %.0f B segments' estimate",
                            metrics.sum("growingVectors"),
                            metrics.sum("sealedSegments"),
                            metrics.sum("graphBuilds"),
                            metrics.sum("tierDowns"),
                            metrics.sum("throttledWrites"),
                            (double) heapGrowth / n,
                            (double) metrics.sum("memoryBytes") / n);
            log(
                    "ingest: builds settled %.1f s later, %.1f s after the first publish (%s)",
                    settled - indexed, settled, segments);
            report.ingest(
                    new ServingReport.Ingest(
                            n,
                            ds.dimension(),
                            ds.metric().name().toLowerCase(Locale.ROOT),
                            acked,
                            indexed,
                            settled,
                            segments));
        } catch (TimeoutException | IllegalStateException e) {
            throw new IllegalStateException(
                    String.format(
                            "ingest of %,d vectors not done within --ingest-minutes %d (%s);"
                                    + " vectorsIndexed %,d, buildsInFlight %d",
                            n,
                            o.ingestTimeout().toMinutes(),
                            e.getMessage() == null ? "acks pending" : e.getMessage(),
                            metrics.sum("vectorsIndexed"),
                            metrics.sum("buildsInFlight")),
                    e);
        }
    }

    /** Heap in use after full collections (this JVM runs the whole job). */
    private static long heapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    /** Runs one load level and adds it to the report. */
    private void level(QueryLoad load, JobMetrics metrics, int clients, String consistency)
            throws Exception {
        QueryLoad.Result r = load.run(clients, consistency, o.warmup(), o.window());
        // The slower subtask's median over its last 1000 searches: this level's if it ran as many.
        long searchP50 = metrics.freshMax("searchLatencyMicros_median", METRICS_FETCH_INTERVAL);
        long searchP99 = metrics.max("searchLatencyMicros_p99");
        String row = report.level(new ServingReport.Level(r, searchP50, searchP99));
        log(
                "%s (%,d queries in %.1f s; load %s)",
                row, r.sortedMicros().length, r.seconds(), loadAverage());
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }
}
