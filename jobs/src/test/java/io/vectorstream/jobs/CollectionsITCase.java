package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleBiFunction;
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
 * Several collections in one job, through the Kafka contract: control requests on the collections
 * topic, answers on collections.results, and vectors and queries naming their collection. Each
 * collection is checked against exact brute force in its own metric. Before the job starts, the
 * collections topic already holds a CREATE and the vectors topic that collection's vectors: a job
 * started without state must replay the CREATE first and index them all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CollectionsITCase {

    private static final int PARALLELISM = 2;
    private static final int DEFAULT_DIM = 8;

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
    private static KafkaProducer<byte[], byte[]> producer;

    /** Per collection, what the test published: the oracle's data. */
    private static final Map<String, Map<String, float[]>> live = new LinkedHashMap<>();

    private static final Random rnd = new Random(20261124);

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results")) {
            kafka.createTopic(t, 2);
        }
        for (String t : List.of("vectors.dlq", "collections", "collections.results")) {
            kafka.createTopic(t, 1);
        }
        producer = KafkaTopics.rawProducer(kafka.bootstrapServers());
        client = EndToEnd.client(kafka);

        // Written before the job exists: a CREATE, then 200 vectors of that collection.
        send("collections", "early-1", createJson("early-1", "early", 3, "dot", ""));
        publish("early", 3, 200);

        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("vectorstream.collection.dimension", String.valueOf(DEFAULT_DIM));
        conf.setString("vectorstream.index.seal-size", "100");
        conf.setString("vectorstream.query.max-k", "1000");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.interval", "2 s");
        conf.setString(
                "execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", String.valueOf(PARALLELISM));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        VectorStreamJob.attachKafka(env, conf);
        job = env.executeAsync("collections-itcase");
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (producer != null) {
            producer.close();
        }
        EndToEnd.stop(client, job, kafka);
    }

    @Test
    @Order(1)
    void aCollectionCreatedBeforeTheJobStartedHasAllItsVectors() throws Exception {
        assertThat(searchAll("early")).hasSize(200);
        assertMatchesBruteForce("early", CollectionsITCase::dot, 10);
    }

    @Test
    @Order(2)
    void createdCollectionsKeepTheirOwnDimensionMetricAndIndex() throws Exception {
        CollectionResponse created =
                control(
                        "docs-1",
                        createJson(
                                "docs-1",
                                "docs",
                                4,
                                "euclidean",
                                ",\"shards\":4,\"indexType\":\"ivf-flat\",\"sealSize\":50"),
                        true);
        assertThat(created.getError()).isNull();
        CollectionInfo docs = created.getCollections().get(0);
        assertThat(docs.getName()).isEqualTo("docs");
        assertThat(docs.getDimension()).isEqualTo(4);
        assertThat(docs.getMetric()).isEqualTo("euclidean");
        assertThat(docs.getShards()).isEqualTo(4);
        assertThat(docs.getIndexType()).isEqualTo("ivf-flat");
        assertThat(docs.getSealSize()).isEqualTo(50);
        assertThat(docs.getHnswM()).as("unset: the job's default").isEqualTo(16);

        publish("docs", 4, 600);
        publish("default", DEFAULT_DIM, 400);

        assertThat(searchAll("docs")).hasSize(600);
        assertThat(searchAll("default")).hasSize(400);
        QueryResponse r = assertMatchesBruteForce("docs", CollectionsITCase::euclidean, 10);
        assertThat(r.getShardsExpected()).isEqualTo(4);
        assertThat(r.getShardsAnswered()).isEqualTo(4);
        r = assertMatchesBruteForce("default", CollectionsITCase::cosine, 10);
        assertThat(r.getShardsExpected()).isEqualTo(VectorStreamOptions.SHARDS.defaultValue());
        assertMatchesBruteForce("early", CollectionsITCase::dot, 10);
    }

    @Test
    @Order(3)
    void listingShowsEveryCollectionAndCreatingAgainIsIdempotent() throws Exception {
        CollectionResponse list =
                control("list-1", "{\"requestId\":\"list-1\",\"op\":\"list\"}".getBytes(), true);
        assertThat(list.getError()).isNull();
        assertThat(list.getCollections())
                .extracting(CollectionInfo::getName)
                .containsExactly("default", "docs", "early");
        assertThat(list.getCollections().get(0).getDimension()).isEqualTo(DEFAULT_DIM);

        CollectionRequest again =
                CollectionRequest.newBuilder()
                        .setRequestId("docs-2")
                        .setOp(CollectionOp.CREATE)
                        .setCollection("docs")
                        .setDimension(4)
                        .setMetric("euclidean")
                        .setShards(4)
                        .setIndexType("ivf-flat")
                        .setSealSize(50)
                        .build();
        CollectionResponse same =
                control("docs-2", PayloadCodec.encode(again, WireFormat.AVRO), false);
        assertThat(same.getError()).isNull();
        assertThat(same.getCollections())
                .extracting(CollectionInfo::getName)
                .containsExactly("docs");
        assertThat(searchAll("docs")).as("creating again keeps the data").hasSize(600);
    }

    @Test
    @Order(4)
    void badControlRequestsAndUnknownCollectionsGetClearErrors() throws Exception {
        assertError(
                control("c1", createJson("c1", "docs", 4, "cosine", ""), true),
                "COLLECTION_EXISTS",
                "other settings");
        assertError(
                control("c2", createJson("c2", "bad name!", 4, "cosine", ""), true),
                "BAD_COLLECTION",
                "A-Z a-z 0-9");
        assertError(
                control(
                        "c3",
                        "{\"requestId\":\"c3\",\"op\":\"create\",\"collection\":\"x\"}".getBytes(),
                        true),
                "BAD_COLLECTION",
                "'dimension' is required");
        assertError(
                control("c4", createJson("c4", "x", 4, "cosine", ",\"shards\":3"), true),
                "BAD_COLLECTION",
                "must divide");
        assertError(
                control("c5", createJson("c5", "x", 4, "manhattan", ""), true),
                "BAD_COLLECTION",
                "manhattan");
        assertError(
                control(
                        "c6",
                        "{\"requestId\":\"c6\",\"op\":\"create\",\"dim\":4}".getBytes(),
                        true),
                "BAD_FIELD",
                "unknown field 'dim'");
        assertError(control("c7", "not json".getBytes(), true), "UNDECODABLE", "");

        QueryResponse unknown =
                client.query(
                                QueryRequest.newBuilder()
                                        .setQueryId(UUID.randomUUID().toString())
                                        .setCollection("nope")
                                        .setVector(FloatVectors.toBytes(new float[] {1, 0, 0, 0}))
                                        .build())
                        .get(30, TimeUnit.SECONDS);
        assertThat(unknown.getError().getCode()).isEqualTo("UNKNOWN_COLLECTION");
        assertThat(unknown.getError().getMessage()).contains("'nope'", "default, ", "docs");

        client.upsert("nope", "lost-1", new float[] {1, 0, 0, 0}, Map.of())
                .get(30, TimeUnit.SECONDS);
        client.upsert("docs", "wrong-dim", new float[] {1, 0, 0}, Map.of())
                .get(30, TimeUnit.SECONDS);
        List<DeadLetter> dead = KafkaTopics.readDeadLetters(kafka.bootstrapServers(), 2);
        assertThat(dead)
                .extracting(DeadLetter::getCode)
                .containsExactlyInAnyOrder("UNKNOWN_COLLECTION", "WRONG_DIMENSION");
        assertThat(dead)
                .filteredOn(d -> d.getCode().equals("UNKNOWN_COLLECTION"))
                .singleElement()
                .satisfies(d -> assertThat(d.getReason()).contains("'nope'", "docs"));
        assertThat(searchAll("docs")).as("the job keeps serving").hasSize(600);
    }

    // ------------------------------------------------------------------------------ helpers

    private static void assertError(CollectionResponse r, String code, String messagePart) {
        assertThat(r.getError()).as("%s", r).isNotNull();
        assertThat(r.getError().getCode()).isEqualTo(code);
        assertThat(r.getError().getMessage()).contains(messagePart);
        assertThat(r.getCollections()).isEmpty();
    }

    /** Queries {@code collection} with 20 of its own vectors and compares with brute force. */
    private static QueryResponse assertMatchesBruteForce(
            String collection, ToDoubleBiFunction<float[], float[]> closeness, int k)
            throws Exception {
        Map<String, float[]> data = live.get(collection);
        List<float[]> vectors = new ArrayList<>(data.values());
        QueryResponse last = null;
        int found = 0;
        for (int i = 0; i < 20; i++) {
            float[] q = vectors.get(rnd.nextInt(vectors.size()));
            last = search(collection, q, k);
            assertThat(last.getError()).isNull();
            List<String> expected =
                    data.entrySet().stream()
                            .sorted(
                                    Comparator.comparingDouble(
                                            (Map.Entry<String, float[]> e) ->
                                                    -closeness.applyAsDouble(q, e.getValue())))
                            .limit(k)
                            .map(Map.Entry::getKey)
                            .toList();
            List<String> got = last.getHits().stream().map(Hit::getId).toList();
            assertThat(got).as("hits of %s", collection).allMatch(data::containsKey);
            found += (int) got.stream().filter(expected::contains).count();
        }
        assertThat(found / (20.0 * k))
                .as("recall@%d of %s", k, collection)
                .isGreaterThanOrEqualTo(0.95);
        return last;
    }

    /** Every vector of the collection, as a strong query sees them. */
    private static List<Hit> searchAll(String collection) throws Exception {
        int dim = live.get(collection).values().iterator().next().length;
        float[] q = new float[dim];
        q[0] = 1;
        return search(collection, q, 1000).getHits();
    }

    private static QueryResponse search(String collection, float[] q, int k) throws Exception {
        return client.query(
                        QueryRequest.newBuilder()
                                .setQueryId(UUID.randomUUID().toString())
                                .setCollection(collection)
                                .setVector(FloatVectors.toBytes(q))
                                .setK(k)
                                .setConsistency("strong")
                                .setTimeoutMs(20_000)
                                .build())
                .get(60, TimeUnit.SECONDS);
    }

    private static void publish(String collection, int dim, int n) throws Exception {
        Map<String, float[]> data = live.computeIfAbsent(collection, c -> new LinkedHashMap<>());
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = collection + "-" + data.size();
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) rnd.nextGaussian();
            }
            data.put(id, v);
            byte[] payload =
                    PayloadCodec.encode(
                            VectorRecord.newBuilder()
                                    .setId(id)
                                    .setCollection(collection)
                                    .setVector(FloatVectors.toBytes(v))
                                    .build(),
                            WireFormat.AVRO);
            CompletableFuture<Object> ack = new CompletableFuture<>();
            producer.send(
                    new ProducerRecord<>("vectors", id.getBytes(StandardCharsets.UTF_8), payload),
                    (m, e) -> {
                        if (e != null) {
                            ack.completeExceptionally(e);
                        } else {
                            ack.complete(m);
                        }
                    });
            acks.add(ack);
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    private static byte[] createJson(
            String requestId, String name, int dimension, String metric, String more) {
        return ("{\"requestId\":\""
                        + requestId
                        + "\",\"op\":\"create\",\"collection\":\""
                        + name
                        + "\",\"dimension\":"
                        + dimension
                        + ",\"metric\":\""
                        + metric
                        + "\""
                        + more
                        + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Sends a control request keyed by its id and returns the answer with that key. */
    private static CollectionResponse control(String requestId, byte[] payload, boolean json)
            throws Exception {
        send("collections", requestId, payload);
        ConsumerRecord<byte[], byte[]> answer =
                KafkaTopics.awaitRecord(kafka.bootstrapServers(), "collections.results", requestId);
        assertThat(WireFormat.detect(answer.value()))
                .isEqualTo(json ? WireFormat.JSON : WireFormat.AVRO);
        return PayloadCodec.decodeCollectionResponse(answer.value());
    }

    private static void send(String topic, String key, byte[] payload) throws Exception {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), payload))
                .get(30, TimeUnit.SECONDS);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double euclidean(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return -s;
    }

    private static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }
}
