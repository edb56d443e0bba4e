package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.jobs.testing.JobRest;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.VectorMath;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One input of every hostile class, and the classic malformed ones, interleaved with good records
 * and queries, through the whole job on real parts: a KRaft broker from the Kafka jars, the job on
 * a Flink mini cluster with RocksDB and checkpoints. The job never restarts; every bad record is on
 * the dead-letter topic with its code; every bad query and control request is answered with its
 * error; every good record is searchable and every good query is answered correctly. Then a restore
 * with a configuration the state cannot follow is refused at once, without restarts, and the same
 * savepoint restores fine with the configuration set back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputsITCase {

    private static final int DIM = 384;
    private static final int GOOD = 800;
    private static final int PARALLELISM = 2;
    private static final String REPLIES = "hostile-replies";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir static Path tmp;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    private static EmbeddedKafka kafka;
    private static JobClient job;
    private static VectorStreamClient client;
    private static KafkaProducer<byte[], byte[]> raw;

    private static final Random rnd = new Random(20261206);

    /** The good vectors published (unit length: the collection is cosine). */
    private static final Map<String, float[]> good = new LinkedHashMap<>();

    /** Kafka key of each bad record ("" for none) → the code its dead letter must carry. */
    private static final Map<String, String> deadLetterCodes = new LinkedHashMap<>();

    /** Query or request id of each bad query or control request → the error it must get. */
    private static final Map<String, String> errorCodes = new LinkedHashMap<>();

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results", REPLIES)) {
            kafka.createTopic(t, 2);
        }
        for (String t : List.of("vectors.dlq", "collections", "collections.results")) {
            kafka.createTopic(t, 1);
        }
        client = EndToEnd.client(kafka);
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("max.request.size", String.valueOf(4 << 20)); // room for the 1.5 MB record
        raw = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (raw != null) {
            raw.close();
        }
        EndToEnd.stop(client, job, kafka);
    }

    @Test
    @Order(1)
    void hostileInputsAreRejectedOneByOneAndTheJobNeverRestarts(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        // Submitted here, not in @BeforeAll, so that it runs on the extension's mini cluster.
        job = submit(configuration("cosine"));
        JobRest rest = new JobRest(cluster.getRestAddress().get(), job.getJobID());
        rest.awaitAllTasksRunning(WAIT);
        List<Runnable> hostile = hostileInputs();

        // Good records with a hostile input after every few, and good strong queries among them,
        // each checked against exact search over what was acknowledged before it.
        List<CompletableFuture<?>> acks = new ArrayList<>();
        double recallSum = 0;
        int goodQueries = 0;
        int every = GOOD / hostile.size();
        for (int i = 0; i < GOOD; i++) {
            float[] v = unit(randomVector());
            good.put("doc-" + i, v);
            acks.add(client.upsert("doc-" + i, v, Map.of("n", String.valueOf(i))));
            if (i % every == every - 1 && i / every < hostile.size()) {
                hostile.get(i / every).run();
            }
            if (i % 40 == 39) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                float[] q = unit(randomVector());
                QueryResponse answer =
                        client.query(strong("good-" + i, q, 10)).get(60, TimeUnit.SECONDS);
                assertThat(answer.getError()).isNull();
                assertThat(answer.getComplete()).isTrue();
                recallSum += recall(answer, q);
                goodQueries++;
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(recallSum / goodQueries)
                .as("recall@10 of good queries")
                .isGreaterThanOrEqualTo(0.95);

        // k = max-k with every vector: 800 hits x 1,536 bytes is over 1 MB.
        query(
                "q-answer-too-large",
                encode(
                        query("q-answer-too-large", 1000)
                                .setIncludeVectors(true)
                                .setConsistency("strong")),
                "ANSWER_TOO_LARGE");

        // Every bad record is dead-lettered with its code, bounded, and nothing else is.
        Map<String, DeadLetter> deadLetters = readDeadLetters(deadLetterCodes.size());
        assertThat(deadLetters.keySet())
                .containsExactlyInAnyOrderElementsOf(deadLetterCodes.keySet());
        deadLetterCodes.forEach(
                (key, code) ->
                        assertThat(deadLetters.get(key).getCode())
                                .as("dead letter of %s", key)
                                .isEqualTo(code));
        DeadLetter tooLarge = deadLetters.get("bad-too-large");
        assertThat(tooLarge.getValueSize()).isEqualTo(1_500_000);
        assertThat(tooLarge.getValue().remaining()).isEqualTo(256 * 1024);

        // Every bad query and control request is answered with its error.
        Map<String, String> errors = readErrors(errorCodes.keySet());
        assertThat(errors).containsExactlyInAnyOrderEntriesOf(errorCodes);

        // Every good record is searchable: a strong query sees all of them and nothing else.
        QueryResponse all =
                client.query(
                                QueryRequest.newBuilder()
                                        .setQueryId("all")
                                        .setVector(FloatVectors.toBytes(good.get("doc-0")))
                                        .setK(1000)
                                        .setIncludeMetadata(false)
                                        .setConsistency("strong")
                                        .build())
                        .get(60, TimeUnit.SECONDS);
        assertThat(all.getComplete()).isTrue();
        assertThat(all.getHits())
                .extracting(Hit::getId)
                .containsExactlyInAnyOrderElementsOf(good.keySet());

        // Eventual queries after the hostile traffic are answered correctly too.
        double after = 0;
        for (int i = 0; i < 10; i++) {
            float[] q = unit(randomVector());
            after += recall(client.query(q, 10).get(60, TimeUnit.SECONDS), q);
        }
        assertThat(after / 10).isGreaterThanOrEqualTo(0.95);

        // A reused query id: two answers, each right for its own vector.
        assertReusedQueryIdsGetTheirOwnAnswers();

        // And the job never restarted: no failure in its history, numRestarts 0.
        assertThat(rest.failureCount()).as(rest.lastFailure()).isZero();
        assertThat(awaitNumRestarts(rest)).isZero();
        assertThat(rest.allTasksRunning()).isTrue();
    }

    @Test
    @Order(2)
    void aRestoreThatChangesTheDataLayoutIsRefusedAtOnceAndTheSameStateStillRestores(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.DEFAULT)
                        .get(60, TimeUnit.SECONDS);

        Configuration changed = configuration("euclidean");
        changed.setString("execution.state-recovery.path", savepoint);
        job = submit(changed);
        JobRest refused = new JobRest(cluster.getRestAddress().get(), job.getJobID());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!"FAILED".equals(refused.jobState()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(refused.jobState()).isEqualTo("FAILED");
        assertThat(refused.lastFailureTrace())
                .contains(
                        "vectorstream.collection.metric is EUCLIDEAN, the data was built with"
                                + " COSINE")
                .contains("--fresh");
        assertThat(refused.failureCount()).as("failed once, never restarted").isOne();

        Configuration same = configuration("cosine");
        same.setString("execution.state-recovery.path", savepoint);
        job = submit(same);
        new JobRest(cluster.getRestAddress().get(), job.getJobID()).awaitAllTasksRunning(WAIT);
        float[] q = good.get("doc-7");
        QueryResponse r = client.query(q, 1).get(60, TimeUnit.SECONDS);
        assertThat(r.getHits()).extracting(Hit::getId).containsExactly("doc-7");
    }

    // ---------------------------------------------------------------- the hostile inputs

    /** One action per hostile input; each records what the job must answer. */
    private static List<Runnable> hostileInputs() {
        List<Runnable> out = new ArrayList<>();
        // Records.
        byte[] random = new byte[200];
        rnd.nextBytes(random);
        random[0] = 1; // neither Avro's C3 01 nor JSON's '{'
        out.add(() -> record("bad-random", random, "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-truncated-avro",
                                Arrays.copyOf(avro("bad-truncated-avro", randomVector()), 40),
                                "UNDECODABLE"));
        out.add(
                () -> {
                    byte[] p = avro("bad-unknown-fingerprint", randomVector());
                    p[5] ^= 0x55;
                    record("bad-unknown-fingerprint", p, "UNKNOWN_SCHEMA");
                });
        out.add(() -> record("bad-dim", avro("bad-dim", new float[] {1, 2, 3}), "WRONG_DIMENSION"));
        out.add(
                () -> {
                    float[] v = randomVector();
                    v[7] = Float.NaN;
                    record("bad-nan", avro("bad-nan", v), "NOT_FINITE");
                });
        out.add(() -> record("bad-empty", new byte[0], "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-json",
                                utf8("{\"id\":\"bad-json\",\"vector\":[1,"),
                                "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-json-types",
                                utf8("{\"id\":\"bad-json-types\",\"vector\":\"many\"}"),
                                "BAD_FIELD"));
        out.add(() -> record("bad-key", json("someone-else", randomVector()), "KEY_MISMATCH"));
        out.add(
                () ->
                        record(
                                "bad-missing-id",
                                utf8("{\"vector\":" + Arrays.toString(randomVector()) + "}"),
                                "MISSING_ID"));
        out.add(
                () -> {
                    VectorRecord r =
                            VectorRecord.newBuilder()
                                    .setId("bad-odd-bytes")
                                    .setVector(java.nio.ByteBuffer.wrap(new byte[DIM * 4 - 1]))
                                    .build();
                    record(
                            "bad-odd-bytes",
                            PayloadCodec.encode(r, WireFormat.AVRO),
                            "BAD_VECTOR_BYTES");
                });
        out.add(
                () -> {
                    byte[] huge = new byte[1_500_000];
                    Arrays.fill(huge, (byte) ' ');
                    huge[0] = '{';
                    record("bad-too-large", huge, "TOO_LARGE");
                });
        // Avro length and count bombs: ~20 bytes claiming 2 GB.
        out.add(
                () ->
                        record(
                                "bad-string-bomb",
                                concat(
                                        header(VectorRecord.getClassSchema()),
                                        varint(2_000_000_000L)),
                                "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-bytes-bomb",
                                concat(
                                        header(VectorRecord.getClassSchema()),
                                        string("bad-bytes-bomb"),
                                        varint(0), // op UPSERT
                                        string("default"),
                                        varint(1), // vector: the bytes branch
                                        varint(2_000_000_000L)),
                                "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-map-bomb",
                                concat(
                                        header(VectorRecord.getClassSchema()),
                                        string("bad-map-bomb"),
                                        varint(0),
                                        string("default"),
                                        varint(0), // vector: null
                                        varint(2_000_000_000L)), // metadata block count
                                "UNDECODABLE"));
        out.add(
                () ->
                        record(
                                "bad-deep-json",
                                utf8(
                                        "{\"id\":\"bad-deep-json\",\"metadata\":{\"a\":"
                                                + "[".repeat(100_000)
                                                + "]".repeat(100_000)
                                                + "}}"),
                                "UNDECODABLE"));
        out.add(
                () -> {
                    Map<String, String> many = new HashMap<>();
                    for (int i = 0; i < 300; i++) {
                        many.put("k" + i, "v");
                    }
                    VectorRecord r =
                            VectorRecord.newBuilder()
                                    .setId("bad-metadata")
                                    .setVector(FloatVectors.toBytes(randomVector()))
                                    .setMetadata(many)
                                    .build();
                    record(
                            "bad-metadata",
                            PayloadCodec.encode(r, WireFormat.AVRO),
                            "METADATA_TOO_LARGE");
                });
        out.add(
                () ->
                        record(
                                "bad-collection",
                                utf8(
                                        "{\"id\":\"bad-collection\",\"collection\":\"nope\",\"vector\":"
                                                + Arrays.toString(randomVector())
                                                + "}"),
                                "UNKNOWN_COLLECTION"));
        out.add(() -> record("bad-zero", avro("bad-zero", new float[DIM]), "ZERO_VECTOR"));
        out.add(
                () ->
                        record(
                                null,
                                utf8("{\"id\":\"" + "i".repeat(600) + "\",\"vector\":[1]}"),
                                "ID_TOO_LONG"));
        // Queries.
        out.add(
                () ->
                        query(
                                "q-bomb",
                                concat(
                                        header(QueryRequest.getClassSchema()),
                                        varint(2_000_000_000L)),
                                "UNDECODABLE"));
        out.add(() -> query("q-k0", encode(query("q-k0", 0)), "BAD_K"));
        out.add(() -> query("q-k-big", encode(query("q-k-big", 100_000)), "K_TOO_LARGE"));
        out.add(() -> query("q-filter", encode(query("q-filter", 5).setFilter("{")), "BAD_FILTER"));
        out.add(
                () ->
                        query(
                                "q-dim",
                                encode(
                                        query("q-dim", 5)
                                                .setVector(
                                                        FloatVectors.toBytes(new float[] {1, 2}))),
                                "WRONG_DIMENSION"));
        out.add(
                () ->
                        query(
                                "q-consistency",
                                encode(
                                        query("q-consistency", 5)
                                                .setConsistency("x".repeat(10_000))),
                                "BAD_CONSISTENCY"));
        out.add(
                () ->
                        query(
                                "q-deep-json",
                                utf8(
                                        "{\"queryId\":\"q-deep-json\",\"filter\":"
                                                + "{\"and\":[".repeat(50_000)
                                                + "]}".repeat(50_000)
                                                + "}"),
                                "UNDECODABLE"));
        out.add(
                () -> {
                    ProducerRecord<byte[], byte[]> r =
                            new ProducerRecord<>(
                                    "queries",
                                    utf8("q-correlation"),
                                    encode(query("q-correlation", 5)));
                    r.headers().add(KafkaContract.REPLY_TO_HEADER, utf8(REPLIES));
                    r.headers().add(KafkaContract.CORRELATION_ID_HEADER, new byte[600]);
                    send(r);
                    errorCodes.put("q-correlation", "BAD_CORRELATION_ID");
                });
        out.add(
                () -> {
                    ProducerRecord<byte[], byte[]> r =
                            new ProducerRecord<>(
                                    "queries", utf8("q-reply-to"), encode(query("q-reply-to", 5)));
                    r.headers().add(KafkaContract.REPLY_TO_HEADER, utf8("no-such-topic"));
                    send(r);
                    errorCodes.put("q-reply-to", "UNKNOWN_REPLY_TOPIC");
                });
        // Control requests.
        out.add(
                () -> {
                    CollectionRequest c = create("c-extreme");
                    c.setHnswM(1_000_000);
                    c.setSealSize(1_000_000_000);
                    control("c-extreme", PayloadCodec.encode(c, WireFormat.AVRO), "BAD_COLLECTION");
                });
        out.add(
                () -> {
                    CollectionRequest c = create("c-huge-segments");
                    c.setDimension(65_536);
                    c.setSealSize(20_000); // 5.2 GB of vectors per segment
                    control(
                            "c-huge-segments",
                            PayloadCodec.encode(c, WireFormat.JSON),
                            "BAD_COLLECTION");
                });
        out.add(
                () ->
                        control(
                                "c-bomb",
                                concat(
                                        header(CollectionRequest.getClassSchema()),
                                        varint(2_000_000_000L)),
                                "UNDECODABLE"));
        return out;
    }

    private static void record(String key, byte[] value, String code) {
        send(new ProducerRecord<>("vectors", key == null ? null : utf8(key), value));
        deadLetterCodes.put(key == null ? "" : key, code);
    }

    private static void query(String id, byte[] payload, String code) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("queries", utf8(id), payload);
        r.headers().add(KafkaContract.REPLY_TO_HEADER, utf8(REPLIES));
        r.headers().add(KafkaContract.CORRELATION_ID_HEADER, utf8(id));
        send(r);
        errorCodes.put(id, code);
    }

    private static void control(String id, byte[] payload, String code) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("collections", utf8(id), payload);
        r.headers().add(KafkaContract.REPLY_TO_HEADER, utf8(REPLIES));
        send(r);
        errorCodes.put(id, code);
    }

    private static void send(ProducerRecord<byte[], byte[]> r) {
        try {
            raw.send(r).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not publish " + r.topic(), e);
        }
    }

    private static void assertReusedQueryIdsGetTheirOwnAnswers() throws Exception {
        float[] first = good.get("doc-11");
        float[] second = good.get("doc-12");
        for (float[] v : List.of(first, second)) {
            ProducerRecord<byte[], byte[]> r =
                    new ProducerRecord<>(
                            "queries",
                            utf8("q-same"),
                            encode(query("q-same", 1).setVector(FloatVectors.toBytes(v))));
            r.headers().add(KafkaContract.REPLY_TO_HEADER, utf8(REPLIES));
            r.headers()
                    .add(
                            KafkaContract.CORRELATION_ID_HEADER,
                            utf8(v == first ? "same-first" : "same-second"));
            raw.send(r);
        }
        raw.flush();
        Map<String, QueryResponse> byCorrelation = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            KafkaTopics.assignFromBeginning(c, REPLIES);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (byCorrelation.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Header h = r.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);
                    String correlation =
                            h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
                    if (correlation.startsWith("same-")) {
                        byCorrelation.put(correlation, PayloadCodec.decodeQueryResponse(r.value()));
                    }
                }
            }
        }
        assertThat(byCorrelation).containsOnlyKeys("same-first", "same-second");
        for (QueryResponse r : byCorrelation.values()) {
            assertThat(r.getQueryId()).isEqualTo("q-same");
            assertThat(r.getComplete()).isTrue();
            assertThat(r.getHits()).hasSize(1);
        }
        assertThat(byCorrelation.get("same-first").getHits().get(0).getId()).isEqualTo("doc-11");
        assertThat(byCorrelation.get("same-second").getHits().get(0).getId()).isEqualTo("doc-12");
    }

    // ---------------------------------------------------------------- reading what the job wrote

    /** The dead letters by key: the first {@code n}, then any that come within 2 s more. */
    private static Map<String, DeadLetter> readDeadLetters(int n) {
        Map<String, DeadLetter> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            KafkaTopics.assignFromBeginning(c, KafkaContract.DEAD_LETTER_TOPIC);
            long deadline = System.nanoTime() + WAIT.toNanos();
            long extraUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, extraUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    DeadLetter d = PayloadCodec.decodeDeadLetter(r.value());
                    String key =
                            d.getKey() == null
                                    ? ""
                                    : StandardCharsets.UTF_8.decode(d.getKey()).toString();
                    assertThat(out.put(key, d)).as("one dead letter for %s", key).isNull();
                }
                if (out.size() >= n && extraUntil == Long.MAX_VALUE) {
                    extraUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
            }
        }
        return out;
    }

    /** The error code of each answer keyed by one of {@code ids}, on the reply topics. */
    private static Map<String, String> readErrors(Set<String> ids) {
        Map<String, String> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            for (String t : List.of(REPLIES, "results")) {
                c.partitionsFor(t)
                        .forEach(
                                p ->
                                        partitions.add(
                                                new org.apache.kafka.common.TopicPartition(
                                                        t, p.partition())));
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < ids.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (!ids.contains(key)) {
                        continue;
                    }
                    assertThat(r.value().length).isLessThanOrEqualTo(1_000_000);
                    if (key.startsWith("c-")) {
                        CollectionResponse cr = PayloadCodec.decodeCollectionResponse(r.value());
                        out.put(key, cr.getError() == null ? "none" : cr.getError().getCode());
                    } else {
                        QueryResponse qr = PayloadCodec.decodeQueryResponse(r.value());
                        out.put(key, qr.getError() == null ? "none" : qr.getError().getCode());
                        if (qr.getError() != null) {
                            assertThat(qr.getError().getMessage()).hasSizeLessThanOrEqualTo(1000);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static long awaitNumRestarts(JobRest rest) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long n = rest.numRestarts();
        while (n < 0 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            n = rest.numRestarts();
        }
        return n;
    }

    // ---------------------------------------------------------------- payloads

    private static QueryRequest strong(String id, float[] vector, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(id)
                .setVector(FloatVectors.toBytes(vector))
                .setK(k)
                .setConsistency("strong")
                .build();
    }

    private static QueryRequest.Builder query(String id, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(id)
                .setVector(FloatVectors.toBytes(randomVector()))
                .setK(k);
    }

    private static byte[] encode(QueryRequest.Builder q) {
        return PayloadCodec.encode(q.build(), WireFormat.AVRO);
    }

    private static CollectionRequest create(String id) {
        CollectionRequest c = new CollectionRequest();
        c.setRequestId(id);
        c.setOp(CollectionOp.CREATE);
        c.setCollection(id);
        c.setDimension(8);
        return c;
    }

    private static byte[] avro(String id, float[] vector) {
        return PayloadCodec.encode(
                VectorRecord.newBuilder().setId(id).setVector(FloatVectors.toBytes(vector)).build(),
                WireFormat.AVRO);
    }

    private static byte[] json(String id, float[] vector) {
        return utf8("{\"id\":\"" + id + "\",\"vector\":" + Arrays.toString(vector) + "}");
    }

    /** The single-object header of {@code schema}: C3 01 and its little-endian fingerprint. */
    private static byte[] header(Schema schema) {
        long fp = SchemaNormalization.parsingFingerprint64(schema);
        byte[] h = new byte[10];
        h[0] = (byte) 0xC3;
        h[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fp >>> (8 * i));
        }
        return h;
    }

    /** An Avro long: zig-zag, then 7 bits a byte. */
    private static byte[] varint(long value) {
        long n = (value << 1) ^ (value >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    private static byte[] string(String s) {
        byte[] bytes = utf8(s);
        return concat(varint(bytes.length), bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- the job and the oracle

    private static Configuration configuration(String metric) {
        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("vectorstream.kafka.group-id", "hostile");
        conf.setString("vectorstream.collection.dimension", String.valueOf(DIM));
        conf.setString("vectorstream.collection.metric", metric);
        // Small segments, so seals and merges run while the hostile inputs arrive.
        conf.setString("vectorstream.index.seal-size", "200");
        conf.setString("vectorstream.index.compaction.max-segments", "3");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.interval", "1 s");
        conf.setString("execution.checkpointing.incremental", "true");
        conf.setString(
                "execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        // Restarts allowed, so that a bug shows as a restart the test counts, not a dead job.
        conf.setString("restart-strategy.type", "fixed-delay");
        conf.setString("restart-strategy.fixed-delay.attempts", "100");
        conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", String.valueOf(PARALLELISM));
        return conf;
    }

    private static JobClient submit(Configuration conf) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        VectorStreamJob.attachKafka(env, conf);
        return env.executeAsync("hostile-inputs");
    }

    private static float[] randomVector() {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static float[] unit(float[] v) {
        VectorMath.normalize(v);
        return v;
    }

    /** recall@10 of {@code answer} against exact cosine top 10 over the good vectors. */
    private static double recall(QueryResponse answer, float[] query) {
        List<Map.Entry<String, Float>> scored = new ArrayList<>();
        good.forEach((id, v) -> scored.add(Map.entry(id, VectorMath.dot(v, 0, query, 0, DIM))));
        scored.sort(Map.Entry.<String, Float>comparingByValue().reversed());
        Set<String> exact = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            exact.add(scored.get(i).getKey());
        }
        long found = answer.getHits().stream().filter(h -> exact.contains(h.getId())).count();
        return found / 10.0;
    }
}
