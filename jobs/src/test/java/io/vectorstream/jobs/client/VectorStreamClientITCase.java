package io.vectorstream.jobs.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.client.CollectionRejectedException;
import io.vectorstream.client.QueryRejectedException;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real Kafka broker, with {@link FakeQueryServer} and {@link
 * FakeCollectionServer} in the job's place: request and response correlation, duplicates, timeouts,
 * rejections, and where writes land.
 */
class VectorStreamClientITCase {

    private static final Duration GENEROUS = Duration.ofSeconds(60);

    /** Vectors topic of the text writes, so that they do not change the vectors topic's count. */
    private static final String TEXT_VECTORS_TOPIC = "text-vectors";

    @TempDir static Path dataDir;

    private static EmbeddedKafka kafka;
    private static FakeQueryServer server;
    private static FakeCollectionServer collectionServer;
    private static VectorStreamClient client;

    @BeforeAll
    static void startBrokerAndFakeJob() throws Exception {
        kafka = EmbeddedKafka.start(dataDir, 0);
        kafka.createTopic(KafkaContract.VECTORS_TOPIC, 4);
        kafka.createTopic(KafkaContract.QUERIES_TOPIC, 2);
        kafka.createTopic(KafkaContract.RESULTS_TOPIC, 3);
        kafka.createTopic("other-results", 1);
        kafka.createTopic(KafkaContract.COLLECTIONS_TOPIC, 1);
        kafka.createTopic(KafkaContract.COLLECTION_RESULTS_TOPIC, 2);
        kafka.createTopic(TEXT_VECTORS_TOPIC, 2);
        server = new FakeQueryServer(kafka.bootstrapServers());
        collectionServer = new FakeCollectionServer(kafka.bootstrapServers());
        client =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .clientId("it")
                        .defaultTimeout(GENEROUS)
                        .build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
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

    @AfterEach
    void fakeJobIsHealthy() {
        assertThat(server.failure()).as("fake query server failure").isNull();
        assertThat(collectionServer.failure()).as("fake collection server failure").isNull();
    }

    @Test
    void fiftyConcurrentQueriesEachGetTheirOwnAnswer() throws Exception {
        // Plain, duplicated and header-less answers, sent from many threads at once, answered out
        // of order.
        String[] modes = {"plain", "twice", "noheader"};
        int n = 50;
        int answersBefore = server.answersSent();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CompletableFuture<QueryResponse>>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String queryId = modes[i % modes.length] + "-concurrent-" + i;
                float[] vector = {i, 1f, 2f};
                sent.add(
                        CompletableFuture.supplyAsync(
                                () -> {
                                    awaitQuietly(go);
                                    return client.query(request(queryId, vector, 5));
                                },
                                callers));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                QueryResponse r = sent.get(i).get(60, TimeUnit.SECONDS).get(60, TimeUnit.SECONDS);
                String queryId = modes[i % modes.length] + "-concurrent-" + i;
                assertThat(r.getQueryId()).isEqualTo(queryId);
                assertThat(r.getHits()).hasSize(1);
                assertThat(r.getHits().get(0).getId())
                        .as("decoys and other queries' answers are ignored")
                        .isEqualTo(queryId);
                assertThat(r.getHits().get(0).getScore()).isEqualTo((float) i);
                assertThat(r.getShardsAnswered()).isEqualTo(FakeQueryServer.SHARDS);
                assertThat(r.getComplete()).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }
        // 17 of the 50 were answered twice: the duplicates really were sent, and dropped.
        assertThat(server.answersSent() - answersBefore).isEqualTo(n + 17);
        assertThat(client.inFlightQueries()).isZero();
    }

    @Test
    void sixtyFourQueriesInFlightTogetherEachGetTheirOwnAnswer() throws Exception {
        // The fake holds every 'held-' request until all 64 are waiting, then answers them in
        // reverse order, each preceded by a decoy.
        int n = 64;
        List<CompletableFuture<QueryResponse>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(client.query(request("held-" + i, new float[] {i, 1f}, 3)));
        }
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (server.heldRequests() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.heldRequests()).isEqualTo(n);
        assertThat(client.inFlightQueries()).isEqualTo(n);
        assertThat(answers).noneMatch(CompletableFuture::isDone);

        server.releaseHeld();

        for (int i = 0; i < n; i++) {
            QueryResponse r = answers.get(i).get(60, TimeUnit.SECONDS);
            assertThat(r.getQueryId()).isEqualTo("held-" + i);
            assertThat(r.getHits()).extracting(Hit::getId).containsExactly("held-" + i);
            assertThat(r.getHits().get(0).getScore()).isEqualTo((float) i);
        }
        assertThat(client.inFlightQueries()).isZero();
    }

    @Test
    void searchKnobsFilterAndIncludeVectorsTravelWithTheQuery() throws Exception {
        QueryRequest tuned =
                QueryRequest.newBuilder(request("plain-knobs", new float[] {0.5f, -2f}, 4))
                        .setEf(128)
                        .setNprobe(8)
                        .setRerank(0)
                        .setFilter("{\"lang\":\"en\"}")
                        .setIncludeVectors(true)
                        .build();

        QueryResponse r = client.query(tuned).get(60, TimeUnit.SECONDS);

        assertThat(FloatVectors.fromBytes(r.getHits().get(0).getVector()))
                .as("the fake returns the query's vector when asked for vectors")
                .containsExactly(0.5f, -2f);
        QueryRequest sent =
                server.requests().stream()
                        .filter(x -> key(x).equals("plain-knobs"))
                        .map(x -> PayloadCodec.decodeQueryRequest(x.value()))
                        .findFirst()
                        .orElseThrow();
        assertThat(sent).isEqualTo(tuned);
    }

    @Test
    void requestsCarryReplyToAndAFreshCorrelationId() throws Exception {
        client.query(request("plain-headers-1", new float[] {1f}, 3)).get(60, TimeUnit.SECONDS);
        client.query(request("plain-headers-2", new float[] {1f}, 3)).get(60, TimeUnit.SECONDS);

        List<ConsumerRecord<byte[], byte[]>> mine =
                server.requests().stream()
                        .filter(r -> key(r).startsWith("plain-headers-"))
                        .toList();
        assertThat(mine).hasSize(2);
        for (ConsumerRecord<byte[], byte[]> r : mine) {
            assertThat(header(r, KafkaContract.REPLY_TO_HEADER)).isEqualTo("results");
            assertThat(PayloadCodec.decodeQueryRequest(r.value()).getQueryId()).isEqualTo(key(r));
        }
        assertThat(header(mine.get(0), KafkaContract.CORRELATION_ID_HEADER))
                .isNotBlank()
                .isNotEqualTo(header(mine.get(1), KafkaContract.CORRELATION_ID_HEADER));
    }

    @Test
    void unansweredQueryTimesOutWithTheDocumentedMessage() throws Exception {
        // The reply reader is started (and so out of the 700 ms) before the query that times out.
        client.query(request("warm-up", new float[] {1f}, 3)).get(60, TimeUnit.SECONDS);
        CompletableFuture<QueryResponse> answer =
                client.query(
                        request("silent-timeout", new float[] {1f}, 3), Duration.ofMillis(700));

        assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining(
                        "no answer to query 'silent-timeout' within 700 ms on reply topic"
                                + " 'results'");
        assertThat(client.inFlightQueries()).isZero();
    }

    @Test
    void rejectedQueryCompletesNormallyWithTheError() throws Exception {
        QueryResponse r =
                client.query(request("reject-1", new float[] {1f, 2f, 3f}, 3))
                        .get(60, TimeUnit.SECONDS);

        assertThat(QueryRejectedException.isRejected(r)).isTrue();
        assertThat(r.getError().getCode()).isEqualTo("WRONG_DIMENSION");
        assertThat(r.getError().getMessage()).contains("the query has 3");
        assertThatThrownBy(() -> QueryRejectedException.requireAccepted(r))
                .isInstanceOf(QueryRejectedException.class)
                .hasMessageStartingWith("query 'reject-1' was rejected: WRONG_DIMENSION");
    }

    @Test
    void ownReplyTopicAndJsonWireFormatWork() throws Exception {
        try (VectorStreamClient jsonClient =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .replyTopic("other-results")
                        .wireFormat(WireFormat.JSON)
                        .defaultTimeout(GENEROUS)
                        .build()) {
            QueryResponse r =
                    jsonClient
                            .query(request("plain-json", new float[] {7f, 0f}, 4))
                            .get(60, TimeUnit.SECONDS);

            assertThat(r.getHits().get(0).getId()).isEqualTo("plain-json");
            assertThat(r.getHits().get(0).getMetadata()).containsEntry("k", "4");
        }
        ConsumerRecord<byte[], byte[]> request =
                server.requests().stream()
                        .filter(x -> key(x).equals("plain-json"))
                        .findFirst()
                        .orElseThrow();
        assertThat(header(request, KafkaContract.REPLY_TO_HEADER)).isEqualTo("other-results");
        assertThat(WireFormat.detect(request.value())).isEqualTo(WireFormat.JSON);
    }

    @Test
    void closingFailsWaitingQueriesClearly() {
        VectorStreamClient closing =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .defaultTimeout(GENEROUS)
                        .build();
        CompletableFuture<QueryResponse> answer =
                closing.query(request("silent-close", new float[] {1f}, 3));

        closing.close();

        assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed before the answer to query 'silent-close' arrived");
    }

    @Test
    void missingReplyTopicIsReportedWithTheFix() {
        try (VectorStreamClient lost =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .replyTopic("no-such-topic")
                        .defaultTimeout(GENEROUS)
                        .build()) {
            CompletableFuture<QueryResponse> answer =
                    lost.query(request("plain-lost", new float[] {1f}, 3));

            assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                    .cause()
                    .hasMessageContaining("reply topic 'no-such-topic' does not exist")
                    .hasMessageContaining("create it");
        }
    }

    @Test
    void upsertsAndDeletesLandOnVectorsKeyedByIdAndDecodeBackEqual() throws Exception {
        VectorRecord full =
                VectorRecord.newBuilder()
                        .setId("full")
                        .setCollection("docs")
                        .setVector(FloatVectors.toBytes(new float[] {0.5f, -0.25f}))
                        .setMetadata(Map.of("lang", "de"))
                        .setText("Hallo Welt")
                        .setEventTimeMs(1_700_000_000_000L)
                        .build();
        List<VectorRecord> expected =
                List.of(
                        VectorRecord.newBuilder()
                                .setId("a")
                                .setVector(FloatVectors.toBytes(new float[] {1f, 2f, 3f}))
                                .setMetadata(Map.of("lang", "en", "year", "2024"))
                                .build(),
                        VectorRecord.newBuilder()
                                .setId("b")
                                .setCollection("docs")
                                .setVector(FloatVectors.toBytes(new float[] {-1f, 0f, 1e-7f}))
                                .build(),
                        VectorRecord.newBuilder().setId("a").setOp(Op.DELETE).build(),
                        VectorRecord.newBuilder()
                                .setId("b")
                                .setOp(Op.DELETE)
                                .setCollection("docs")
                                .build(),
                        full,
                        VectorRecord.newBuilder()
                                .setId("j")
                                .setVector(FloatVectors.toBytes(new float[] {0.125f}))
                                .setMetadata(Map.of("via", "json"))
                                .build());

        List<RecordMetadata> acks = new ArrayList<>();
        acks.add(
                client.upsert("a", new float[] {1f, 2f, 3f}, Map.of("lang", "en", "year", "2024"))
                        .get(60, TimeUnit.SECONDS));
        acks.add(
                client.upsert("docs", "b", new float[] {-1f, 0f, 1e-7f}, Map.of())
                        .get(60, TimeUnit.SECONDS));
        acks.add(client.delete("a").get(60, TimeUnit.SECONDS));
        acks.add(client.delete("docs", "b").get(60, TimeUnit.SECONDS));
        acks.add(client.publish(full).get(60, TimeUnit.SECONDS));
        try (VectorStreamClient jsonClient =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .wireFormat(WireFormat.JSON)
                        .build()) {
            acks.add(
                    jsonClient
                            .upsert("j", new float[] {0.125f}, Map.of("via", "json"))
                            .get(60, TimeUnit.SECONDS));
        }
        assertThat(acks)
                .allSatisfy(m -> assertThat(m.topic()).isEqualTo(KafkaContract.VECTORS_TOPIC));

        List<ConsumerRecord<byte[], byte[]>> landed =
                readAll(KafkaContract.VECTORS_TOPIC, expected.size());

        assertThat(landed)
                .allSatisfy(
                        r ->
                                assertThat(key(r))
                                        .isEqualTo(
                                                PayloadCodec.decodeVectorRecord(r.value())
                                                        .getId()));
        assertThat(
                        WireFormat.detect(
                                landed.stream()
                                        .filter(r -> key(r).equals("j"))
                                        .findFirst()
                                        .orElseThrow()
                                        .value()))
                .isEqualTo(WireFormat.JSON);
        // Records of one id share a partition, in the order they were written.
        for (String id : List.of("a", "b", "full", "j")) {
            List<VectorRecord> ofId =
                    landed.stream()
                            .filter(r -> key(r).equals(id))
                            .sorted((x, y) -> Long.compare(x.offset(), y.offset()))
                            .map(r -> PayloadCodec.decodeVectorRecord(r.value()))
                            .toList();
            assertThat(ofId)
                    .as(id)
                    .containsExactlyElementsOf(
                            expected.stream().filter(e -> e.getId().equals(id)).toList());
            assertThat(
                            landed.stream()
                                    .filter(r -> key(r).equals(id))
                                    .map(ConsumerRecord::partition)
                                    .distinct())
                    .hasSize(1);
        }
    }

    @Test
    void upsertTextPublishesTheTextWithoutAVectorKeyedById() throws Exception {
        List<RecordMetadata> acks = new ArrayList<>();
        try (VectorStreamClient texts =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .vectorsTopic(TEXT_VECTORS_TOPIC)
                        .build()) {
            acks.add(
                    texts.upsertText("notes", "note-1", "Kafka keeps the log", Map.of("lang", "en"))
                            .get(60, TimeUnit.SECONDS));
            acks.add(
                    texts.upsertText("notes", "note-2", "Flink reads it", Map.of())
                            .get(60, TimeUnit.SECONDS));
        }
        assertThat(acks).allSatisfy(m -> assertThat(m.topic()).isEqualTo(TEXT_VECTORS_TOPIC));

        List<ConsumerRecord<byte[], byte[]>> landed = readAll(TEXT_VECTORS_TOPIC, 2);

        Map<String, VectorRecord> byKey = new java.util.TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : landed) {
            assertThat(WireFormat.detect(r.value())).isEqualTo(WireFormat.AVRO);
            byKey.put(key(r), PayloadCodec.decodeVectorRecord(r.value()));
        }
        assertThat(byKey)
                .containsExactly(
                        Map.entry(
                                "note-1",
                                VectorRecord.newBuilder()
                                        .setId("note-1")
                                        .setOp(Op.UPSERT)
                                        .setCollection("notes")
                                        .setText("Kafka keeps the log")
                                        .setMetadata(Map.of("lang", "en"))
                                        .build()),
                        Map.entry(
                                "note-2",
                                VectorRecord.newBuilder()
                                        .setId("note-2")
                                        .setCollection("notes")
                                        .setText("Flink reads it")
                                        .build()));
        assertThat(byKey.values()).allSatisfy(r -> assertThat(r.getVector()).isNull());
    }

    @Test
    void queryTextSendsTextModeAndIncludeTextAndReturnsTheHitsText() throws Exception {
        QueryResponse hybrid =
                client.queryText("notes-hybrid", "where is the log kept?", 4, "hybrid")
                        .get(60, TimeUnit.SECONDS);
        QueryResponse keyword =
                client.queryText("notes-keyword", "log", 2, VectorStreamClient.MODE_KEYWORD)
                        .get(60, TimeUnit.SECONDS);

        // The fake scores a vector-less query by its text's length and returns "mode M: text".
        assertThat(hybrid.getHits()).hasSize(1);
        assertThat(hybrid.getHits().get(0).getScore()).isEqualTo(22f);
        assertThat(hybrid.getHits().get(0).getText())
                .isEqualTo("mode hybrid: where is the log kept?");
        assertThat(hybrid.getHits().get(0).getMetadata()).containsEntry("k", "4");
        assertThat(keyword.getHits().get(0).getText()).isEqualTo("mode keyword: log");

        QueryRequest sent = sentQuery("notes-hybrid");
        assertThat(sent.getQueryId()).isEqualTo(hybrid.getQueryId()).isNotBlank();
        assertThat(sent.getVector()).as("the job embeds the text").isNull();
        assertThat(sent.getText()).isEqualTo("where is the log kept?");
        assertThat(sent.getMode()).isEqualTo("hybrid");
        assertThat(sent.getK()).isEqualTo(4);
        assertThat(sent.getIncludeText()).isTrue();
        assertThat(sent.getIncludeMetadata()).isTrue();
        assertThat(sent.getRankConstant()).as("left to the job").isNull();
        assertThat(sentQuery("notes-keyword").getMode()).isEqualTo("keyword");
    }

    @Test
    void textQueriesTravelAsJsonToo() throws Exception {
        try (VectorStreamClient jsonClient =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .wireFormat(WireFormat.JSON)
                        .defaultTimeout(GENEROUS)
                        .build()) {
            QueryResponse r =
                    jsonClient
                            .queryText("notes-json", "Grüße", 1, "vector")
                            .get(60, TimeUnit.SECONDS);

            assertThat(r.getHits().get(0).getText()).isEqualTo("mode vector: Grüße");
        }
        ConsumerRecord<byte[], byte[]> request =
                server.requests().stream()
                        .filter(
                                x ->
                                        PayloadCodec.decodeQueryRequest(x.value())
                                                .getCollection()
                                                .equals("notes-json"))
                        .findFirst()
                        .orElseThrow();
        assertThat(WireFormat.detect(request.value())).isEqualTo(WireFormat.JSON);
        QueryRequest sent = PayloadCodec.decodeQueryRequest(request.value());
        assertThat(sent.getVector()).isNull();
        assertThat(sent.getText()).isEqualTo("Grüße");
        assertThat(sent.getMode()).isEqualTo("vector");
        assertThat(sent.getIncludeText()).isTrue();
    }

    // -------------------------------------------------------------------------------- collections

    @Test
    void collectionWithAnEmbedderIsCreatedAndListedWithIt() throws Exception {
        CollectionInfo info =
                client.createCollection(
                                "embedded-docs", 384, s -> s.setEmbedder("all-minilm-l6-v2"))
                        .get(60, TimeUnit.SECONDS);
        CollectionInfo dimensionless =
                client.createCollection(
                                "embedded-auto",
                                0,
                                s -> s.setDimension(null).setEmbedder("all-minilm-l6-v2"))
                        .get(60, TimeUnit.SECONDS);

        assertThat(info.getEmbedder()).isEqualTo("all-minilm-l6-v2");
        assertThat(info.getDimension()).isEqualTo(384);
        assertThat(dimensionless.getEmbedder()).isEqualTo("all-minilm-l6-v2");
        CollectionRequest sent =
                PayloadCodec.decodeCollectionRequest(collectionRequestFor("embedded-docs").value());
        assertThat(sent.getEmbedder()).isEqualTo("all-minilm-l6-v2");
        assertThat(sent.getDimension()).isEqualTo(384);
        assertThat(
                        PayloadCodec.decodeCollectionRequest(
                                        collectionRequestFor("embedded-auto").value())
                                .getDimension())
                .as("the settings may leave the dimension to the embedder")
                .isNull();
        assertThat(client.listCollections().get(60, TimeUnit.SECONDS))
                .filteredOn(c -> c.getName().equals("embedded-docs"))
                .extracting(CollectionInfo::getEmbedder)
                .containsExactly("all-minilm-l6-v2");
    }

    @Test
    void createdCollectionComesBackWithEverySettingResolved() throws Exception {
        CollectionInfo info =
                client.createCollection(
                                "docs-created",
                                8,
                                s ->
                                        s.setMetric("dot")
                                                .setShards(4)
                                                .setIndexType("ivf-pq")
                                                .setIvfPqM(2)
                                                .setCompactionDeletedRatio(0.5))
                        .get(60, TimeUnit.SECONDS);

        assertThat(info)
                .isEqualTo(
                        CollectionInfo.newBuilder(FakeCollectionServer.DEFAULTS)
                                .setName("docs-created")
                                .setDimension(8)
                                .setMetric("dot")
                                .setShards(4)
                                .setIndexType("ivf-pq")
                                .setIvfPqM(2)
                                .setCompactionDeletedRatio(0.5)
                                .build());
        ConsumerRecord<byte[], byte[]> sent = collectionRequestFor("docs-created");
        CollectionRequest request = PayloadCodec.decodeCollectionRequest(sent.value());
        assertThat(request.getOp()).isEqualTo(CollectionOp.CREATE);
        assertThat(key(sent)).isEqualTo(request.getRequestId()).isNotBlank();
        assertThat(request.getHnswM()).as("unset settings are left to the job").isNull();
        assertThat(header(sent, KafkaContract.REPLY_TO_HEADER)).isEqualTo("collections.results");
        assertThat(header(sent, KafkaContract.CORRELATION_ID_HEADER)).isNotBlank();
    }

    @Test
    void creatingAgainWithTheSameSettingsSucceedsAndWithOthersIsRejected() throws Exception {
        CollectionInfo first =
                client.createCollection("docs-again", 16, s -> {}).get(60, TimeUnit.SECONDS);

        CollectionInfo second =
                client.createCollection("docs-again", 16, s -> {}).get(60, TimeUnit.SECONDS);
        CompletableFuture<CollectionInfo> other =
                client.createCollection("docs-again", 32, s -> {});

        assertThat(second).isEqualTo(first);
        assertThatThrownBy(() -> other.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        CollectionRejectedException.class,
                        e -> {
                            assertThat(e.code()).isEqualTo("COLLECTION_EXISTS");
                            assertThat(e.reason())
                                    .contains("collection 'docs-again' exists with other settings");
                            assertThat(e.requestId()).isNotBlank();
                        })
                .hasMessageStartingWith(
                        "creating collection 'docs-again' was rejected: COLLECTION_EXISTS:");
    }

    @Test
    void rejectionSurfacesTheCodeAndMessage() {
        CompletableFuture<CollectionInfo> answer = client.createCollection("full-one", 4, s -> {});

        assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(CollectionRejectedException.class)
                .hasMessage(
                        "creating collection 'full-one' was rejected: TOO_MANY_COLLECTIONS: the"
                                + " job serves 2 collections, its limit");
    }

    @Test
    void duplicatedAndHeaderlessAnswersAreMatchedOnce() throws Exception {
        CollectionInfo twice =
                client.createCollection("twice-docs", 3, s -> {}).get(60, TimeUnit.SECONDS);
        CollectionInfo headerless =
                client.createCollection("noheader-docs", 3, s -> {}).get(60, TimeUnit.SECONDS);

        assertThat(twice.getName()).isEqualTo("twice-docs");
        assertThat(headerless.getName()).isEqualTo("noheader-docs");
    }

    @Test
    void listReturnsTheCollectionsTheJobSentByName() throws Exception {
        client.createCollection("list-b", 2, s -> {}).get(60, TimeUnit.SECONDS);
        client.createCollection("list-a", 5, s -> s.setMetric("euclidean"))
                .get(60, TimeUnit.SECONDS);

        List<CollectionInfo> all = client.listCollections().get(60, TimeUnit.SECONDS);

        List<CollectionInfo> mine =
                all.stream().filter(c -> c.getName().startsWith("list-")).toList();
        assertThat(mine).extracting(CollectionInfo::getName).containsExactly("list-a", "list-b");
        assertThat(mine.get(0).getDimension()).isEqualTo(5);
        assertThat(mine.get(0).getMetric()).isEqualTo("euclidean");
        assertThat(all).extracting(CollectionInfo::getName).isSorted();
        CollectionRequest sent =
                decoded(collectionServer.requests()).stream()
                        .filter(r -> r.getOp() == CollectionOp.LIST)
                        .findFirst()
                        .orElseThrow();
        assertThat(sent.getCollection()).isNull();
    }

    @Test
    void unansweredCollectionRequestTimesOutWithTheDocumentedMessage() throws Exception {
        // The reply reader is started (and so out of the 700 ms) before the request that times out.
        client.listCollections().get(60, TimeUnit.SECONDS);
        CompletableFuture<CollectionInfo> answer =
                client.createCollection("silent-docs", 3, s -> {}, Duration.ofMillis(700));

        assertThatThrownBy(() -> answer.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("no answer to collection request '")
                .hasMessageContaining("within 700 ms on reply topic 'collections.results'")
                .hasMessageContaining("reading topic 'collections'");
    }

    @Test
    void collectionAnswersMayShareTheQueryReplyTopicAndTravelAsJson() throws Exception {
        try (VectorStreamClient shared =
                VectorStreamClient.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .collectionsReplyTopic(KafkaContract.RESULTS_TOPIC)
                        .wireFormat(WireFormat.JSON)
                        .defaultTimeout(GENEROUS)
                        .build()) {
            CompletableFuture<QueryResponse> query =
                    shared.query(request("plain-shared", new float[] {3f}, 2));
            CompletableFuture<CollectionInfo> created =
                    shared.createCollection("docs-shared", 7, s -> {});

            assertThat(query.get(60, TimeUnit.SECONDS).getHits().get(0).getId())
                    .isEqualTo("plain-shared");
            assertThat(created.get(60, TimeUnit.SECONDS).getDimension()).isEqualTo(7);
        }
        ConsumerRecord<byte[], byte[]> sent = collectionRequestFor("docs-shared");
        assertThat(header(sent, KafkaContract.REPLY_TO_HEADER)).isEqualTo("results");
        assertThat(WireFormat.detect(sent.value())).isEqualTo(WireFormat.JSON);
    }

    // ------------------------------------------------------------------------------------ helpers

    private static ConsumerRecord<byte[], byte[]> collectionRequestFor(String name) {
        return collectionServer.requests().stream()
                .filter(
                        r ->
                                name.equals(
                                        PayloadCodec.decodeCollectionRequest(r.value())
                                                .getCollection()))
                .findFirst()
                .orElseThrow();
    }

    private static QueryRequest sentQuery(String collection) {
        return server.requests().stream()
                .map(x -> PayloadCodec.decodeQueryRequest(x.value()))
                .filter(q -> q.getCollection().equals(collection))
                .findFirst()
                .orElseThrow();
    }

    private static List<CollectionRequest> decoded(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> PayloadCodec.decodeCollectionRequest(r.value())).toList();
    }

    private static QueryRequest request(String queryId, float[] vector, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(queryId)
                .setVector(FloatVectors.toBytes(vector))
                .setK(k)
                .build();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + GENEROUS.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
                    && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        assertThat(out).hasSize(expected);
        return out;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
