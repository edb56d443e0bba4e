package io.vectorstream.bench;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * End-to-end baseline through Kafka: starts the whole system in this JVM (embedded broker, local
 * Flink, the job with RocksDB and checkpoints from config/config.yaml), then measures
 *
 * <ol>
 *   <li>start-up: from start to the job running and the first query answered;
 *   <li>ingest: N vectors published with the client until all are searchable (vectors/s);
 *   <li>query latency through Kafka (client round trip), closed loop at 1, 8 and 64 concurrent
 *       clients: p50, p99 and the achieved queries/s.
 * </ol>
 *
 * Prints a Markdown table for BENCHMARKS.md. Usage: {@code bench/run-e2e.sh [--vectors N] [--dim D]
 * [--queries Q]}.
 */
public final class EndToEndBench {

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    private static void run(String[] args) throws Exception {
        int n = 50_000;
        int dim = 384;
        int queries = 400;
        Path configDir = Paths.get("config");
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--vectors" -> n = Integer.parseInt(args[i + 1]);
                case "--dim" -> dim = Integer.parseInt(args[i + 1]);
                case "--queries" -> queries = Integer.parseInt(args[i + 1]);
                case "--config-dir" -> configDir = Paths.get(args[i + 1]);
                default ->
                        throw new IllegalArgumentException(
                                "unknown option "
                                        + args[i]
                                        + "; use --vectors N --dim D --queries Q --config-dir DIR");
            }
        }
        Path data = Files.createTempDirectory("vectorstream-bench");
        System.setProperty("vectorstream.log.file", data.resolve("bench.log").toString());

        Configuration conf = GlobalConfiguration.loadConfiguration(configDir.toString());
        conf.setString("vectorstream.collection.dimension", String.valueOf(dim));
        conf.setString("vectorstream.query.max-k", String.valueOf(Math.max(1000, n)));
        conf.setString("parallelism.default", "2");
        int restPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            restPort = socket.getLocalPort();
        }
        conf.setString("rest.port", String.valueOf(restPort));
        conf.setString("metrics.fetcher.update-interval", "200");
        conf.setString("metrics.reporter.prom.port", "9250-9260");

        Random rnd = new Random(42);
        long t0 = System.nanoTime();
        try (LocalSystem system = LocalSystem.start(data, 0, conf);
                VectorStreamClient client =
                        VectorStreamClient.builder()
                                .bootstrapServers(system.bootstrapServers())
                                .defaultTimeout(Duration.ofSeconds(60))
                                .build()) {
            while (system.job().getJobStatus().get() != JobStatus.RUNNING) {
                Thread.sleep(20);
            }
            long running = System.nanoTime();
            client.query(randomUnit(rnd, dim), 1).get(120, TimeUnit.SECONDS);
            long firstAnswer = System.nanoTime();

            // Ingest: publish everything, then wait until a full-size query sees every vector.
            long ingestStart = System.nanoTime();
            List<CompletableFuture<?>> acks = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                acks.add(
                        client.upsert(
                                "v" + i, randomUnit(rnd, dim), Map.of("i", String.valueOf(i))));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .get(10, TimeUnit.MINUTES);
            long acked = System.nanoTime();
            // The index operator's own counter, read through Flink's REST API: querying for the
            // count would itself cost a full scan and slow the ingest being measured.
            JobMetrics metrics = new JobMetrics(restPort, system.job().getJobID().toHexString());
            while (metrics.sum("vectorsIndexed") < n) {
                Thread.sleep(50);
            }
            long searchable = System.nanoTime();
            if (count(client, dim, n) != n) {
                throw new IllegalStateException("the index does not hold all " + n + " vectors");
            }

            StringBuilder md = new StringBuilder();
            md.append(String.format("| start: job running | %.1f s |%n", secs(t0, running)));
            md.append(
                    String.format(
                            "| start: first query answered | %.1f s |%n", secs(t0, firstAnswer)));
            md.append(
                    String.format(
                            "| ingest %,d x %d-d: publish acknowledged | %,.0f vectors/s |%n",
                            n, dim, n / secs(ingestStart, acked)));
            md.append(
                    String.format(
                            "| ingest %,d x %d-d: all searchable | %,.0f vectors/s (%.1f s) |%n",
                            n,
                            dim,
                            n / secs(ingestStart, searchable),
                            secs(ingestStart, searchable)));
            for (int concurrency : new int[] {1, 8, 64}) {
                // At least 10 queries per client, so p99 is not one client's worst query.
                md.append(
                        latency(client, dim, n, Math.max(queries, 10 * concurrency), concurrency));
            }
            System.out.println();
            System.out.println("| measure | value |");
            System.out.println("|---|---|");
            System.out.print(md);
        }
    }

    /**
     * Closed loop: {@code concurrency} clients each send their next query when the last is
     * answered.
     */
    private static String latency(
            VectorStreamClient client, int dim, int n, int queries, int concurrency)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long[] micros = new long[queries];
        long[] server = new long[queries];
        Random rnd = new Random(7 + concurrency);
        float[][] qs = new float[queries][];
        for (int i = 0; i < queries; i++) {
            qs[i] = randomUnit(rnd, dim);
        }
        // Warm-up so the JIT and the Kafka connections are in steady state.
        for (int i = 0; i < 50; i++) {
            client.query(qs[i % queries], 10).get(60, TimeUnit.SECONDS);
        }
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            workers.add(
                    pool.submit(
                            () -> {
                                for (int i = worker; i < queries; i += concurrency) {
                                    long t = System.nanoTime();
                                    QueryResponse r =
                                            client.query(qs[i], 10).get(60, TimeUnit.SECONDS);
                                    micros[i] = (System.nanoTime() - t) / 1000;
                                    server[i] = r.getTookMs();
                                    if (r.getHits().size() != 10) {
                                        throw new IllegalStateException(
                                                "expected 10 hits, got " + r);
                                    }
                                }
                                return null;
                            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        double seconds = secs(start, System.nanoTime());
        pool.shutdown();
        Arrays.sort(micros);
        Arrays.sort(server);
        return String.format(
                "| query k=10 over %,d vectors, %d concurrent: round trip p50 / p99 | %.1f ms /"
                        + " %.1f ms (%.0f queries/s; in-job p50 %d ms) |%n",
                n,
                concurrency,
                micros[queries / 2] / 1000.0,
                micros[(int) (queries * 0.99)] / 1000.0,
                queries / seconds,
                server[queries / 2]);
    }

    private static int count(VectorStreamClient client, int dim, int n) throws Exception {
        QueryRequest all =
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setVector(FloatVectors.toBytes(randomUnit(new Random(), dim)))
                        .setK(n)
                        .setIncludeMetadata(false)
                        .build();
        return client.query(all).get(120, TimeUnit.SECONDS).getHits().size();
    }

    /**
     * A random unit vector (Gaussian components, normalised); also used by the cluster bench and
     * the fuzzer.
     */
    public static float[] randomUnit(RandomGenerator rnd, int dim) {
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dim; i++) {
            v[i] *= inv;
        }
        return v;
    }

    public static double secs(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }
}
