package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.jobs.testing.JobRest;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.operators.embed.TextEmbedder;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.state.text.Bm25;
import io.vectorstream.state.text.Tokenizer;
import io.vectorstream.state.vector.VectorMath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text in, text out, through the Kafka contract: a collection with an embedder takes records with
 * text and no vector, embeds them in the job with all-MiniLM-L6-v2, and answers keyword (BM25),
 * vector (the query text embedded) and hybrid (RRF) queries. Each mode is checked against an exact
 * oracle computed here: BM25 by its definition over each shard's live texts (shards keep their own
 * statistics), cosine over the same model's embeddings, and their fusion. Nothing seals (seal size
 * above the data, no idle seal), so the job's vector search is exact too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TextSearchITCase {

    private static final int PARALLELISM = 2;
    private static final int SHARDS = 2;
    private static final String DOCS = "docs";

    private static final String[] SUBJECTS = {
        "library",
        "tool",
        "server",
        "editor",
        "game",
        "driver",
        "database",
        "compiler",
        "font",
        "daemon",
        "plugin",
        "toolkit"
    };
    private static final String[] TOPICS = {
        "image processing",
        "network monitoring",
        "text editing",
        "audio playback",
        "python bindings",
        "java runtime",
        "kafka streams",
        "vector search",
        "spell checking",
        "email client",
        "web browser",
        "package manager",
        "file compression",
        "music notation"
    };
    private static final String[] EXTRAS = {
        "documentation",
        "development files",
        "command line",
        "graphical interface",
        "shared",
        "plugins",
        "utilities",
        "data files"
    };

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
    private static MiniCluster cluster;
    private static VectorStreamClient client;

    /** The oracle's data: live texts and vectors by id, and metadata. */
    private static final Map<String, String> texts = new LinkedHashMap<>();

    private static final Map<String, float[]> vectors = new HashMap<>();
    private static final Map<String, Map<String, String>> metadata = new HashMap<>();
    private static final Random rnd = new Random(20261206);

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results")) {
            kafka.createTopic(t, 2);
        }
        for (String t : List.of("vectors.dlq", "collections", "collections.results")) {
            kafka.createTopic(t, 1);
        }
        client = EndToEnd.client(kafka);
    }

    /**
     * Submitted from a test, not {@code @BeforeAll}, so that it runs on the extension's cluster.
     */
    private static void startJob() throws Exception {
        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("vectorstream.collection.dimension", "8");
        conf.setString("vectorstream.index.seal-size", "100000");
        conf.setString("vectorstream.index.seal-after-idle", "0 ms");
        conf.setString("vectorstream.embedder.threads", "2");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.interval", "2 s");
        conf.setString(
                "execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", String.valueOf(PARALLELISM));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        VectorStreamJob.attachKafka(env, conf);
        job = env.executeAsync("text-search-itcase");
    }

    @AfterAll
    static void stopSystem() throws Exception {
        EndToEnd.stop(client, job, kafka);
    }

    @Test
    @Order(1)
    void aCollectionWithAnEmbedderTakesTextsWithoutVectors(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        TextSearchITCase.cluster = cluster;
        startJob();
        CollectionInfo created =
                client.createCollection(
                                DOCS,
                                0,
                                r ->
                                        r.setDimension(null)
                                                .setShards(SHARDS)
                                                .setEmbedder("All-MiniLM-L6-v2"))
                        .get(60, TimeUnit.SECONDS);
        assertThat(created.getDimension()).isEqualTo(384);
        assertThat(created.getEmbedder()).isEqualTo("all-minilm-l6-v2");

        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 160; i++) {
            acks.add(upsertText("d" + i, randomText()));
        }
        // Records that bring their vector skip the embedder: theirs is what the job keeps.
        for (int i = 0; i < 8; i++) {
            float[] v = embed("a record with its own vector number " + i);
            acks.add(upsert("own" + i, v, randomText()));
        }
        for (int i = 0; i < 160; i += 7) {
            acks.add(delete("d" + i));
        }
        for (int i = 1; i < 160; i += 11) {
            acks.add(upsertText("d" + i, randomText())); // new text, so a new vector too
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        QueryResponse all = query(keyword("library tool server editor game driver database", 1000));
        assertThat(all.getError()).isNull();
        assertThat(all.getComplete()).isTrue();
        QueryResponse own = query(vectorQuery(vectors.get("own3"), 1).setIncludeVectors(true));
        assertThat(own.getHits().get(0).getId()).isEqualTo("own3");
        assertThat(FloatVectors.fromBytes(own.getHits().get(0).getVector()))
                .containsExactly(vectors.get("own3"), within(1e-6f));
    }

    @Test
    @Order(2)
    void keywordSearchMatchesBm25OverEachShardsLiveTexts() throws Exception {
        for (int q = 0; q < 12; q++) {
            String text = q % 3 == 0 ? randomText() : TOPICS[rnd.nextInt(TOPICS.length)];
            int k = 1 + rnd.nextInt(20);
            QueryResponse r = query(keyword(text, k).setIncludeText(true));
            assertThat(r.getError()).as(text).isNull();
            List<Map.Entry<String, Double>> expected = bm25(text, k, null);
            assertMatches(r.getHits(), expected, 1e-4, "keyword '" + text + "'");
            assertThat(r.getHits())
                    .allSatisfy(h -> assertThat(h.getText()).isEqualTo(texts.get(h.getId())));
        }
    }

    @Test
    @Order(3)
    void aKeywordQueryIsFilteredByMetadataWithoutChangingItsScores() throws Exception {
        String text = "library python bindings documentation";
        String filter = "{\"eq\":{\"subject\":\"library\"}}";
        QueryResponse r = query(keyword(text, 15).setFilter(filter));
        assertThat(r.getError()).isNull();
        assertThat(r.getHits()).isNotEmpty();
        assertMatches(r.getHits(), bm25(text, 15, "library"), 1e-4, "filtered keyword");
    }

    @Test
    @Order(4)
    void aVectorQueryWithTextIsEmbeddedByTheCollectionsModel() throws Exception {
        for (int q = 0; q < 6; q++) {
            String text =
                    "a "
                            + TOPICS[rnd.nextInt(TOPICS.length)]
                            + " "
                            + SUBJECTS[rnd.nextInt(SUBJECTS.length)];
            QueryResponse r =
                    query(
                            QueryRequest.newBuilder()
                                    .setQueryId(UUID.randomUUID().toString())
                                    .setCollection(DOCS)
                                    .setText(text)
                                    .setK(10)
                                    .setConsistency("strong"));
            assertThat(r.getError()).as(text).isNull();
            assertMatches(r.getHits(), cosine(embed(text), 10), 1e-4, "vector '" + text + "'");
        }
    }

    @Test
    @Order(5)
    void hybridSearchFusesBothRankingsByReciprocalRank() throws Exception {
        for (int q = 0; q < 6; q++) {
            String text =
                    TOPICS[rnd.nextInt(TOPICS.length)] + " " + EXTRAS[rnd.nextInt(EXTRAS.length)];
            int k = 10;
            int c = q % 2 == 0 ? 60 : 5;
            QueryResponse r =
                    query(
                            QueryRequest.newBuilder()
                                    .setQueryId(UUID.randomUUID().toString())
                                    .setCollection(DOCS)
                                    .setText(text)
                                    .setMode("hybrid")
                                    .setRankConstant(c)
                                    .setK(k)
                                    .setConsistency("strong"));
            assertThat(r.getError()).as(text).isNull();
            List<Map.Entry<String, Double>> byKeywords = bm25(text, k, null);
            List<Map.Entry<String, Double>> byVector = cosine(embed(text), k);
            Map<String, Double> fused = new HashMap<>();
            for (List<Map.Entry<String, Double>> ranking : List.of(byKeywords, byVector)) {
                for (int i = 0; i < ranking.size(); i++) {
                    fused.merge(ranking.get(i).getKey(), 1.0 / (c + i + 1), Double::sum);
                }
            }
            List<Map.Entry<String, Double>> expected = best(fused, k);
            // Ties within either ranking may order its hits differently: compare fused scores,
            // and ids only where they are clear of the last one's.
            assertMatches(
                    r.getHits(), expected, 2.0 / ((c + 1.0) * (c + 2.0)), "hybrid '" + text + "'");
        }
    }

    @Test
    @Order(6)
    void textQueriesTheCollectionCannotAnswerGetErrors() throws Exception {
        // The configured collection has no embedder: a text alone is a dead letter.
        client.publish(VectorRecord.newBuilder().setId("t1").setText("only text").build())
                .get(30, TimeUnit.SECONDS);
        List<DeadLetter> dead = KafkaTopics.readDeadLetters(kafka.bootstrapServers(), 1);
        assertThat(dead)
                .singleElement()
                .satisfies(d -> assertThat(d.getCode()).isEqualTo("MISSING_VECTOR"));
        QueryResponse noEmbedder =
                query(QueryRequest.newBuilder().setQueryId("no-embedder").setText("kafka streams"));
        assertThat(noEmbedder.getError().getCode()).isEqualTo("MISSING_VECTOR");
        QueryResponse noText =
                query(QueryRequest.newBuilder().setQueryId("no-text").setMode("keyword"));
        assertThat(noText.getError().getCode()).isEqualTo("MISSING_TEXT");
        // A keyword query of the configured collection works without an embedder.
        QueryResponse keywordOnly =
                query(
                        QueryRequest.newBuilder()
                                .setQueryId("kw-default")
                                .setMode("keyword")
                                .setText("x"));
        assertThat(keywordOnly.getError()).isNull();
        assertThat(keywordOnly.getHits()).isEmpty();
    }

    /** Embedding, checkpoints of in-flight texts and every query above: never a restart. */
    @Test
    @Order(7)
    void theJobNeverRestarted() throws Exception {
        JobRest rest = new JobRest(cluster.getRestAddress().get(), job.getJobID());
        assertThat(rest.failureCount()).as("%s", rest.lastFailure()).isZero();
        assertThat(rest.numRestarts())
                .as("restarts (-1 while not reported)")
                .isLessThanOrEqualTo(0);
        assertThat(rest.allTasksRunning()).isTrue();
    }

    // ------------------------------------------------------------------ the oracle

    /** BM25 by its definition, each shard over its own live texts, the best k over all shards. */
    private static List<Map.Entry<String, Double>> bm25(String query, int k, String subject) {
        List<String> terms = List.copyOf(new LinkedHashSet<>(Tokenizer.terms(query)));
        Map<String, Double> scores = new HashMap<>();
        for (int shard = 0; shard < SHARDS; shard++) {
            Map<String, List<String>> docs = new HashMap<>();
            long total = 0;
            for (Map.Entry<String, String> e : texts.entrySet()) {
                List<String> t = Tokenizer.terms(e.getValue());
                if (ShardRouter.shardOf(e.getKey(), SHARDS) == shard && !t.isEmpty()) {
                    docs.put(e.getKey(), t);
                    total += t.size();
                }
            }
            float avg = (float) ((double) total / docs.size());
            for (String term : terms) {
                long df = docs.values().stream().filter(t -> t.contains(term)).count();
                if (df == 0) {
                    continue;
                }
                float idf = Bm25.idf(docs.size(), df);
                for (Map.Entry<String, List<String>> d : docs.entrySet()) {
                    int tf = (int) d.getValue().stream().filter(term::equals).count();
                    if (tf > 0) {
                        scores.merge(
                                d.getKey(),
                                (double) Bm25.score(idf, tf, d.getValue().size(), avg),
                                Double::sum);
                    }
                }
            }
        }
        if (subject != null) {
            scores.keySet().removeIf(id -> !subject.equals(metadata.get(id).get("subject")));
        }
        return best(scores, k);
    }

    private static List<Map.Entry<String, Double>> cosine(float[] q, int k) {
        Map<String, Double> scores = new HashMap<>();
        for (String id : texts.keySet()) {
            float[] v = vectors.get(id);
            double dot = 0;
            for (int i = 0; i < v.length; i++) {
                dot += (double) q[i] * v[i];
            }
            scores.put(id, dot);
        }
        return best(scores, k);
    }

    private static List<Map.Entry<String, Double>> best(Map<String, Double> scores, int k) {
        return scores.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .limit(k)
                .toList();
    }

    /**
     * The hits have the expected scores, in order, and the expected ids wherever a score is clear
     * of the last expected one's (a tie at the cut may let either in).
     */
    private static void assertMatches(
            List<Hit> hits,
            List<Map.Entry<String, Double>> expected,
            double tolerance,
            String what) {
        assertThat(hits).as(what).hasSize(expected.size());
        for (int h = 0; h < hits.size(); h++) {
            assertThat((double) hits.get(h).getScore())
                    .as("%s: score of hit %d", what, h)
                    .isCloseTo(expected.get(h).getValue(), within(tolerance));
        }
        double last = expected.isEmpty() ? 0 : expected.get(expected.size() - 1).getValue();
        List<String> clear =
                expected.stream()
                        .filter(e -> e.getValue() > last + tolerance)
                        .map(Map.Entry::getKey)
                        .toList();
        assertThat(hits.stream().map(Hit::getId).toList()).as(what).containsAll(clear);
    }

    // ------------------------------------------------------------------ writing and asking

    private static String randomText() {
        String subject = SUBJECTS[rnd.nextInt(SUBJECTS.length)];
        return "A "
                + subject
                + " for "
                + TOPICS[rnd.nextInt(TOPICS.length)]
                + (rnd.nextBoolean() ? " and " + TOPICS[rnd.nextInt(TOPICS.length)] : "")
                + " - "
                + EXTRAS[rnd.nextInt(EXTRAS.length)];
    }

    private static float[] embed(String text) {
        float[] v = TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, text);
        VectorMath.normalize(v);
        return v;
    }

    private static CompletableFuture<?> upsertText(String id, String text) {
        return upsert(id, null, text);
    }

    private static CompletableFuture<?> upsert(String id, float[] vector, String text) {
        String subject = text.split(" ")[1];
        texts.put(id, text);
        vectors.put(id, vector != null ? vector : embed(text));
        metadata.put(id, Map.of("subject", subject));
        VectorRecord.Builder r =
                VectorRecord.newBuilder()
                        .setId(id)
                        .setCollection(DOCS)
                        .setText(text)
                        .setMetadata(Map.of("subject", subject));
        if (vector != null) {
            r.setVector(FloatVectors.toBytes(vector));
        }
        return client.publish(r.build());
    }

    private static CompletableFuture<?> delete(String id) {
        texts.remove(id);
        vectors.remove(id);
        metadata.remove(id);
        return client.publish(
                VectorRecord.newBuilder().setId(id).setCollection(DOCS).setOp(Op.DELETE).build());
    }

    private static QueryRequest.Builder keyword(String text, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setCollection(DOCS)
                .setMode("keyword")
                .setText(text)
                .setK(k)
                .setConsistency("strong");
    }

    private static QueryRequest.Builder vectorQuery(float[] v, int k) {
        return QueryRequest.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setCollection(DOCS)
                .setVector(FloatVectors.toBytes(v))
                .setK(k)
                .setConsistency("strong");
    }

    private static QueryResponse query(QueryRequest.Builder request) throws Exception {
        return client.query(request.setTimeoutMs(30_000).build()).get(60, TimeUnit.SECONDS);
    }
}
