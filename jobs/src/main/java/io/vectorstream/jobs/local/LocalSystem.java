package io.vectorstream.jobs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.jobs.VectorStreamJob;
import io.vectorstream.operators.VectorStreamOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The whole system in this JVM: an embedded Kafka broker with the topics, and the job on a local
 * Flink cluster with the web UI. Used by the local launcher and by benchmarks.
 *
 * <p>A start on a data directory that holds a completed checkpoint resumes from it, so what was
 * indexed before a stop is still there (the Kafka log under the same directory holds the rest).
 */
public final class LocalSystem implements AutoCloseable {
    /** Where everything listens unless told otherwise: this machine only. */
    public static final String LOOPBACK = EmbeddedKafka.HOST;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedKafka kafka;
    private final JobClient job;
    private final Optional<Path> resumedFrom;

    private LocalSystem(EmbeddedKafka kafka, JobClient job, Optional<Path> resumedFrom) {
        this.kafka = kafka;
        this.job = job;
        this.resumedFrom = resumedFrom;
    }

    /** {@link #start(Path, String, int, Configuration)} with Kafka on 127.0.0.1. */
    public static LocalSystem start(Path dataDir, int kafkaPort, Configuration conf)
            throws Exception {
        return start(dataDir, LOOPBACK, kafkaPort, conf);
    }

    /**
     * Starts the broker on {@code kafkaBindAddress} and {@code kafkaPort} (0 = any free port),
     * creates the topics, and submits the job with {@code conf}, whose bootstrap servers and
     * checkpoint directory are set here. The web UI and metrics listen where {@code conf} says.
     */
    public static LocalSystem start(
            Path dataDir, String kafkaBindAddress, int kafkaPort, Configuration conf)
            throws Exception {
        EmbeddedKafka kafka =
                EmbeddedKafka.start(dataDir.resolve("kafka"), kafkaBindAddress, kafkaPort);
        try {
            createTopics(kafka, conf);
            Configuration jobConf = new Configuration(conf);
            jobConf.set(VectorStreamOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            jobConf.setString(
                    "execution.checkpointing.dir",
                    dataDir.resolve("checkpoints").toUri().toString());
            Optional<Path> resumeFrom = newestCheckpoint(dataDir.resolve("checkpoints"));
            resumeFrom.ifPresent(
                    p -> {
                        jobConf.setString("execution.state-recovery.path", p.toUri().toString());
                        // State of operators this version no longer has (e.g. the committers of
                        // the Flink Kafka sinks an earlier version used) is dropped, not fatal.
                        jobConf.setString(
                                "execution.state-recovery.ignore-unclaimed-state", "true");
                    });

            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(jobConf);
            VectorStreamJob.attachKafka(env, jobConf);
            JobClient job = env.executeAsync("vectorstream");
            awaitAllTasksRunning(webUrl(jobConf), job, Duration.ofMinutes(2));
            return new LocalSystem(kafka, job, resumeFrom);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
    }

    /**
     * Creates the topics {@code conf} names (idempotent): the data topics with 4 partitions; the
     * DLQ and the control topics with one, so control requests apply in the order they were
     * written.
     */
    public static void createTopics(EmbeddedKafka kafka, Configuration conf) throws Exception {
        for (var option :
                List.of(
                        VectorStreamOptions.VECTORS_TOPIC,
                        VectorStreamOptions.QUERIES_TOPIC,
                        VectorStreamOptions.RESULTS_TOPIC)) {
            kafka.createTopic(conf.get(option), 4);
        }
        for (var option :
                List.of(
                        VectorStreamOptions.DLQ_TOPIC,
                        VectorStreamOptions.COLLECTIONS_TOPIC,
                        VectorStreamOptions.COLLECTION_RESULTS_TOPIC)) {
            kafka.createTopic(conf.get(option), 1);
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The web UI's and REST API's URL as this machine reaches it, from {@code conf}. */
    public static String webUrl(Configuration conf) throws UnknownHostException {
        return "http://"
                + reachableHost(conf.get(RestOptions.BIND_ADDRESS))
                + ":"
                + conf.get(RestOptions.PORT);
    }

    /**
     * The host by which this machine reaches a socket bound to {@code bindAddress}: localhost for
     * none or a wildcard address (every interface), else the address itself.
     */
    public static String reachableHost(String bindAddress) throws UnknownHostException {
        if (bindAddress == null || bindAddress.isBlank()) {
            return "localhost";
        }
        InetAddress address = InetAddress.getByName(bindAddress);
        return address.isAnyLocalAddress() ? "localhost" : EmbeddedKafka.urlHost(address);
    }

    public JobClient job() {
        return job;
    }

    /** The checkpoint this run resumed from, if any. */
    public Optional<Path> resumedFrom() {
        return resumedFrom;
    }

    /** Cancels the job (its retained checkpoint stays on disk) and stops the broker. */
    @Override
    public void close() {
        try {
            job.cancel().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Already finished or failed: nothing left to cancel.
        } finally {
            kafka.close();
        }
    }

    /**
     * Waits until every task of the job runs (read from the web UI's REST API), so that whoever is
     * told "running" can rely on the sources reading and the index answering.
     */
    private static void awaitAllTasksRunning(String webUrl, JobClient job, Duration timeout)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(webUrl + "/jobs/" + job.getJobID());
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                JsonNode body =
                        JSON.readTree(
                                http.send(
                                                HttpRequest.newBuilder(uri).GET().build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .body());
                JsonNode vertices = body.path("vertices");
                boolean allRunning = vertices.size() > 0;
                for (JsonNode v : vertices) {
                    allRunning &= "RUNNING".equals(v.path("status").asText());
                }
                if (allRunning) {
                    return;
                }
                last = "job " + body.path("state").asText();
                if ("FAILED".equals(body.path("state").asText())) {
                    break;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "the job's tasks did not all start within "
                        + timeout
                        + " ("
                        + last
                        + "); see the log file");
    }

    /** The newest completed checkpoint (one with a {@code _metadata} file) under {@code dir}. */
    static Optional<Path> newestCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files =
                Files.find(
                        dir,
                        3,
                        (p, a) ->
                                p.getFileName().toString().equals("_metadata")
                                        && p.getParent()
                                                .getFileName()
                                                .toString()
                                                .startsWith("chk-"))) {
            return files.max(Comparator.comparingLong(LocalSystem::modified)).map(Path::getParent);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
