package io.vectorstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorFiles;
import io.vectorstream.jobs.client.FakeCollectionServer;
import io.vectorstream.jobs.client.FakeQueryServer;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against a real broker, with {@link FakeQueryServer} answering queries and {@link
 * FakeCollectionServer} collection requests. Each test writes to its own collection, so reading the
 * shared vectors topic back can tell the tests apart.
 */
class VectorStreamCliITCase {

    @TempDir static Path dataDir;
    @TempDir Path dir;

    private static EmbeddedKafka kafka;
    private static FakeQueryServer server;
    private static FakeCollectionServer collectionServer;
    private static String bootstrap;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dataDir, 0);
        bootstrap = kafka.bootstrapServers();
        kafka.createTopic(KafkaContract.VECTORS_TOPIC, 3);
        kafka.createTopic(KafkaContract.QUERIES_TOPIC, 1);
        kafka.createTopic(KafkaContract.RESULTS_TOPIC, 2);
        kafka.createTopic(KafkaContract.DEAD_LETTER_TOPIC, 1);
        kafka.createTopic(KafkaContract.COLLECTIONS_TOPIC, 1);
        kafka.createTopic(KafkaContract.COLLECTION_RESULTS_TOPIC, 1);
        server = new FakeQueryServer(bootstrap);
        collectionServer = new FakeCollectionServer(bootstrap);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (collectionServer != null) {
            collectionServer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void produceRandomPublishesSeededUnitVectors() {
        CliRun run =
                CliRun.of(
                        "produce",
                        "--random",
                        "20",
                        "--dim",
                        "8",
                        "--seed",
                        "7",
                        "--id-prefix",
                        "r-",
                        "--collection",
                        "random",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("acknowledged 20 vectors").contains("vectors/s");
        Map<String, VectorRecord> landed = vectorsOf("random");
        assertThat(landed).hasSize(20);
        Random expected = new Random(7);
        for (int i = 0; i < 20; i++) {
            VectorRecord r = landed.get("r-" + i);
            assertThat(r.getOp()).isEqualTo(Op.UPSERT);
            assertThat(FloatVectors.fromBytes(r.getVector()))
                    .containsExactly(ProduceCommand.randomUnitVector(expected, 8));
        }
    }

    @Test
    void produceFvecsUsesRowNumbersAsIdsAndHonoursTheLimit() throws Exception {
        List<float[]> rows =
                List.of(
                        new float[] {1, 2, 3},
                        new float[] {4, 5, 6},
                        new float[] {7, 8, 9},
                        new float[] {0, 0, 1});
        Path file = dir.resolve("base.fvecs");
        VectorFiles.writeFvecs(file, rows);

        CliRun run =
                CliRun.of(
                        "produce",
                        "--file",
                        file.toString(),
                        "--limit",
                        "3",
                        "--collection",
                        "fvecs",
                        "--format",
                        "json",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("acknowledged 3 vectors");
        Map<String, VectorRecord> landed = vectorsOf("fvecs");
        assertThat(landed.keySet()).containsExactlyInAnyOrder("0", "1", "2");
        for (int i = 0; i < 3; i++) {
            assertThat(FloatVectors.fromBytes(landed.get(Integer.toString(i)).getVector()))
                    .containsExactly(rows.get(i));
        }
    }

    @Test
    void damagedFvecsStopsButKeepsWhatWasSent() throws Exception {
        Path file = dir.resolve("cut.fvecs");
        VectorFiles.writeFvecs(
                file, List.of(new float[] {1, 2}, new float[] {3, 4}, new float[] {5, 6}));
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 2));

        CliRun run =
                CliRun.of(
                        "produce",
                        "--file",
                        file.toString(),
                        "--collection",
                        "cut",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.out()).contains("acknowledged 2 vectors");
        assertThat(run.err())
                .contains("cut.fvecs is truncated: vector 2")
                .contains("stopped reading there");
        assertThat(vectorsOf("cut").keySet()).containsExactlyInAnyOrder("0", "1");
    }

    @Test
    void produceJsonLinesSkipsBadLinesByNumber() throws Exception {
        Path file = dir.resolve("docs.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"id\":\"j1\",\"collection\":\"jsonl\",\"vector\":[0.5,0.5],\"metadata\":{\"lang\":\"en\"},\"text\":\"hello\"}",
                        "{\"id\":\"j2\",\"collection\":\"jsonl\",\"vector\":[1,\"two\"]}",
                        "{\"id\":\"j3\",\"collection\":\"jsonl\",\"op\":\"delete\"}",
                        ""),
                StandardCharsets.UTF_8);

        CliRun run = CliRun.of("produce", "--file", file.toString(), "--bootstrap", bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).contains("docs.jsonl:2: NOT_FINITE").contains("(skipped)");
        assertThat(run.out())
                .contains("acknowledged 2 vectors")
                .contains("skipped 1 bad input records");
        Map<String, VectorRecord> landed = vectorsOf("jsonl");
        assertThat(landed.keySet()).containsExactlyInAnyOrder("j1", "j3");
        assertThat(landed.get("j1").getText()).isEqualTo("hello");
        assertThat(landed.get("j3").getOp()).isEqualTo(Op.DELETE);
    }

    @Test
    void deletePublishesOneDeletePerId() {
        CliRun run =
                CliRun.of(
                        "delete", "d1", "d2", "--collection", "deletes", "--bootstrap", bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("deleted 2 of 2 ids from collection 'deletes'");
        Map<String, VectorRecord> landed = vectorsOf("deletes");
        assertThat(landed.keySet()).containsExactlyInAnyOrder("d1", "d2");
        assertThat(landed.values()).allSatisfy(r -> assertThat(r.getOp()).isEqualTo(Op.DELETE));
    }

    @Test
    void queryPrintsHitsShardsAndTimings() {
        CliRun run =
                CliRun.of("query", "--vector", "0.25,0.5", "--k", "3", "--bootstrap", bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        // The fake answers with one hit named after the query id, scored by the first component.
        assertThat(run.out())
                .containsPattern("(?m)^rank\\s+id\\s+score\\s+metadata$")
                .containsPattern("(?m)^\\s+1\\s+\\S+\\s+0\\.250000\\s+k=3$")
                .contains("shards 2/2, complete=true, tookMs=1, round trip");
    }

    @Test
    void queryJsonPrintsTheWireForm() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--random",
                        "--dim",
                        "4",
                        "--seed",
                        "1",
                        "--json",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        QueryResponse r =
                PayloadCodec.decodeQueryResponse(run.out().trim().getBytes(StandardCharsets.UTF_8));
        assertThat(r.getHits()).hasSize(1);
        assertThat(r.getHits().get(0).getScore())
                .isEqualTo(ProduceCommand.randomUnitVector(new Random(1), 4)[0]);
    }

    @Test
    void querySendsTheSearchKnobsAndFilterAndPrintsHitVectors() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--vector",
                        "0.5,-1.25",
                        "--ef",
                        "200",
                        "--nprobe",
                        "12",
                        "--rerank",
                        "0",
                        "--filter",
                        "{\"in\":{\"lang\":[\"en\",\"de\"]}}",
                        "--include-vectors",
                        "--consistency",
                        "Strong",
                        "--offset",
                        "5",
                        "--min-score",
                        "0.25",
                        "--group-by",
                        "doc",
                        "--group-size",
                        "2",
                        "--collection",
                        "knobs",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        // The fake returns the query's own vector when asked for vectors.
        assertThat(run.out()).containsPattern("(?m)^\\s+vector 0\\.5,-1\\.25$");
        QueryRequest sent =
                server.requests().stream()
                        .map(r -> PayloadCodec.decodeQueryRequest(r.value()))
                        .filter(q -> q.getCollection().equals("knobs"))
                        .findFirst()
                        .orElseThrow();
        assertThat(sent.getEf()).isEqualTo(200);
        assertThat(sent.getNprobe()).isEqualTo(12);
        assertThat(sent.getRerank()).isZero();
        assertThat(sent.getFilter()).isEqualTo("{\"in\":{\"lang\":[\"en\",\"de\"]}}");
        assertThat(sent.getIncludeVectors()).isTrue();
        assertThat(sent.getConsistency()).isEqualTo("strong");
        assertThat(sent.getOffset()).isEqualTo(5);
        assertThat(sent.getMinScore()).isEqualTo(0.25f);
        assertThat(sent.getMaxDistance()).isNull();
        assertThat(sent.getGroupBy()).isEqualTo("doc");
        assertThat(sent.getGroupSize()).isEqualTo(2);
    }

    @Test
    void queryWithoutKnobsLeavesThemToTheJob() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--vector",
                        "1,2",
                        "--collection",
                        "defaults",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).doesNotContain("vector ");
        QueryRequest sent =
                server.requests().stream()
                        .map(r -> PayloadCodec.decodeQueryRequest(r.value()))
                        .filter(q -> q.getCollection().equals("defaults"))
                        .findFirst()
                        .orElseThrow();
        assertThat(sent.getEf()).isNull();
        assertThat(sent.getNprobe()).isNull();
        assertThat(sent.getRerank()).isNull();
        assertThat(sent.getConsistency()).isNull();
        assertThat(sent.getFilter()).isNull();
        assertThat(sent.getIncludeVectors()).isFalse();
    }

    @Test
    void rejectedQueryPrintsTheErrorAndExitsWithTwo() {
        // The fake rejects queries for the collection named 'reject'.
        CliRun run =
                CliRun.of(
                        "query",
                        "--vector",
                        "1,2,3",
                        "--collection",
                        "reject",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(run.err())
                .contains(
                        "rejected: WRONG_DIMENSION: collection expects 384 floats, the query has"
                                + " 3");
    }

    @Test
    void unansweredQueryTimesOutWithTwo() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--vector",
                        "1",
                        "--collection",
                        "silent",
                        "--timeout-ms",
                        "500",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
        // Either no answer came, or (on a loaded machine) the fresh client's reply reader did not
        // even start within the 500 ms: both errors name the timeout and the reply topic.
        assertThat(run.err()).contains("500 ms").contains("reply topic 'results'");
    }

    @Test
    void tailDlqPrintsReasonsAndOrigins() throws Exception {
        byte[] badValue =
                "{\"id\":\"bad-1\",\"collection\":\"docs\",\"vector\":[1]}"
                        .getBytes(StandardCharsets.UTF_8);
        publishDeadLetter(
                new DeadLetter(
                        "WRONG_DIMENSION",
                        "expected 384 floats, got 1",
                        "vectors",
                        2,
                        17L,
                        0L,
                        ByteBuffer.wrap("bad-1".getBytes(StandardCharsets.UTF_8)),
                        ByteBuffer.wrap(badValue),
                        5,
                        badValue.length));
        publishDeadLetter(
                new DeadLetter(
                        "UNDECODABLE",
                        "payload is neither Avro nor JSON",
                        "vectors",
                        0,
                        3L,
                        0L,
                        null,
                        ByteBuffer.wrap(new byte[] {1, 2, 3}),
                        null,
                        3));

        CliRun all =
                CliRun.of(
                        "tail-dlq",
                        "--from-beginning",
                        "--timeout-ms",
                        "500",
                        "--bootstrap",
                        bootstrap);
        CliRun one =
                CliRun.of("tail-dlq", "--max", "1", "--from-beginning", "--bootstrap", bootstrap);
        CliRun otherCollection =
                CliRun.of(
                        "tail-dlq",
                        "--collection",
                        "other",
                        "--timeout-ms",
                        "500",
                        "--bootstrap",
                        bootstrap);

        assertThat(all.exitCode()).as(all.err()).isEqualTo(ExitCodes.OK);
        assertThat(all.out())
                .contains(
                        "WRONG_DIMENSION  vectors/2@17  key='bad-1'  value="
                                + badValue.length
                                + " bytes")
                .contains("    expected 384 floats, got 1")
                .contains("UNDECODABLE  vectors/0@3  key=none  value=3 bytes")
                .contains("2 dead letters shown");
        assertThat(one.out())
                .contains("WRONG_DIMENSION")
                .doesNotContain("UNDECODABLE")
                .contains("1 dead letters shown");
        // The first names collection 'docs' and is filtered out; the undecodable one names none and
        // stays.
        assertThat(otherCollection.out()).doesNotContain("WRONG_DIMENSION").contains("UNDECODABLE");
    }

    @Test
    void createCollectionSendsEverySettingAndPrintsTheResolvedCollection() {
        CliRun run =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "cli-docs",
                        "--dimension",
                        "12",
                        "--metric",
                        "euclidean",
                        "--shards",
                        "4",
                        "--index-type",
                        "ivf-pq",
                        "--memory-tier",
                        "pq-codes",
                        "--seal-size",
                        "500",
                        "--hnsw-m",
                        "8",
                        "--hnsw-ef-construction",
                        "40",
                        "--hnsw-ef-search",
                        "30",
                        "--ivf-nlist",
                        "10",
                        "--ivf-pq-m",
                        "3",
                        "--ivf-nprobe",
                        "5",
                        "--ivf-rerank",
                        "0",
                        "--compaction-max-segments",
                        "6",
                        "--compaction-deleted-ratio",
                        "0.25",
                        "--format",
                        "json",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .contains("collection 'cli-docs' is ready:")
                .containsPattern("(?m)^name\\s+dim\\s+metric\\s+shards\\s+index\\s+tier\\s+")
                .containsPattern(
                        "(?m)^cli-docs\\s+12\\s+euclidean\\s+4\\s+ivf-pq\\s+pq-codes\\s+500\\s+8"
                                + "\\s+40\\s+30\\s+10\\s+3\\s+5\\s+0\\s+6\\s+0\\.25$");
        CollectionRequest sent = sentCollectionRequest("cli-docs");
        assertThat(sent.getMetric()).isEqualTo("euclidean");
        assertThat(sent.getIvfRerank()).isZero();
        assertThat(sent.getCompactionDeletedRatio()).isEqualTo(0.25);
    }

    @Test
    void createCollectionWithoutSettingsLeavesThemToTheJob() {
        CliRun run =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "cli-plain",
                        "--dimension",
                        "3",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        // The fake resolves unset settings to its defaults; nlist and pq-m 0 are automatic.
        assertThat(run.out())
                .containsPattern(
                        "(?m)^cli-plain\\s+3\\s+cosine\\s+8\\s+hnsw\\s+full\\s+20000\\s+16"
                                + "\\s+100\\s+64\\s+auto\\s+auto\\s+16\\s+100\\s+8\\s+0\\.30$");
        CollectionRequest sent = sentCollectionRequest("cli-plain");
        assertThat(sent.getMetric()).isNull();
        assertThat(sent.getShards()).isNull();
        assertThat(sent.getCompactionDeletedRatio()).isNull();
    }

    @Test
    void rejectedCreatePrintsCodeAndMessageAndExitsWithTwo() {
        CliRun first =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "cli-taken",
                        "--dimension",
                        "3",
                        "--bootstrap",
                        bootstrap);
        CliRun second =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "cli-taken",
                        "--dimension",
                        "4",
                        "--bootstrap",
                        bootstrap);

        assertThat(first.exitCode()).as(first.err()).isEqualTo(ExitCodes.OK);
        assertThat(second.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(second.err())
                .contains(
                        "error: creating collection 'cli-taken' was rejected: COLLECTION_EXISTS:"
                                + " collection 'cli-taken' exists with other settings");
    }

    @Test
    void unansweredCreateTimesOutWithTwo() {
        CliRun run =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "silent-cli",
                        "--dimension",
                        "3",
                        "--timeout-ms",
                        "500",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(run.err())
                .contains("collection request")
                .contains("500 ms")
                .contains("reply topic 'collections.results'");
    }

    @Test
    void collectionsListsEveryCollectionAsATableAndFiltersByCollection() {
        assertThat(
                        CliRun.of(
                                        "create-collection",
                                        "--name",
                                        "cli-list",
                                        "--dimension",
                                        "9",
                                        "--bootstrap",
                                        bootstrap)
                                .exitCode())
                .isEqualTo(ExitCodes.OK);

        CliRun all = CliRun.of("collections", "--bootstrap", bootstrap);
        CliRun one = CliRun.of("collections", "--collection", "cli-list", "--bootstrap", bootstrap);
        CliRun missing =
                CliRun.of("collections", "--collection", "cli-nowhere", "--bootstrap", bootstrap);

        assertThat(all.exitCode()).as(all.err()).isEqualTo(ExitCodes.OK);
        assertThat(all.out())
                .containsPattern("(?m)^name\\s+dim\\s+metric\\s+shards\\s+index\\s+tier")
                .containsPattern("(?m)^cli-list\\s+9\\s+cosine\\s+8\\s+hnsw\\s+full\\s+");
        assertThat(one.out().lines()).hasSize(2);
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(missing.err()).contains("the job has no collection 'cli-nowhere'");
    }

    // ------------------------------------------------------------------------------------ helpers

    private static CollectionRequest sentCollectionRequest(String name) {
        return collectionServer.requests().stream()
                .map(r -> PayloadCodec.decodeCollectionRequest(r.value()))
                .filter(r -> name.equals(r.getCollection()))
                .findFirst()
                .orElseThrow();
    }

    private static void publishDeadLetter(DeadLetter d) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(
                            new ProducerRecord<>(
                                    KafkaContract.DEAD_LETTER_TOPIC, null, PayloadCodec.encode(d)))
                    .get();
        }
    }

    /** The records of {@code collection} now on the vectors topic, by Kafka key (checked = id). */
    private static Map<String, VectorRecord> vectorsOf(String collection) {
        Map<String, VectorRecord> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readVectorsTopic()) {
            VectorRecord v = PayloadCodec.decodeVectorRecord(r.value());
            if (v.getCollection().equals(collection)) {
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(v.getId());
                out.put(v.getId(), v);
            }
        }
        return out;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readVectorsTopic() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            String topic = KafkaContract.VECTORS_TOPIC;
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            // The CLI returned after every write was acknowledged, so the end offsets cover them
            // all.
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
