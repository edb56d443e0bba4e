package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system as {@code bin/vectorstream local} runs it (config/config.yaml, web UI on 8081,
 * Prometheus reporter on 9249), driven through the Java client: the dashboard's REST API shows the
 * running job, and the Prometheus endpoint has every metric the README lists, with values that
 * match the traffic. When a developer's own local system holds those ports, the test takes free
 * ones the way {@code --ui-port} and {@code --metrics-port} would.
 */
class LocalSystemITCase {

    private static final String PREFIX = "flink_taskmanager_job_task_operator_vectorstream_";
    private static final int DIM = 16;
    private static final int VECTORS = 600;
    private static final int QUERIES = 30;

    @TempDir static Path tmp;

    private static int uiPort;
    private static int metricsPort;
    private static LocalSystem system;
    private static VectorStreamClient client;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        boolean defaults = isFree(8081) && isFree(9249);
        uiPort = defaults ? 8081 : freePort();
        metricsPort = defaults ? 9249 : freePort();
        LocalLauncher.Settings s =
                LocalLauncher.parse(
                        new String[] {
                            "--data-dir", tmp.toString(),
                            "--config-dir", Path.of("..", "config").toString(),
                            "--ui-port", String.valueOf(uiPort),
                            "--metrics-port", String.valueOf(metricsPort),
                            "--set", "vectorstream.index.seal-size=100"
                        });
        Configuration conf = LocalLauncher.flinkConfiguration(s);
        system = LocalSystem.start(tmp, 0, conf);
        client =
                VectorStreamClient.builder()
                        .bootstrapServers(system.bootstrapServers())
                        .defaultTimeout(Duration.ofSeconds(30))
                        .build();
        drive();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (system != null) {
            system.close();
        }
    }

    /** 600 upserts, 1 record and 2 queries that are rejected, 30 queries (the last one strong). */
    private static void drive() throws Exception {
        Random rnd = new Random(9);
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < VECTORS; i++) {
            acks.add(client.upsert("v" + i, vector(rnd, DIM), Map.of("i", String.valueOf(i))));
        }
        acks.add(client.upsert("wrong", vector(rnd, DIM + 1), Map.of()));
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int q = 0; q < QUERIES; q++) {
            QueryResponse r =
                    client.query(
                                    QueryRequest.newBuilder()
                                            .setQueryId(UUID.randomUUID().toString())
                                            .setVector(FloatVectors.toBytes(vector(rnd, DIM)))
                                            .setK(5)
                                            .setConsistency(q == QUERIES - 1 ? "strong" : null)
                                            .build())
                            .get(60, TimeUnit.SECONDS);
            assertThat(r.getError()).isNull();
        }
        QueryResponse badK =
                client.query(
                                QueryRequest.newBuilder()
                                        .setQueryId(UUID.randomUUID().toString())
                                        .setVector(FloatVectors.toBytes(vector(rnd, DIM)))
                                        .setK(0)
                                        .build())
                        .get(60, TimeUnit.SECONDS);
        assertThat(badK.getError().getCode()).isEqualTo("BAD_K");
        QueryResponse unknown = client.query("nope", vector(rnd, DIM), 5).get(60, TimeUnit.SECONDS);
        assertThat(unknown.getError().getCode()).isEqualTo("UNKNOWN_COLLECTION");
    }

    @Test
    void dashboardRestApiShowsTheRunningJob() throws Exception {
        JsonNode overview = getJson("http://localhost:" + uiPort + "/overview");
        assertThat(overview.path("taskmanagers").asInt()).isEqualTo(1);
        assertThat(overview.path("jobs-running").asInt()).isEqualTo(1);
        assertThat(overview.path("flink-version").asText()).isEqualTo("2.2.0");

        JsonNode jobs = getJson("http://localhost:" + uiPort + "/jobs/overview").path("jobs");
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).path("name").asText()).isEqualTo("vectorstream");
        assertThat(jobs.get(0).path("state").asText()).isEqualTo("RUNNING");
        assertThat(jobs.get(0).path("tasks").path("running").asInt()).isPositive();
    }

    @Test
    void prometheusEndpointHasTheDocumentedMetricsWithSaneValues() throws Exception {
        // The reporter shows live values; wait until the index counted every write and its memory
        // gauge (refreshed on every write) caught up with them.
        Metrics m =
                awaitMetrics(
                        x ->
                                x.sum("vectorsIndexed") >= VECTORS
                                        && x.sum("memoryBytes") > VECTORS * DIM * 4L);

        assertThat(m.sum("vectorsIndexed")).isEqualTo(VECTORS);
        assertThat(m.sum("vectorsDeleted")).isZero();
        assertThat(m.sum("liveVectors")).isEqualTo(VECTORS);
        assertThat(m.series("collection_shard_liveVectors"))
                .as("one series per shard of the configured collection")
                .hasSize(VectorStreamOptions.SHARDS.defaultValue())
                .allSatisfy(s -> assertThat(s.labels()).containsEntry("collection", "default"));
        assertThat(m.sum("collection_shard_liveVectors")).isEqualTo(VECTORS);
        assertThat(m.sum("memoryBytes")).isGreaterThan(VECTORS * DIM * 4L);
        assertThat(m.sum("collection_shard_memoryBytes")).isEqualTo(m.sum("memoryBytes"));
        assertThat(m.sum("growingVectors") + m.sum("sealedSegments")).isPositive();
        assertThat(m.series("tombstones")).isNotEmpty();
        assertThat(m.series("shardsHeld")).isNotEmpty();
        assertThat(m.sum("shardsHeld")).isEqualTo((long) VectorStreamOptions.SHARDS.defaultValue());
        assertThat(m.series("graphBuilds")).isNotEmpty();
        assertThat(m.series("segmentLoads")).isNotEmpty();
        assertThat(m.series("buildsInFlight")).isNotEmpty();
        assertThat(m.series("sealMillis_count")).isNotEmpty();
        assertThat(m.series("compactionMillis_count")).isNotEmpty();

        // Rejections, by reason.
        assertThat(m.sum("recordsRejected")).isEqualTo(1);
        assertThat(m.value("reason_recordsRejected", Map.of("reason", "WRONG_DIMENSION")))
                .isEqualTo(1);
        assertThat(m.sum("queriesRejected")).isEqualTo(2);
        assertThat(m.value("reason_queriesRejected", Map.of("reason", "BAD_K"))).isEqualTo(1);
        assertThat(m.value("reason_queriesRejected", Map.of("reason", "UNKNOWN_COLLECTION")))
                .isEqualTo(1);

        // Latencies: per index instance, and end to end at the merger.
        assertThat(m.sum("searchLatencyMicros_count")).isGreaterThanOrEqualTo(2 * QUERIES);
        assertThat(m.series("searchLatencyMicros"))
                .filteredOn(s -> "0.99".equals(s.labels().get("quantile")))
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.value()).isPositive());
        assertThat(m.sum("queriesAnswered")).isEqualTo(QUERIES);
        assertThat(m.sum("queriesIncomplete")).isZero();
        assertThat(m.sum("queryLatencyMs_count")).isEqualTo(QUERIES);
        assertThat(m.series("queryLatencyMs"))
                .filteredOn(s -> "0.99".equals(s.labels().get("quantile")))
                .as("one per merger subtask")
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.value()).isBetween(0.0, 30_000.0))
                .anySatisfy(s -> assertThat(s.value()).isPositive());

        // Freshness: publish to searchable, for every write.
        assertThat(m.sum("freshnessLagMs_count")).isEqualTo(VECTORS);
        assertThat(m.series("freshnessLagMs"))
                .filteredOn(s -> "0.5".equals(s.labels().get("quantile")))
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.value()).isBetween(0.0, 60_000.0));

        assertThat(m.value("collections", Map.of())).isEqualTo(1);
        // Each vector validator instance pins the dimension from the first vector it accepted.
        assertThat(m.series("dimension"))
                .isNotEmpty()
                .allSatisfy(sample -> assertThat(sample.value()).isEqualTo(DIM));
    }

    // ------------------------------------------------------------------------------ helpers

    private interface Ready {
        boolean test(Metrics m);
    }

    private static Metrics awaitMetrics(Ready ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Metrics m = scrape();
        while (!ready.test(m) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            m = scrape();
        }
        return m;
    }

    private static Metrics scrape() throws IOException, InterruptedException {
        return Metrics.parse(get("http://localhost:" + metricsPort + "/metrics"));
    }

    /** One Prometheus sample. */
    record Sample(Map<String, String> labels, double value) {}

    /** Our samples of one scrape, by name without the {@link #PREFIX}. */
    record Metrics(Map<String, List<Sample>> byName) {
        private static final Pattern LINE =
                Pattern.compile("^" + PREFIX + "(\\w+)\\{(.*)}\\s+(\\S+)$");
        private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        static Metrics parse(String text) {
            Map<String, List<Sample>> out = new HashMap<>();
            for (String line : text.split("\n")) {
                Matcher l = LINE.matcher(line);
                if (!l.matches()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                Matcher lab = LABEL.matcher(l.group(2));
                while (lab.find()) {
                    labels.put(lab.group(1), lab.group(2));
                }
                out.computeIfAbsent(l.group(1), k -> new ArrayList<>())
                        .add(new Sample(labels, Double.parseDouble(l.group(3))));
            }
            return new Metrics(out);
        }

        List<Sample> series(String name) {
            return byName.getOrDefault(name, List.of());
        }

        /** The sum over every series of {@code name} (subtasks, shards), quantiles excluded. */
        long sum(String name) {
            return Math.round(
                    series(name).stream()
                            .filter(s -> !s.labels().containsKey("quantile"))
                            .mapToDouble(Sample::value)
                            .sum());
        }

        /** The one series of {@code name} whose labels include {@code labels}. */
        double value(String name, Map<String, String> labels) {
            List<Sample> matching =
                    series(name).stream()
                            .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                            .toList();
            assertThat(matching).as("%s %s", name, labels).hasSize(1);
            return matching.get(0).value();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static JsonNode getJson(String url) throws IOException, InterruptedException {
        return new ObjectMapper().readTree(get(url));
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static float[] vector(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
