package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path against real parts: a KRaft broker from the Kafka jars, the job on a Flink mini
 * cluster with RocksDB and checkpoints, and the Java client. Answers are compared with exact brute
 * force over what the test published. The tests share one running job, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VectorStreamITCase {

    private static final int DIM = 32;
    private static final int COUNT = 3000;
    private static final int PARALLELISM = 2;

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

    /** What the test has published and not deleted: the oracle's data. */
    private static final Map<String, float[]> live = new LinkedHashMap<>();

    private static final Random rnd = new Random(20261124);

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results", "my-replies")) {
            kafka.createTopic(t, 2);
        }
        kafka.createTopic("vectors.dlq", 1);

        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("vectorstream.collection.metric", "cosine");
        conf.setString("vectorstream.query.max-k", "5000");
        conf.setString("vectorstream.limits.max-record-bytes", "8192");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.interval", "2 s");
        conf.setString("execution.checkpointing.incremental", "true");
        conf.setString(
                "execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", String.valueOf(PARALLELISM));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        VectorStreamJob.attachKafka(env, conf);
        job = env.executeAsync("vectorstream-itcase");

        client = EndToEnd.client(kafka);
    }

    @AfterAll
    static void stopSystem() throws Exception {
        EndToEnd.stop(client, job, kafka);
    }

    @Test
    @Order(1)
    void answersEqualExactBruteForceTopK() throws Exception {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            float[] v = randomVector();
            live.put("doc-" + i, v);
            acks.add(client.upsert("doc-" + i, v, Map.of("n", String.valueOf(i))));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        awaitLiveCount(COUNT);

        for (int q = 0; q < 30; q++) {
            float[] query = randomVector();
            QueryResponse r = client.query(query, 10).get(30, TimeUnit.SECONDS);
            assertThat(r.getError()).isNull();
            assertThat(r.getComplete()).isTrue();
            assertThat(r.getShardsAnswered()).isEqualTo(VectorStreamOptions.SHARDS.defaultValue());
            assertThat(r.getShardsExpected()).isEqualTo(VectorStreamOptions.SHARDS.defaultValue());
            List<String> expected = bruteForce(query, 10);
            assertThat(r.getHits()).extracting(Hit::getId).containsExactlyElementsOf(expected);
            for (Hit h : r.getHits()) {
                assertThat(h.getScore())
                        .isCloseTo((float) cosine(query, live.get(h.getId())), within(1e-4f));
                assertThat(h.getMetadata()).containsEntry("n", h.getId().substring(4));
            }
        }
    }

    @Test
    @Order(2)
    void upsertsReplaceAndDeletesRemove() throws Exception {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            acks.add(client.delete("doc-" + i));
            live.remove("doc-" + i);
        }
        Map<String, float[]> replaced = new HashMap<>();
        for (int i = 100; i < 200; i++) {
            float[] v = randomVector();
            replaced.put("doc-" + i, v);
            live.put("doc-" + i, v);
            acks.add(client.upsert("doc-" + i, v, Map.of("n", String.valueOf(i), "version", "2")));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        awaitLiveCount(COUNT - 100);

        for (Map.Entry<String, float[]> e : replaced.entrySet()) {
            if (rnd.nextInt(5) != 0) {
                continue;
            }
            QueryResponse r = awaitTop1(e.getValue(), e.getKey());
            assertThat(r.getHits().get(0).getMetadata()).containsEntry("version", "2");
            assertThat(r.getHits().get(0).getScore()).isCloseTo(1f, within(1e-4f));
        }
        QueryResponse all = client.query(randomVector(), 5000).get(30, TimeUnit.SECONDS);
        List<String> ids = all.getHits().stream().map(Hit::getId).toList();
        assertThat(ids)
                .doesNotHaveDuplicates()
                .hasSize(COUNT - 100)
                .containsExactlyInAnyOrderElementsOf(live.keySet());
        for (int q = 0; q < 10; q++) {
            float[] query = randomVector();
            assertThat(client.query(query, 10).get(30, TimeUnit.SECONDS).getHits())
                    .extracting(Hit::getId)
                    .containsExactlyElementsOf(bruteForce(query, 10));
        }
    }

    @Test
    @Order(3)
    void badRecordsGoToTheDeadLetterTopicAndGoodOnesAreStillIndexed() throws Exception {
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("WRONG_DIMENSION", avro("bad-dim", new float[DIM - 1]));
        float[] nan = randomVector();
        nan[3] = Float.NaN;
        bad.put("NOT_FINITE", avro("bad-nan", nan));
        bad.put("MISSING_ID", "{\"vector\":[1,2]}".getBytes(StandardCharsets.UTF_8));
        bad.put("UNDECODABLE", new byte[] {1, 2, 3, 4, 5});
        bad.put("TOO_LARGE", avro("bad-big", new float[DIM], "x".repeat(9000)));

        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTopics.rawProducer(kafka.bootstrapServers())) {
            int good = 0;
            for (byte[] value : bad.values()) {
                String goodId = "good-" + good++;
                float[] v = randomVector();
                live.put(goodId, v);
                producer.send(new ProducerRecord<>("vectors", utf8(goodId), avro(goodId, v))).get();
                producer.send(new ProducerRecord<>("vectors", null, value)).get();
            }
        }

        List<DeadLetter> dead = KafkaTopics.readDeadLetters(kafka.bootstrapServers(), bad.size());
        assertThat(dead)
                .extracting(DeadLetter::getCode)
                .containsExactlyInAnyOrderElementsOf(bad.keySet());
        for (DeadLetter d : dead) {
            byte[] original = new byte[d.getValue().remaining()];
            d.getValue().duplicate().get(original);
            assertThat(original).isEqualTo(bad.get(d.getCode()));
            assertThat(d.getReason()).isNotBlank();
            assertThat(d.getTopic()).isEqualTo("vectors");
        }
        for (int i = 0; i < bad.size(); i++) {
            awaitTop1(live.get("good-" + i), "good-" + i);
        }
        awaitLiveCount(live.size());
    }

    @Test
    @Order(4)
    void badQueriesGetAnErrorAnswerAndTheJobKeepsServing() throws Exception {
        // The job's collection takes its dimension from its first vector, which only the vector
        // validators and the shards see: the shards refuse a query of another dimension.
        float[] oneTooMany = new float[DIM + 1];
        oneTooMany[0] = 1;
        QueryResponse wrongDim = client.query(oneTooMany, 10).get(30, TimeUnit.SECONDS);
        assertThat(wrongDim.getError().getCode()).isEqualTo("WRONG_DIMENSION");
        assertThat(wrongDim.getError().getMessage()).contains("dimension " + (DIM + 1));
        assertThat(wrongDim.getComplete()).isFalse();

        QueryResponse bigK = client.query(randomVector(), 6000).get(30, TimeUnit.SECONDS);
        assertThat(bigK.getError().getCode()).isEqualTo("K_TOO_LARGE");
        assertThat(bigK.getError().getMessage()).contains("vectorstream.query.max-k=5000");

        // A JSON query by hand, with its own reply topic and correlation id: answered in JSON
        // there.
        float[] query = randomVector();
        StringBuilder json = new StringBuilder("{\"queryId\":\"by-hand\",\"k\":3,\"vector\":[");
        for (int i = 0; i < DIM; i++) {
            json.append(i == 0 ? "" : ",").append(query[i]);
        }
        json.append("]}");
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaTopics.rawProducer(kafka.bootstrapServers())) {
            ProducerRecord<byte[], byte[]> r =
                    new ProducerRecord<>(
                            "queries",
                            utf8("by-hand"),
                            json.toString().getBytes(StandardCharsets.UTF_8));
            r.headers().add("reply-to", utf8("my-replies")).add("correlation-id", utf8("corr-42"));
            producer.send(r).get();
            producer.send(new ProducerRecord<>("queries", utf8("garbage"), utf8("not a query")))
                    .get();
            ProducerRecord<byte[], byte[]> lost =
                    new ProducerRecord<>(
                            "queries",
                            utf8("nowhere"),
                            utf8(json.toString().replace("by-hand", "nowhere")));
            lost.headers().add("reply-to", utf8("no-such-topic"));
            producer.send(lost).get();
        }
        ConsumerRecord<byte[], byte[]> answer =
                KafkaTopics.awaitAnyRecord(kafka.bootstrapServers(), "my-replies");
        assertThat(new String(answer.key(), StandardCharsets.UTF_8)).isEqualTo("by-hand");
        assertThat(answer.headers().lastHeader("correlation-id").value())
                .isEqualTo(utf8("corr-42"));
        assertThat(WireFormat.detect(answer.value())).isEqualTo(WireFormat.JSON);
        QueryResponse byHand = PayloadCodec.decodeQueryResponse(answer.value());
        assertThat(byHand.getHits())
                .extracting(Hit::getId)
                .containsExactlyElementsOf(bruteForce(query, 3));

        // The undecodable query was answered on the default topic, keyed by its Kafka key.
        QueryResponse garbage = answerOnResults("garbage");
        assertThat(garbage.getError().getCode()).isEqualTo("UNDECODABLE");
        // A reply topic that does not exist would fail the sink; the error goes to results instead.
        QueryResponse nowhere = answerOnResults("nowhere");
        assertThat(nowhere.getError().getCode()).isEqualTo("UNKNOWN_REPLY_TOPIC");

        float[] after = randomVector();
        assertThat(client.query(after, 5).get(30, TimeUnit.SECONDS).getHits())
                .extracting(Hit::getId)
                .containsExactlyElementsOf(bruteForce(after, 5));
    }

    @Test
    @Order(5)
    void perQueryKnobsAndHitVectorsWorkEndToEnd() throws Exception {
        float[] query = randomVector();
        QueryRequest tuned =
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setVector(FloatVectors.toBytes(query))
                        .setK(5)
                        .setIncludeMetadata(false)
                        .setIncludeVectors(true)
                        .setEf(200)
                        .setNprobe(4)
                        .setRerank(0)
                        .build();
        QueryResponse r = client.query(tuned).get(30, TimeUnit.SECONDS);
        assertThat(r.getError()).isNull();
        assertThat(r.getHits())
                .extracting(Hit::getId)
                .containsExactlyElementsOf(bruteForce(query, 5));
        for (Hit h : r.getHits()) {
            // Under cosine the job stores unit vectors: the hit's vector is the published one,
            // normalised.
            float[] published = live.get(h.getId());
            double norm = Math.sqrt(normSquared(published));
            float[] returned = FloatVectors.fromBytes(h.getVector());
            assertThat(returned).hasSize(DIM);
            for (int i = 0; i < DIM; i++) {
                assertThat(returned[i]).isCloseTo((float) (published[i] / norm), within(1e-5f));
            }
            assertThat(h.getMetadata()).isEmpty();
        }

        QueryResponse tooWide =
                client.query(QueryRequest.newBuilder(tuned).setQueryId("wide").setEf(5000).build())
                        .get(30, TimeUnit.SECONDS);
        assertThat(tooWide.getError().getCode()).isEqualTo("EF_TOO_LARGE");
        assertThat(tooWide.getError().getMessage()).contains("vectorstream.query.max-ef=4096");
    }

    @Test
    @Order(6)
    void aStrongQuerySeesTheUpsertAcknowledgedJustBeforeIt() throws Exception {
        for (int i = 0; i < 50; i++) {
            String id = "fresh-" + i + "-" + UUID.randomUUID();
            float[] v = randomVector();
            client.upsert(id, v, Map.of()).get(30, TimeUnit.SECONDS);
            live.put(id, v);
            QueryRequest strong =
                    QueryRequest.newBuilder()
                            .setQueryId(UUID.randomUUID().toString())
                            .setVector(FloatVectors.toBytes(v))
                            .setK(1)
                            .setConsistency("strong")
                            .build();
            QueryResponse r = client.query(strong).get(30, TimeUnit.SECONDS);
            assertThat(r.getError()).isNull();
            assertThat(r.getComplete()).as("answer %d: %s", i, r).isTrue();
            assertThat(r.getHits()).extracting(Hit::getId).as("answer %d", i).containsExactly(id);
        }
    }

    private static double normSquared(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return s;
    }

    // ------------------------------------------------------------------------------ helpers

    private static void awaitLiveCount(int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int seen = -1;
        while (System.nanoTime() < deadline) {
            seen = client.query(randomVector(), 5000).get(30, TimeUnit.SECONDS).getHits().size();
            if (seen == expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the index holds " + seen + " vectors, expected " + expected);
    }

    private static QueryResponse awaitTop1(float[] vector, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        QueryResponse r = null;
        while (System.nanoTime() < deadline) {
            r = client.query(vector, 1).get(30, TimeUnit.SECONDS);
            if (!r.getHits().isEmpty()
                    && r.getHits().get(0).getId().equals(id)
                    && Math.abs(r.getHits().get(0).getScore() - 1f) < 1e-4) {
                return r;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(id + " is not its own nearest neighbour: " + r);
    }

    @Test
    @Order(20)
    void pagesAndScoreThresholdsCutTheSameRankingAlsoUnderAFilter() throws Exception {
        // The collection may have sealed into HNSW by now, whose answers depend on how deep it
        // searches: each option is checked against the job's own ranking of the same depth
        // without it, and that ranking against exact brute force.
        String filter = "{\"range\":{\"n\":{\"lt\":1500}}}";
        for (int t = 0; t < 5; t++) {
            float[] query = randomVector();
            for (int page = 0; page < 3; page++) {
                List<Hit> upTo = hits(request(query, 10 * (page + 1)));
                assertThat(recall(ids(upTo), bruteForce(query, upTo.size())))
                        .isGreaterThanOrEqualTo(0.9);
                assertThat(ids(hits(request(query, 10).setOffset(10 * page))))
                        .containsExactlyElementsOf(ids(upTo.subList(10 * page, upTo.size())));
            }

            // A bound halfway between the 12th and 13th scores keeps exactly those 12.
            List<Hit> top50 = hits(request(query, 50));
            float bound = (top50.get(11).getScore() + top50.get(12).getScore()) / 2;
            List<Hit> above = hits(request(query, 50).setMinScore(bound));
            assertThat(ids(above)).containsExactlyElementsOf(ids(top50.subList(0, 12)));
            assertThat(above)
                    .allSatisfy(h -> assertThat(h.getScore()).isGreaterThanOrEqualTo(bound));

            // Under a filter, with a page: depth 50 + 2 on both sides, and a bound of the
            // filtered ranking's own (between its 8th and 9th), so that 8 pass and 6 are paged.
            List<Hit> filtered = hits(request(query, 52).setFilter(filter));
            float filteredBound = (filtered.get(7).getScore() + filtered.get(8).getScore()) / 2;
            List<String> filteredAbove =
                    filtered.stream()
                            .filter(h -> h.getScore() >= filteredBound)
                            .map(Hit::getId)
                            .toList();
            assertThat(filteredAbove).hasSize(8);
            List<Hit> both =
                    hits(
                            request(query, 50)
                                    .setFilter(filter)
                                    .setMinScore(filteredBound)
                                    .setOffset(2));
            assertThat(ids(both))
                    .containsExactlyElementsOf(filteredAbove.subList(2, filteredAbove.size()));
            assertThat(both)
                    .allSatisfy(
                            h ->
                                    assertThat(Integer.parseInt(h.getId().substring(4)))
                                            .isLessThan(1500));
        }

        QueryResponse wrongMetric =
                client.query(request(randomVector(), 5).setMaxDistance(0.5f).build())
                        .get(30, TimeUnit.SECONDS);
        assertThat(wrongMetric.getError().getCode()).isEqualTo("BAD_THRESHOLD");
        QueryResponse tooDeep =
                client.query(request(randomVector(), 10).setOffset(4991).build())
                        .get(30, TimeUnit.SECONDS);
        assertThat(tooDeep.getError().getCode()).isEqualTo("OFFSET_TOO_LARGE");
    }

    @Test
    @Order(21)
    void groupsAreTheBestGroupsOfTheRankingAndMatchBruteForce() throws Exception {
        // 40 documents of 10 chunks each, beside the vectors without a "doc" key.
        List<CompletableFuture<?>> acks = new ArrayList<>();
        Map<String, String> docOf = new LinkedHashMap<>();
        for (int d = 0; d < 40; d++) {
            for (int c = 0; c < 10; c++) {
                String id = "chunk-" + d + "-" + c;
                float[] v = randomVector();
                live.put(id, v);
                docOf.put(id, "doc-" + d);
                acks.add(client.upsert(id, v, Map.of("doc", "doc-" + d)));
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        awaitLiveCount(live.size());

        for (int t = 0; t < 5; t++) {
            float[] query = randomVector();
            // k 5, 2 per group: the groups come from the best 8 x 5 x 2 = 80 hits; the filter
            // keeps the vectors without the key from taking candidates' places
            // The 400 new vectors may be sealing or merging meanwhile: compare once the two
            // searches saw the same segments (a few tries at most).
            List<Hit> grouped = null;
            List<Hit> candidates = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                grouped =
                        hits(
                                request(query, 5)
                                        .setGroupBy("doc")
                                        .setGroupSize(2)
                                        .setIncludeMetadata(false)
                                        .setFilter("{\"exists\":\"doc\"}"));
                candidates = hits(request(query, 80).setFilter("{\"exists\":\"doc\"}"));
                if (ids(grouped).equals(groupLocally(candidates, 5, 2))) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(ids(grouped)).containsExactlyElementsOf(groupLocally(candidates, 5, 2));
            // without includeMetadata each hit still carries its group's value, and only that
            for (Hit h : grouped) {
                assertThat(h.getMetadata()).containsExactly(Map.entry("doc", docOf.get(h.getId())));
            }

            List<String> exact =
                    bruteForce(query, live.size()).stream()
                            .filter(docOf::containsKey)
                            .limit(80)
                            .toList();
            assertThat(recall(ids(candidates), exact)).isGreaterThanOrEqualTo(0.9);
            List<String> exactGroups = new ArrayList<>();
            Map<String, Integer> taken = new LinkedHashMap<>();
            for (String id : exact) {
                String doc = docOf.get(id);
                if (!taken.containsKey(doc) && taken.size() == 5) {
                    continue;
                }
                if (taken.merge(doc, 1, Integer::sum) <= 2) {
                    exactGroups.add(id);
                }
            }
            assertThat(recall(ids(grouped), exactGroups)).isGreaterThanOrEqualTo(0.8);
        }
    }

    /** Groups of {@code ranking}'s hits by their "doc", as README defines them, group by group. */
    private static List<String> groupLocally(List<Hit> ranking, int k, int groupSize) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (Hit h : ranking) {
            String doc = h.getMetadata().get("doc");
            List<String> group = groups.get(doc);
            if (group == null && groups.size() < k) {
                group = new ArrayList<>();
                groups.put(doc, group);
            }
            if (group != null && group.size() < groupSize) {
                group.add(h.getId());
            }
        }
        return groups.values().stream().flatMap(List::stream).toList();
    }

    private static List<Hit> hits(QueryRequest.Builder request) throws Exception {
        QueryResponse r = client.query(request.build()).get(30, TimeUnit.SECONDS);
        assertThat(r.getError()).isNull();
        assertThat(r.getComplete()).isTrue();
        return r.getHits();
    }

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::getId).toList();
    }

    private static double recall(List<String> found, List<String> exact) {
        return (double) found.stream().filter(exact::contains).count() / exact.size();
    }

    private static QueryRequest.Builder request(float[] query, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setVector(FloatVectors.toBytes(query))
                .setK(k);
    }

    private static List<String> bruteForce(float[] q, int k) {
        return live.entrySet().stream()
                .sorted(
                        Comparator.comparingDouble(
                                        (Map.Entry<String, float[]> e) -> -cosine(q, e.getValue()))
                                .thenComparing(Map.Entry::getKey))
                .limit(k)
                .map(Map.Entry::getKey)
                .toList();
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static float[] randomVector() {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static byte[] avro(String id, float[] v) {
        return avro(id, v, null);
    }

    private static byte[] avro(String id, float[] v, String text) {
        return PayloadCodec.encode(
                VectorRecord.newBuilder()
                        .setId(id)
                        .setOp(Op.UPSERT)
                        .setVector(FloatVectors.toBytes(v))
                        .setText(text)
                        .build(),
                WireFormat.AVRO);
    }

    private static QueryResponse answerOnResults(String key) {
        return PayloadCodec.decodeQueryResponse(
                KafkaTopics.awaitRecord(kafka.bootstrapServers(), "results", key).value());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
