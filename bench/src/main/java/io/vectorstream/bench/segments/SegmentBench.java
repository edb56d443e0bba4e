package io.vectorstream.bench.segments;

import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.data.Flags;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.SegmentType;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.vector.Metric;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * Segmented shard state end to end (issue 4): the whole system in this JVM (embedded broker, local
 * Flink with RocksDB and checkpoints every 10 s from config/config.yaml, the job), fed a data set
 * written by {@code bench/make-ann-data.sh}. It measures, in order:
 *
 * <ol>
 *   <li>ingest at full speed: publish acknowledged, all searchable, all sealed (nothing growing),
 *       builds settled (compactions done too) (vectors/s);
 *   <li>ingest paced at half the settled rate while one client queries: round-trip p50/p99, and
 *       freshness (publish to first answer that returns the vector) of probe vectors;
 *   <li>recall@10 through Kafka against the exact ground truth, memory per vector, checkpoint
 *       sizes;
 *   <li>restore: the system restarted on its last checkpoint, time to the first answer (every shard
 *       loaded), with the job's graph build and segment load counters;
 *   <li>the index core alone on the same data: the same segments rebuilt (the cost a restore that
 *       rebuilt would pay, and the yardstick for ingest), and memory and recall per memory tier.
 * </ol>
 *
 * Prints Markdown for BENCHMARKS.md. Usage: {@code bench/run-segments.sh --data DIR [options]}.
 */
public final class SegmentBench {

    private static final String USAGE =
            "bench/run-segments.sh --data DIR [--vectors N] [--fast-fraction 0.8] [--seal-size"
                    + " 20000] [--index hnsw] [--tier full] [--m 16] [--ef-construction 100]"
                    + " [--ef-search 64] [--nprobe 16] [--rerank 100] [--parallelism 2]"
                    + " [--build-threads 1] [--shards 8] [--paced-seconds 60] [--tiers"
                    + " hnsw/full,ivf-pq/full,ivf-pq/pq-codes] [--config-dir config]";

    /** How long no segment build may be in flight for the builds to count as settled. */
    private static final Duration BUILDS_QUIET = Duration.ofMillis(900);

    private record Options(
            Path data,
            int vectors,
            double fastFraction,
            int sealSize,
            String index,
            String tier,
            int m,
            int efConstruction,
            int efSearch,
            int nprobe,
            int rerank,
            int parallelism,
            int buildThreads,
            int shards,
            int pacedSeconds,
            String tiers,
            Path configDir) {}

    private final Options o;
    private final AnnDataSet ds;
    private final int n;
    private final StringBuilder md = new StringBuilder();

    private SegmentBench(Options o, AnnDataSet ds) {
        this.o = o;
        this.ds = ds;
        this.n = o.vectors() <= 0 ? ds.base().length : Math.min(o.vectors(), ds.base().length);
    }

    public static void main(String[] args) {
        try {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "data",
                                    "vectors",
                                    "fast-fraction",
                                    "seal-size",
                                    "index",
                                    "tier",
                                    "m",
                                    "ef-construction",
                                    "ef-search",
                                    "nprobe",
                                    "rerank",
                                    "parallelism",
                                    "build-threads",
                                    "shards",
                                    "paced-seconds",
                                    "tiers",
                                    "config-dir"),
                            USAGE);
            Options o =
                    new Options(
                            Paths.get(f.string("data", "")),
                            f.integer("vectors", 0),
                            f.real("fast-fraction", 0.8),
                            f.integer("seal-size", 20_000),
                            f.string("index", "hnsw"),
                            f.string("tier", "full"),
                            f.integer("m", 16),
                            f.integer("ef-construction", 100),
                            f.integer("ef-search", 64),
                            f.integer("nprobe", 16),
                            f.integer("rerank", 100),
                            f.integer("parallelism", 2),
                            f.integer("build-threads", 1),
                            f.integer("shards", 8),
                            f.integer("paced-seconds", 60),
                            f.string("tiers", "hnsw/full,ivf-pq/full,ivf-pq/pq-codes"),
                            Paths.get(f.string("config-dir", "config")));
            new SegmentBench(o, AnnDataSet.read(o.data())).run();
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    private void run() throws Exception {
        int dim = ds.dimension();
        Path dataDir = Files.createTempDirectory("vectorstream-segbench");
        System.setProperty("vectorstream.log.file", dataDir.resolve("bench.log").toString());
        int restPort = freePort();
        Configuration conf = jobConfiguration(dim, restPort);
        log(
                "%s: %,d x %d (%s), seal size %,d, %s/%s, parallelism %d x %d build threads, data"
                        + " in %s",
                ds.name(),
                n,
                dim,
                ds.metric(),
                o.sealSize(),
                o.index(),
                o.tier(),
                o.parallelism(),
                o.buildThreads(),
                dataDir);
        int fast = (int) (n * o.fastFraction());
        double maxRate;
        double sealedRate;
        double restRate;
        long sealedBuilds;
        try (LocalSystem system = LocalSystem.start(dataDir, 0, conf);
                VectorStreamClient client = client(system)) {
            JobMetrics metrics = new JobMetrics(restPort, system.job().getJobID().toHexString());
            client.query(ds.queries()[0], 1).get(120, TimeUnit.SECONDS);

            // 1. Full speed.
            long start = System.nanoTime();
            publish(client, 0, fast, 0);
            double acked = secondsSince(start);
            metrics.awaitSum("vectorsIndexed", fast, Duration.ofHours(2));
            double searchable = secondsSince(start);
            // Every vector in a sealed segment: nothing growing (the last few below the seal size
            // are sealed after seal-after-idle). Compactions may still run.
            metrics.awaitSumAtMost("growingVectors", 0, Duration.ofHours(2));
            double sealed = secondsSince(start);
            long sealBuilds = metrics.sum("graphBuilds");
            double rest =
                    (metrics.awaitBuildsSettled(BUILDS_QUIET, Duration.ofHours(2)) - start) / 1e9;
            long sealedVectors = metrics.sum("liveVectors") - metrics.sum("growingVectors");
            sealedRate = fast / sealed;
            restRate = fast / rest;
            maxRate = Math.min(sealedRate, restRate);
            row(f("ingest %,d: publish acknowledged", fast), f("%,.0f vectors/s", fast / acked));
            row(
                    f("ingest %,d: all searchable", fast),
                    f("%,.0f vectors/s (%.1f s)", fast / searchable, searchable));
            row(
                    f(
                            "ingest %,d: all sealed, nothing growing (%d builds installed by then)",
                            fast, sealBuilds),
                    f("%,.0f vectors/s (%.1f s)", sealedRate, sealed));
            row(
                    f(
                            "ingest %,d: builds settled (%,d in %d sealed segments, %d builds)",
                            fast,
                            sealedVectors,
                            metrics.sum("sealedSegments"),
                            metrics.sum("graphBuilds")),
                    f("%,.0f vectors/s (%.1f s)", restRate, rest));

            // 2. Half speed with a querying client and freshness probes.
            paced(client, metrics, fast, maxRate / 2);
            metrics.awaitSum("vectorsIndexed", n, Duration.ofHours(2));
            metrics.awaitBuildsSettled(BUILDS_QUIET, Duration.ofHours(2));
            sealedBuilds = metrics.sum("graphBuilds");

            // 3. Recall, memory, checkpoints.
            double recall = recallThroughKafka(client);
            long live = metrics.sum("liveVectors");
            long memory = metrics.sum("memoryBytes");
            row(
                    f(
                            "recall@10 through Kafka over %,d vectors (ef %d / nprobe %d, rerank"
                                    + " %d)",
                            n, o.efSearch(), o.nprobe(), o.rerank()),
                    f("%.3f", recall));
            row(
                    f("index memory in the job (%s, %s tier)", o.index(), o.tier()),
                    f(
                            "%,d bytes/vector (%,d live, %d sealed segments, %,d growing)",
                            live == 0 ? 0 : memory / live,
                            live,
                            metrics.sum("sealedSegments"),
                            metrics.sum("growingVectors")));
            row(
                    "task-thread pause per build install (installMillis, worst subtask)",
                    f(
                            "p50 %d ms / p99 %d ms / max %d ms",
                            metrics.max("installMillis_median"),
                            metrics.max("installMillis_p99"),
                            metrics.max("installMillis_max")));
            long before = metrics.latestCheckpoint();
            while (metrics.latestCheckpoint() < before + 2) {
                Thread.sleep(500); // two complete checkpoints after everything was sealed
            }
            checkpointTable(metrics, metrics.checkpoints());
        }

        // 4. Restore from the checkpoint just taken.
        long restoreStart = System.nanoTime();
        try (LocalSystem system = LocalSystem.start(dataDir, 0, conf);
                VectorStreamClient client = client(system)) {
            double running = secondsSince(restoreStart);
            QueryResponse first = client.query(ds.queries()[0], 10).get(300, TimeUnit.SECONDS);
            double answered = secondsSince(restoreStart);
            JobMetrics metrics = new JobMetrics(restPort, system.job().getJobID().toHexString());
            // The REST metrics of the new job appear with the fetcher's next rounds; a counter that
            // is not reported yet reads 0, so wait for the loads the first answer caused.
            long reportedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (metrics.sum("segmentLoads") == 0 && System.nanoTime() < reportedBy) {
                Thread.sleep(200);
            }
            row(
                    f(
                            "restore %,d vectors from %s: job running",
                            n, system.resumedFrom().map(Path::getFileName).orElse(null)),
                    f("%.1f s", running));
            row(
                    f(
                            "restore: first answer (every shard loaded; %d hits)",
                            first.getHits().size()),
                    f("%.1f s (in-job %d ms)", answered, first.getTookMs()));
            row(
                    "restore: graph builds / segment loads",
                    f("%d / %d", metrics.sum("graphBuilds"), metrics.sum("segmentLoads")));
            row("recall@10 after restore", f("%.3f", recallThroughKafka(client)));
        }

        // 5. The index core alone on the same data.
        ShardRouter router = new ShardRouter(o.shards(), 128);
        int threads = o.parallelism() * o.buildThreads();
        SegmentSpec spec = spec(SegmentType.parse(o.index()), dim);
        StandaloneSegments.Built same =
                StandaloneSegments.build(ds.base(), n, router, o.sealSize(), spec, threads);
        row(
                f(
                        "rebuild the same %d segments (%,d vectors) standalone, %d threads",
                        same.segments().size(), same.sealedVectors(), threads),
                f(
                        "%.1f s (%,.0f vectors/s)",
                        same.wallSeconds(), same.sealedVectors() / same.wallSeconds()));
        row(
                f(
                        "ingest into sealed segments / standalone build of seal-size segments (%d"
                                + " builds in the job)",
                        sealedBuilds),
                f("%.2f", sealedRate / (same.sealedVectors() / same.wallSeconds())));
        // The job merges each shard into one segment at rest: building that is the cost a rebuild
        // of what the job serves would pay, and what its ingest did, seals and merges included.
        StandaloneSegments.Built atRest =
                StandaloneSegments.build(ds.base(), fast, router, 0, spec, threads);
        row(
                f(
                        "build one segment per shard of the first %,d (the job's geometry at rest)"
                                + " standalone, %d threads",
                        fast, threads),
                f("%.1f s (%,.0f vectors/s)", atRest.wallSeconds(), fast / atRest.wallSeconds()));
        row(
                "ingest to builds settled / standalone build of the geometry at rest",
                f("%.2f", restRate / (fast / atRest.wallSeconds())));
        Map<SegmentType, StandaloneSegments.Built> builtByType = new EnumMap<>(SegmentType.class);
        builtByType.put(spec.type(), same);
        for (String tierSpec : o.tiers().split(",")) {
            String[] parts = tierSpec.split("/");
            SegmentSpec ts = spec(SegmentType.parse(parts[0]), dim);
            MemoryTier tier = MemoryTier.parse(parts[1]);
            StandaloneSegments.Built built = builtByType.get(ts.type());
            if (built == null) {
                built = StandaloneSegments.build(ds.base(), n, router, o.sealSize(), ts, threads);
                builtByType.put(ts.type(), built);
            }
            ShardSegments view = StandaloneSegments.view(built, ts, tier);
            SearchKnobs knobs = new SearchKnobs(10, o.efSearch(), o.nprobe(), o.rerank());
            double recall =
                    n == ds.base().length
                            ? StandaloneSegments.recallAt10(
                                    view, ds, knobs, StandaloneSegments.source(ds.base()))
                            : Double.NaN;
            row(
                    f("tier %s: heap bytes/vector, recall@10", tierSpec),
                    f("%,d, %.3f", view.memoryBytes() / n, recall));
        }
        System.out.println();
        System.out.println("| measure | value |");
        System.out.println("|---|---|");
        System.out.print(md);
    }

    /** Ingest at {@code rate} vectors/s while one client queries and probes freshness. */
    private void paced(VectorStreamClient client, JobMetrics metrics, int from, double rate)
            throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        List<Long> latencies = new ArrayList<>();
        Thread querier =
                new Thread(
                        () -> {
                            int q = 0;
                            while (!done.get()) {
                                long t = System.nanoTime();
                                try {
                                    client.query(ds.queries()[q++ % ds.queries().length], 10)
                                            .get(60, TimeUnit.SECONDS);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                                latencies.add((System.nanoTime() - t) / 1000);
                            }
                        },
                        "querier");
        List<Long> freshness = new ArrayList<>();
        Random rnd = new Random(11);
        Thread prober =
                new Thread(
                        () -> {
                            int p = 0;
                            while (!done.get()) {
                                try {
                                    freshness.add(probe(client, "probe-" + p++, rnd));
                                    Thread.sleep(200);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        },
                        "freshness-prober");
        querier.start();
        prober.start();
        long start = System.nanoTime();
        int end = Math.min(n, from + (int) (rate * o.pacedSeconds()));
        publish(client, from, end, rate);
        double seconds = secondsSince(start);
        done.set(true);
        querier.join();
        prober.join();
        for (int p = 0; p < freshness.size(); p++) {
            client.delete("probe-" + p);
        }
        client.flush();
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] fresh = freshness.stream().mapToLong(Long::longValue).sorted().toArray();
        row(
                f(
                        "query k=10 while ingesting %,d vectors at %,.0f/s (half the settled rate)"
                                + " for %.0f s",
                        end - from, rate, seconds),
                f(
                        "p50 %.1f ms / p99 %.1f ms (%d queries)",
                        pct(lat, 0.5) / 1000.0, pct(lat, 0.99) / 1000.0, lat.length));
        row(
                "freshness, publish to first answer holding it (same load)",
                f(
                        "p50 %.1f ms / p99 %.1f ms (%d probes)",
                        pct(fresh, 0.5) / 1000.0, pct(fresh, 0.99) / 1000.0, fresh.length));
        long[] acks = probeAcks.stream().mapToLong(Long::longValue).sorted().toArray();
        row(
                "of which the probe's publish until acknowledged (client flush)",
                f("p50 %.1f ms / p99 %.1f ms", pct(acks, 0.5) / 1000.0, pct(acks, 0.99) / 1000.0));
        if (end < n) {
            publish(client, end, n, 0); // the rest at full speed, so the restore holds all n
        }
    }

    /**
     * Publishes a probe and queries its own vector until it is the top hit: microseconds from just
     * before the publish to that answer.
     */
    /** Per probe, how long its publish took to be acknowledged (the client's flush), in µs. */
    private final List<Long> probeAcks = Collections.synchronizedList(new ArrayList<>());

    private long probe(VectorStreamClient client, String id, Random rnd) throws Exception {
        float[] v = new float[ds.dimension()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian() * 10; // far from the data: its own nearest vector
        }
        long t = System.nanoTime();
        client.upsert(id, v, Map.of());
        client.flush();
        probeAcks.add((System.nanoTime() - t) / 1000);
        while (true) {
            QueryResponse r = client.query(v, 1).get(60, TimeUnit.SECONDS);
            if (!r.getHits().isEmpty() && r.getHits().get(0).getId().equals(id)) {
                return (System.nanoTime() - t) / 1000;
            }
            if (System.nanoTime() - t > TimeUnit.SECONDS.toNanos(60)) {
                throw new IllegalStateException(id + " not searchable after 60 s");
            }
        }
    }

    /** Publishes base vectors [from, to), at {@code rate} per second or as fast as acks allow. */
    private void publish(VectorStreamClient client, int from, int to, double rate)
            throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (rate > 0) {
                long due = start + (long) ((i - from) / rate * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
            acks.add(client.upsert(StandaloneSegments.id(i), ds.base()[i], Map.of()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    }

    private double recallThroughKafka(VectorStreamClient client) throws Exception {
        if (n != ds.base().length) {
            return Double.NaN; // the ground truth is over the whole base set
        }
        int[][] found = new int[ds.queries().length][];
        for (int q = 0; q < found.length; q++) {
            QueryResponse r = client.query(ds.queries()[q], 10).get(60, TimeUnit.SECONDS);
            found[q] =
                    r.getHits().stream()
                            .mapToInt(h -> Integer.parseInt(h.getId().substring(1)))
                            .toArray();
        }
        return ds.recallAt(10, found);
    }

    private void checkpointTable(JobMetrics metrics, List<JobMetrics.Checkpoint> checkpoints)
            throws Exception {
        StringBuilder ids = new StringBuilder();
        for (JobMetrics.Checkpoint c : checkpoints) {
            long[] pauses = metrics.indexCheckpointPauses(c.id());
            ids.append(
                    String.format(
                            "%s#%d: %.1f of %.1f MB, sync %d / align %d ms",
                            ids.length() == 0 ? "" : "; ",
                            c.id(),
                            c.checkpointedSize() / 1e6,
                            c.stateSize() / 1e6,
                            pauses[0],
                            pauses[1]));
        }
        row(
                "checkpoints (uploaded of total state, incremental; the index task thread's"
                        + " longest synchronous part and alignment)",
                ids.toString());
    }

    private Configuration jobConfiguration(int dim, int restPort) {
        Configuration conf = GlobalConfiguration.loadConfiguration(o.configDir().toString());
        conf.setString("vectorstream.collection.dimension", String.valueOf(dim));
        conf.setString("vectorstream.collection.metric", ds.metric().name().toLowerCase());
        conf.setString("vectorstream.collection.shards", String.valueOf(o.shards()));
        conf.setString("vectorstream.index.type", o.index());
        conf.setString("vectorstream.index.memory-tier", o.tier());
        conf.setString("vectorstream.index.seal-size", String.valueOf(o.sealSize()));
        conf.setString("vectorstream.index.build-threads", String.valueOf(o.buildThreads()));
        conf.setString("vectorstream.index.hnsw.m", String.valueOf(o.m()));
        conf.setString(
                "vectorstream.index.hnsw.ef-construction", String.valueOf(o.efConstruction()));
        conf.setString("vectorstream.index.hnsw.ef-search", String.valueOf(o.efSearch()));
        conf.setString("vectorstream.index.ivf.nprobe", String.valueOf(o.nprobe()));
        conf.setString("vectorstream.index.ivf.rerank", String.valueOf(o.rerank()));
        conf.setString("parallelism.default", String.valueOf(o.parallelism()));
        conf.setString("rest.port", String.valueOf(restPort));
        conf.setString("metrics.fetcher.update-interval", "200");
        conf.setString("metrics.reporter.prom.port", "9250-9260");
        conf.setString("taskmanager.memory.managed.size", "512m");
        return conf;
    }

    private SegmentSpec spec(SegmentType type, int dim) {
        Metric metric = ds.metric();
        return new SegmentSpec(type, metric, dim, o.m(), o.efConstruction(), 0, 0, 25, 42);
    }

    private static VectorStreamClient client(LocalSystem system) {
        return VectorStreamClient.builder()
                .bootstrapServers(system.bootstrapServers())
                .defaultTimeout(Duration.ofSeconds(120))
                .build();
    }

    private void row(String measure, String value) {
        String line = "| " + measure + " | " + value + " |";
        md.append(line).append('\n');
        log("%s", line);
    }

    private static String f(String format, Object... args) {
        return String.format(format, args);
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    private static long pct(long[] sorted, double p) {
        return sorted.length == 0
                ? 0
                : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
