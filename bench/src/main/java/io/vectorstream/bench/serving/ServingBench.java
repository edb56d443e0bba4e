package io.vectorstream.bench.serving;

import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.data.Flags;
import io.vectorstream.bench.data.GroundTruth;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * The serving path through Kafka on a real data set: starts the whole system in this JVM ({@link
 * LocalSystem}: embedded broker, local Flink, the job with {@code config/config.yaml} and the data
 * set's dimension and metric) on free ports and a fresh data directory, then
 *
 * <ol>
 *   <li>publishes N base vectors with the Java client and waits for the acknowledgements, until the
 *       job's {@code vectorsIndexed} counter reaches N (the ingest rate is taken from the first
 *       publish to that moment), then until no segment build is in flight;
 *   <li>runs closed-loop query load (k=10, eventual consistency, cycling over {@code query.fvecs})
 *       at each concurrency for T seconds after a warm-up, then the same with strong consistency;
 *   <li>prints queries/s, round-trip p50/p95/p99, recall@10 against {@code groundtruth.ivecs}, and
 *       where time goes: the job's own time per query ({@code tookMs}) and its per-subtask search
 *       time ({@code searchLatencyMicros}), as Markdown rows labelled with {@code --label}.
 * </ol>
 *
 * The data directory is deleted at the end; the job's log goes to {@code --log}. Usage: {@code
 * bench/run-serving.sh --data DIR [options]}; see {@link #USAGE}.
 */
public final class ServingBench {

    private static final String USAGE =
            "bench/run-serving.sh --data DIR [--vectors N (0 = all)] [--seconds 20]"
                    + " [--warmup-seconds 5] [--clients 1,8,32] [--strong-clients 8]"
                    + " [--parallelism 2] [--label NAME] [--log FILE] [--config-dir config]";

    private static final int K = 10;

    private static final Duration METRICS_FETCH_INTERVAL = Duration.ofMillis(200);

    /** Classes whose origin is printed, one per module, so a run shows which build it measured. */
    private static final List<String> MODULE_CLASSES =
            List.of(
                    ServingBench.class.getName(),
                    LocalSystem.class.getName(),
                    "io.vectorstream.operators.merge.Answer",
                    VectorStreamClient.class.getName(),
                    PayloadCodec.class.getName(),
                    Metric.class.getName());

    private record Options(
            Path data,
            int vectors,
            Duration window,
            Duration warmup,
            int[] clients,
            int strongClients,
            int parallelism,
            String label,
            Path log,
            Path configDir) {

        static Options parse(String[] args) {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "data",
                                    "vectors",
                                    "seconds",
                                    "warmup-seconds",
                                    "clients",
                                    "strong-clients",
                                    "parallelism",
                                    "label",
                                    "log",
                                    "config-dir"),
                            USAGE);
            String data = f.string("data", "");
            if (data.isEmpty()) {
                throw new IllegalArgumentException("--data DIR is required\n" + USAGE);
            }
            return new Options(
                    Paths.get(data),
                    f.integer("vectors", 0),
                    Duration.ofSeconds(f.integer("seconds", 20)),
                    Duration.ofSeconds(f.integer("warmup-seconds", 5)),
                    Arrays.stream(f.string("clients", "1,8,32").split(","))
                            .mapToInt(s -> Integer.parseInt(s.trim()))
                            .toArray(),
                    f.integer("strong-clients", 8),
                    f.integer("parallelism", 2),
                    f.string("label", "run"),
                    Paths.get(f.string("log", "bench/results/serving.log")),
                    Paths.get(f.string("config-dir", "config")));
        }
    }

    private final Options o;

    private ServingBench(Options o) {
        this.o = o;
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
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
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    /** The id base vector {@code ordinal} is published under. */
    static String id(int ordinal) {
        return "v" + ordinal;
    }

    /** The ordinal of a hit's id, as published by {@link #id(int)}. */
    static int ordinal(String id) {
        return Integer.parseInt(id.substring(1));
    }

    private void run() throws Exception {
        AnnDataSet ds = AnnDataSet.read(o.data());
        int dim = ds.dimension();
        int n = o.vectors() <= 0 ? ds.base().length : Math.min(o.vectors(), ds.base().length);
        int[][] truth = truth(ds, n);
        log(
                "%s: %,d of %,d base vectors x %d (%s), %,d queries; %s per level after %s"
                        + " warm-up; load %s",
                ds.name(),
                n,
                ds.base().length,
                dim,
                ds.metric(),
                ds.queries().length,
                o.window(),
                o.warmup(),
                loadAverage());
        for (String name : MODULE_CLASSES) {
            Class<?> c = Class.forName(name);
            log(
                    "%s from %s",
                    c.getSimpleName(), c.getProtectionDomain().getCodeSource().getLocation());
        }

        Path dataDir = Files.createTempDirectory("vectorstream-serving");
        List<String> rows = new ArrayList<>();
        String ingestRow;
        try {
            int restPort = freePort();
            Configuration conf = configuration(ds, restPort);
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
                ingestRow = ingest(client, metrics, ds, n);

                QueryLoad load = new QueryLoad(client, ds.queries(), truth, K);
                for (int clients : o.clients()) {
                    rows.add(level(load, metrics, clients, null));
                }
                rows.add(level(load, metrics, o.strongClients(), "strong"));
            }
        } finally {
            deleteRecursively(dataDir);
        }

        System.out.println();
        System.out.println(
                "| run | clients | consistency | queries/s | p50 ms | p95 ms | p99 ms | recall@10 |"
                        + " in-job p50 / p99 ms | index search p50 ms | refused / partial /"
                        + " failed |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println("| run | ingest | vectors/s, first publish to all indexed |");
        System.out.println("|---|---|---|");
        System.out.println(ingestRow);
    }

    /** The ground truth of the first {@code n} base vectors: the stored one if n is all of them. */
    private static int[][] truth(AnnDataSet ds, int n) throws Exception {
        if (n == ds.base().length) {
            for (int[] row : ds.truth()) {
                if (row.length < K) {
                    throw new IllegalArgumentException(
                            "groundtruth.ivecs holds " + row.length + " neighbours, need " + K);
                }
            }
            return ds.truth();
        }
        float[] base = GroundTruth.flatten(Arrays.asList(ds.base()).subList(0, n), ds.dimension());
        return GroundTruth.compute(
                base,
                ds.dimension(),
                ds.queries(),
                K,
                ds.metric(),
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@code config.yaml} as it is, with the data set's dimension and metric, the local launcher's
     * parallelism, and this run's own free ports on this machine.
     */
    private Configuration configuration(AnnDataSet ds, int restPort) throws IOException {
        Configuration conf = GlobalConfiguration.loadConfiguration(o.configDir().toString());
        conf.setString("vectorstream.collection.dimension", String.valueOf(ds.dimension()));
        conf.setString(
                "vectorstream.collection.metric", ds.metric().name().toLowerCase(Locale.ROOT));
        conf.setString("parallelism.default", String.valueOf(o.parallelism()));
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(o.parallelism()));
        conf.setString("rest.bind-address", "localhost");
        conf.setString("rest.port", String.valueOf(restPort));
        conf.setString("metrics.reporter.prom.port", String.valueOf(freePort()));
        // REST metrics at most 200 ms old while polled (Flink's default is 10 s), so the ingest's
        // end is sharp to about 0.2 s.
        conf.setString(
                "metrics.fetcher.update-interval",
                String.valueOf(METRICS_FETCH_INTERVAL.toMillis()));
        return conf;
    }

    /** Publishes the first n base vectors and waits until all are indexed; the Markdown row. */
    private String ingest(VectorStreamClient client, JobMetrics metrics, AnnDataSet ds, int n)
            throws Exception {
        long start = System.nanoTime();
        List<CompletableFuture<?>> acks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            acks.add(client.upsert(id(i), ds.base()[i], Map.of("ordinal", String.valueOf(i))));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
        double acked = secondsSince(start);
        metrics.awaitSum("vectorsIndexed", n, Duration.ofMinutes(30));
        double indexed = secondsSince(start);
        metrics.awaitBuildsSettled();
        double settled = secondsSince(start);
        String segments =
                String.format(
                        "%,d growing, %d sealed segments, %d builds",
                        metrics.sum("growingVectors"),
                        metrics.sum("sealedSegments"),
                        metrics.sum("graphBuilds"));
        log(
                "ingest: acked after %.1f s, indexed after %.1f s, builds settled after %.1f s"
                        + " (%s)",
                acked, indexed, settled, segments);
        return String.format(
                "| %s | %,d x %d, %s | %,.0f (%.1f s; publish acked %,.0f/s; %s) |",
                o.label(),
                n,
                ds.dimension(),
                ds.metric().name().toLowerCase(Locale.ROOT),
                n / indexed,
                indexed,
                n / acked,
                segments);
    }

    /** One load level; the Markdown row. */
    private String level(QueryLoad load, JobMetrics metrics, int clients, String consistency)
            throws Exception {
        QueryLoad.Result r = load.run(clients, consistency, o.warmup(), o.window());
        // The slower subtask's median over its last 1000 searches: this level's if it ran as many.
        long searchMicros = metrics.freshMax("searchLatencyMicros_median", METRICS_FETCH_INTERVAL);
        String row =
                String.format(
                        "| %s | %d | %s | %,.0f | %.1f | %.1f | %.1f | %.4f | %d / %d | %.1f | %d"
                                + " / %d / %d |",
                        o.label(),
                        r.clients(),
                        r.consistency(),
                        r.queriesPerSecond(),
                        r.roundTripMs(0.50),
                        r.roundTripMs(0.95),
                        r.roundTripMs(0.99),
                        r.recall(),
                        r.tookMs(0.50),
                        r.tookMs(0.99),
                        searchMicros / 1000.0,
                        r.errors(),
                        r.incomplete() - r.errors(),
                        r.failed());
        log(
                "%s (%,d queries in %.1f s; load %s)",
                row, r.sortedMicros().length, r.seconds(), loadAverage());
        return row;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }
}
