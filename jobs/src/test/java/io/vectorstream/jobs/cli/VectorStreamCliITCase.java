package io.vectorstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorFiles;
import io.vectorstream.client.VectorStreamClient;
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
import io.vectorstream.schema.codec.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
    void produceTextPublishesTextsWithoutVectorsAndSkipsUnfitLinesByNumber() throws Exception {
        Path file = dir.resolve("texts.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"id\":\"t1\",\"collection\":\"texts\",\"text\":\"Kafka keeps the"
                                + " log\",\"metadata\":{\"lang\":\"en\"}}",
                        "{\"id\":\"t2\",\"collection\":\"texts\",\"text\":\"Flink reads it\"}",
                        "not json",
                        "{\"collection\":\"texts\",\"text\":\"no id\"}",
                        "{\"id\":\"t5\",\"collection\":\"texts\"}",
                        "{\"id\":\"t6\",\"collection\":\"texts\",\"text\":\"with a"
                                + " vector\",\"vector\":[1,2]}",
                        "{\"id\":\"t7\",\"collection\":\"texts\",\"op\":\"delete\",\"text\":\"x\"}",
                        "",
                        "{\"id\":\"t9\",\"collection\":\"texts\",\"text\":\"  \"}",
                        "{\"id\":\"t10\",\"collection\":\"texts\",\"text\":\"Grüße, last"
                                + " line\"}"),
                StandardCharsets.UTF_8);

        CliRun run = CliRun.of("produce", "--text", file.toString(), "--bootstrap", bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .contains("acknowledged 3 texts")
                .contains("texts/s")
                .contains("skipped 6 bad input records");
        assertThat(run.err())
                .contains("texts.jsonl:3: UNDECODABLE")
                .contains("texts.jsonl:4: MISSING_ID")
                .contains("texts.jsonl:5: MISSING_TEXT")
                .contains("texts.jsonl:6: HAS_VECTOR")
                .contains("texts.jsonl:7: NOT_UPSERT")
                .contains("texts.jsonl:9: MISSING_TEXT")
                .doesNotContain("texts.jsonl:1:", "texts.jsonl:2:", "texts.jsonl:8:")
                .doesNotContain("texts.jsonl:10:");
        Map<String, VectorRecord> landed = vectorsOf("texts");
        assertThat(landed.keySet()).containsExactlyInAnyOrder("t1", "t2", "t10");
        assertThat(landed.get("t1"))
                .isEqualTo(
                        VectorRecord.newBuilder()
                                .setId("t1")
                                .setOp(Op.UPSERT)
                                .setCollection("texts")
                                .setText("Kafka keeps the log")
                                .setMetadata(Map.of("lang", "en"))
                                .build());
        assertThat(landed.get("t10").getText()).isEqualTo("Grüße, last line");
        assertThat(landed.values()).allSatisfy(r -> assertThat(r.getVector()).isNull());
    }

    @Test
    void produceTextHonoursCollectionLimitAndFormat() throws Exception {
        Path file = dir.resolve("more.ndjson");
        Files.writeString(
                file,
                "{\"id\":\"m1\",\"collection\":\"elsewhere\",\"text\":\"one\"}\n"
                        + "{\"id\":\"m2\",\"text\":\"two\"}\n"
                        + "{\"id\":\"m3\",\"text\":\"three\"}\n",
                StandardCharsets.UTF_8);

        CliRun run =
                CliRun.of(
                        "produce",
                        "--text",
                        file.toString(),
                        "--limit",
                        "2",
                        "--collection",
                        "text-override",
                        "--format",
                        "json",
                        "--no-progress",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("acknowledged 2 texts");
        assertThat(run.err()).doesNotContain("\r");
        Map<String, VectorRecord> landed = vectorsOf("text-override");
        assertThat(landed.keySet()).containsExactlyInAnyOrder("m1", "m2");
        assertThat(landed.get("m2").getText()).isEqualTo("two");
        assertThat(vectorsOf("elsewhere")).isEmpty();
        List<ConsumerRecord<byte[], byte[]>> raw =
                readVectorsTopic().stream()
                        .filter(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith("m"))
                        .toList();
        assertThat(raw)
                .allSatisfy(
                        r -> assertThat(WireFormat.detect(r.value())).isEqualTo(WireFormat.JSON));
    }

    @Test
    void jsonLinesLoadDrawsProgressAndKeepsBadLinesOnTheirOwnLine() throws Exception {
        Path file = dir.resolve("progress.jsonl");
        Files.writeString(
                file,
                "{\"id\":\"p1\",\"text\":\"one\"}\n"
                        + "{\"id\":\"p2\",\"text\":\"two\"}\n"
                        + "{\"id\":\"p3\"}\n"
                        + "{\"id\":\"p4\",\"text\":\"four\"}\n",
                StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        // Every reading of the clock is 250 ms after the one before (the first at creation), so
        // the line is drawn at lines 2 and 4 (500 ms apart) and once more when finished.
        long[] now = {-250_000_000L};
        Progress progress =
                Progress.of(err, "lines", Progress.countLines(file), () -> now[0] += 250_000_000L);

        ProduceCommand.Report report;
        try (VectorStreamClient client =
                VectorStreamClient.builder().bootstrapServers(bootstrap).build()) {
            report =
                    ProduceCommand.produceJsonLines(
                            client,
                            "progress",
                            file,
                            Long.MAX_VALUE,
                            ProduceCommand.TEXT_RECORD,
                            progress);
        }

        assertThat(report.acked()).isEqualTo(3);
        assertThat(report.skipped()).isEqualTo(1);
        String shown = bytes.toString(StandardCharsets.UTF_8);
        String line2 = "2/4 lines   50.0%  4 records/s";
        String blank = "\r" + " ".repeat(line2.length()) + "\r";
        assertThat(shown)
                .isEqualTo(
                        "\r"
                                + line2
                                + blank
                                + "progress.jsonl:3: MISSING_TEXT: field 'text' is required and"
                                + " must not be blank in a --text file (skipped)"
                                + System.lineSeparator()
                                + "\r4/4 lines  100.0%  3 records/s"
                                + "\r4/4 lines  100.0%  2 records/s"
                                + System.lineSeparator());
        assertThat(vectorsOf("progress").keySet()).containsExactlyInAnyOrder("p1", "p2", "p4");
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
    void queryTextLetsTheJobEmbedItAndPrintsEachHitsText() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--text",
                        "where is the log\nkept",
                        "--k",
                        "2",
                        "--collection",
                        "cli-text",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        // The fake scores a query without vector by its text's length and returns "mode M: text"
        // as the hit's text; a line break in it is printed as a space.
        assertThat(run.out())
                .containsPattern("(?m)^\\s+1\\s+\\S+\\s+21\\.000000\\s+k=2$")
                .containsPattern("(?m)^      text mode null: where is the log kept$");
        QueryRequest sent = sentQuery("cli-text");
        assertThat(sent.getVector()).isNull();
        assertThat(sent.getText()).isEqualTo("where is the log\nkept");
        assertThat(sent.getMode()).as("vector, the job's default").isNull();
        assertThat(sent.getIncludeText()).isTrue();
        assertThat(sent.getRankConstant()).isNull();
    }

    @Test
    void queryKeywordSendsTheTextAlone() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--text",
                        "log",
                        "--keyword",
                        "--json",
                        "--collection",
                        "cli-keyword",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        QueryResponse r =
                PayloadCodec.decodeQueryResponse(run.out().trim().getBytes(StandardCharsets.UTF_8));
        assertThat(r.getHits().get(0).getText()).isEqualTo("mode keyword: log");
        QueryRequest sent = sentQuery("cli-keyword");
        assertThat(sent.getMode()).isEqualTo("keyword");
        assertThat(sent.getVector()).isNull();
        assertThat(sent.getText()).isEqualTo("log");
        assertThat(sent.getIncludeText()).isTrue();
    }

    @Test
    void queryHybridSendsTextVectorAndRankConstant() {
        CliRun run =
                CliRun.of(
                        "query",
                        "--text",
                        "log",
                        "--hybrid",
                        "--vector",
                        "0.5,0.25",
                        "--rank-constant",
                        "30",
                        "--collection",
                        "cli-hybrid",
                        "--bootstrap",
                        bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .containsPattern("(?m)^\\s+1\\s+\\S+\\s+0\\.500000\\s+k=10$")
                .containsPattern("(?m)^      text mode hybrid: log$");
        QueryRequest sent = sentQuery("cli-hybrid");
        assertThat(sent.getMode()).isEqualTo("hybrid");
        assertThat(FloatVectors.fromBytes(sent.getVector())).containsExactly(0.5f, 0.25f);
        assertThat(sent.getText()).isEqualTo("log");
        assertThat(sent.getRankConstant()).isEqualTo(30);
        assertThat(sent.getIncludeText()).isTrue();
    }

    @Test
    void vectorQueryAsksForTextsOnlyWithIncludeText() {
        CliRun with =
                CliRun.of(
                        "query",
                        "--vector",
                        "3",
                        "--include-text",
                        "--collection",
                        "cli-include-text",
                        "--bootstrap",
                        bootstrap);

        CliRun without =
                CliRun.of(
                        "query",
                        "--vector",
                        "3",
                        "--collection",
                        "cli-without-text",
                        "--bootstrap",
                        bootstrap);

        assertThat(with.exitCode()).as(with.err()).isEqualTo(ExitCodes.OK);
        // The fake answers "mode M: text" to includeText, here without mode and text.
        assertThat(with.out()).containsPattern("(?m)^      text mode null: null$");
        assertThat(sentQuery("cli-include-text").getIncludeText()).isTrue();
        assertThat(sentQuery("cli-include-text").getText()).isNull();
        assertThat(sentQuery("cli-include-text").getMode()).isNull();
        assertThat(without.exitCode()).as(without.err()).isEqualTo(ExitCodes.OK);
        assertThat(without.out()).doesNotContain("text ");
        assertThat(sentQuery("cli-without-text").getIncludeText()).isFalse();
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
                .containsPattern(
                        "(?m)^name\\s+dim\\s+metric\\s+shards\\s+index\\s+tier\\s+.*"
                                + "\\s+deleted-ratio\\s+embedder$")
                .containsPattern(
                        "(?m)^cli-docs\\s+12\\s+euclidean\\s+4\\s+ivf-pq\\s+pq-codes\\s+500\\s+8"
                                + "\\s+40\\s+30\\s+10\\s+3\\s+5\\s+0\\s+6\\s+0\\.25\\s+none$");
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
                            + "\\s+100\\s+64\\s+auto\\s+auto\\s+16\\s+100\\s+8\\s+0\\.30\\s+none$");
        CollectionRequest sent = sentCollectionRequest("cli-plain");
        assertThat(sent.getEmbedder()).isNull();
        assertThat(sent.getMetric()).isNull();
        assertThat(sent.getShards()).isNull();
        assertThat(sent.getCompactionDeletedRatio()).isNull();
    }

    @Test
    void createCollectionWithAnEmbedderMayLeaveTheDimensionToIt() {
        CliRun run =
                CliRun.of(
                        "create-collection",
                        "--name",
                        "cli-embedded",
                        "--embedder",
                        "all-minilm-l6-v2",
                        "--bootstrap",
                        bootstrap);
        CliRun listed =
                CliRun.of("collections", "--collection", "cli-embedded", "--bootstrap", bootstrap);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .contains("collection 'cli-embedded' is ready:")
                .containsPattern("(?m)^cli-embedded\\s+auto\\s+cosine\\s+.*\\s+all-minilm-l6-v2$");
        CollectionRequest sent = sentCollectionRequest("cli-embedded");
        assertThat(sent.getEmbedder()).isEqualTo("all-minilm-l6-v2");
        assertThat(sent.getDimension()).as("the job takes the embedder's").isNull();
        assertThat(listed.exitCode()).as(listed.err()).isEqualTo(ExitCodes.OK);
        assertThat(listed.out())
                .containsPattern("(?m)\\s+embedder$")
                .containsPattern("(?m)^cli-embedded\\s+.*\\s+all-minilm-l6-v2$");
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

    private static QueryRequest sentQuery(String collection) {
        return server.requests().stream()
                .map(r -> PayloadCodec.decodeQueryRequest(r.value()))
                .filter(q -> q.getCollection().equals(collection))
                .findFirst()
                .orElseThrow();
    }

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
