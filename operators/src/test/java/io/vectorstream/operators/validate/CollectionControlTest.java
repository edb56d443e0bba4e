package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.Metric;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalog: created by the control operator, broadcast to the validators, announced to shards,
 * and kept in state by each of them.
 */
class CollectionControlTest {

    private static final VectorStreamConfig CFG = TestData.config(3, Metric.COSINE);
    private static final String CREATE_DOCS =
            "{\"requestId\":\"r1\",\"op\":\"create\",\"collection\":\"docs\",\"dimension\":2,"
                    + "\"metric\":\"dot\",\"shards\":4}";

    @Test
    void aCreatedCollectionIsAnnouncedToEachShardBeforeItsVectorsAndSurvivesARestore()
            throws Exception {
        Gatekeeper.Snapshot snapshot;
        ShardRouter docs = new ShardRouter(4, 128, 1);
        try (var h = harness(List.of())) {
            h.request(json("collections", "r1", CREATE_DOCS));
            CollectionResponse created = onlyAnswer(h.controlAnswers());
            assertThat(created.getRequestId()).isEqualTo("r1");
            assertThat(created.getError()).isNull();
            assertThat(created.getCollections())
                    .extracting(CollectionInfo::getMetric)
                    .containsExactly("dot");
            assertThat(h.control.extractOutputValues())
                    .as("one catalog update per created collection")
                    .singleElement()
                    .satisfies(u -> assertThat(u.name).isEqualTo("docs"));

            h.vector(vector("docs", "x", 3f, 4f));
            List<ShardMessage> out = h.vectors.extractOutputValues();
            assertThat(out).hasSize(5);
            assertThat(out.subList(0, 4)).allMatch(CollectionAnnouncement.class::isInstance);
            assertThat(out.subList(0, 4))
                    .extracting(ShardMessage::shardKey)
                    .containsExactly(docs.keyOf(0), docs.keyOf(1), docs.keyOf(2), docs.keyOf(3));
            assertThat(
                            Collection.fromBytes(
                                            ((CollectionAnnouncement) out.get(0)).collection, 1)
                                    .metric())
                    .isEqualTo(Metric.DOT);
            VectorWrite x = (VectorWrite) out.get(4);
            assertThat(x.shardKey).isEqualTo(docs.keyOf(docs.shardOf("x")));
            assertThat(x.vector).as("dot: not normalised").containsExactly(3f, 4f);

            h.request(query("docs", "q", 1f, 0f));
            assertThat(h.queries()).extracting(q -> q.collection).containsExactly("docs");
            snapshot = h.snapshot();
        }
        try (var h = new Gatekeeper(CFG, snapshot, TopicEndOffsets.none(), List.of())) {
            h.request(json("collections", "l", "{\"requestId\":\"l\",\"op\":\"list\"}"));
            assertThat(onlyAnswer(h.controlAnswers()).getCollections())
                    .extracting(CollectionInfo::getName)
                    .containsExactly("default", "docs");
            h.vector(vector("docs", "y", 1f, 0f));
            assertThat(h.writes()).extracting(w -> w.id).containsExactly("y");
            assertThat(h.announcements())
                    .as("each restored instance announces again; a shard keeps the first")
                    .hasSize(4);
            h.request(query("docs", "q2", 0f, 1f));
            assertThat(h.queries()).extracting((Query q) -> q.queryId).containsExactly("q2");
        }
    }

    @Test
    void aFreshStartReplaysTheHistoryBeforeItsFirstRecordWithoutAnswering() throws Exception {
        byte[] create = CREATE_DOCS.getBytes(StandardCharsets.UTF_8);
        try (var h = harness(List.of(create, "garbage".getBytes(StandardCharsets.UTF_8), create))) {
            h.vector(vector("docs", "x", 1f, 1f));
            assertThat(h.announcements()).hasSize(4);
            assertThat(h.writes()).extracting(w -> w.id).containsExactly("x");
            h.request(query("docs", "q", 1f, 0f));
            assertThat(h.queries()).hasSize(1);
            assertThat(h.controlAnswers()).isEmpty();
            assertThat(h.rejected()).isEmpty();
            assertThat(h.deadLetters()).isEmpty();
            h.request(json("collections", "l", "{\"requestId\":\"l\",\"op\":\"list\"}"));
            assertThat(onlyAnswer(h.controlAnswers()).getCollections()).hasSize(2);
        }
    }

    @Test
    void aNewCollectionHearsFromEveryValidatorEvenWhenNoRecordMoves() throws Exception {
        try (var h = harness(List.of())) {
            h.setProcessingTime(0);
            RawMessage first = vector("default", "a", 1f, 2f, 3f);
            first.partition = 0;
            first.offset = 3;
            h.vector(first);
            h.setProcessingTime(VectorValidator.MARKER_INTERVAL_MS);
            assertThat(h.markers()).hasSize(8);

            h.request(json("collections", "r1", CREATE_DOCS));
            h.setProcessingTime(2 * VectorValidator.MARKER_INTERVAL_MS);
            ShardRouter docs = new ShardRouter(4, 128, 1);
            assertThat(h.markers().subList(8, h.markers().size()))
                    .extracting(m -> m.shardKey)
                    .contains(docs.keyOf(0), docs.keyOf(1), docs.keyOf(2), docs.keyOf(3));
        }
    }

    @Test
    void aRestoreKeepsTheCatalogItSavedAndReplaysNoHistory() throws Exception {
        byte[] create = CREATE_DOCS.getBytes(StandardCharsets.UTF_8);
        byte[] createOther =
                CREATE_DOCS
                        .replace("docs", "other")
                        .replace("r1", "r2")
                        .getBytes(StandardCharsets.UTF_8);
        Gatekeeper.Snapshot snapshot;
        try (var h = harness(List.of(create))) {
            h.vector(vector("docs", "x", 1f, 1f));
            snapshot = h.snapshot();
        }
        // The history read at resubmission holds a request the running job had refused (here:
        // one it never saw); a restore takes the checkpointed catalog, as the control does.
        try (var h =
                new Gatekeeper(
                        CFG, snapshot, TopicEndOffsets.none(), List.of(create, createOther))) {
            h.vector(vector("docs", "y", 1f, 1f));
            h.vector(vector("other", "z", 1f, 1f));
            assertThat(h.writes()).extracting(w -> w.id).containsExactly("y");
            assertThat(h.deadLetters())
                    .extracting(DeadLetter::getCode)
                    .containsExactly("UNKNOWN_COLLECTION");
            h.request(json("collections", "l", "{\"requestId\":\"l\",\"op\":\"list\"}"));
            assertThat(onlyAnswer(h.controlAnswers()).getCollections())
                    .extracting(CollectionInfo::getName)
                    .containsExactly("default", "docs");
        }
    }

    @Test
    void recordsAndQueriesOfOtherCollectionsAreRejectedNamingTheKnownOnes() throws Exception {
        try (var h = harness(List.of())) {
            h.vector(vector("nope", "x", 1f, 1f, 1f));
            assertThat(h.deadLetters())
                    .singleElement()
                    .satisfies(
                            (DeadLetter d) -> {
                                assertThat(d.getCode()).isEqualTo("UNKNOWN_COLLECTION");
                                assertThat(d.getReason()).contains("'nope'", "default");
                            });
            h.request(query("nope", "q", 1f, 1f, 1f));
            assertThat(
                            PayloadCodec.decodeQueryResponse(h.rejected().get(0).payload)
                                    .getError()
                                    .getCode())
                    .isEqualTo("UNKNOWN_COLLECTION");
            h.request(json("collections", "r1", CREATE_DOCS));
            h.request(
                    json(
                            "collections",
                            "r2",
                            CREATE_DOCS.replace("\"dot\"", "\"cosine\"").replace("r1", "r2")));
            List<Answer> answers = h.controlAnswers();
            assertThat(
                            PayloadCodec.decodeCollectionResponse(answers.get(1).payload)
                                    .getError()
                                    .getCode())
                    .isEqualTo("COLLECTION_EXISTS");
            assertThat(answers.get(1).topic).isEqualTo("collections.results");
            assertThat(h.control.extractOutputValues()).hasSize(1);
        }
    }

    @Test
    void aControlRequestForAMissingReplyTopicCreatesNothingAndSaysWhere() throws Exception {
        try (var h = harness(List.of())) {
            RawMessage m = json("collections", "r1", CREATE_DOCS);
            m.replyTo = "not a topic!";
            h.request(m);
            Answer a = h.controlAnswers().get(0);
            assertThat(a.topic).isEqualTo("collections.results");
            assertThat(PayloadCodec.decodeCollectionResponse(a.payload).getError().getCode())
                    .isEqualTo("UNKNOWN_REPLY_TOPIC");
            assertThat(h.control.extractOutputValues()).isEmpty();
        }
    }

    private static RawMessage vector(String collection, String id, float... v) {
        return RawMessage.of(
                "vectors",
                TestData.bytes(id),
                PayloadCodec.encode(
                        VectorRecord.newBuilder()
                                .setId(id)
                                .setCollection(collection)
                                .setVector(FloatVectors.toBytes(v))
                                .build(),
                        WireFormat.AVRO));
    }

    private static RawMessage query(String collection, String id, float... v) {
        return RawMessage.of(
                "queries",
                TestData.bytes(id),
                PayloadCodec.encode(
                        QueryRequest.newBuilder()
                                .setQueryId(id)
                                .setCollection(collection)
                                .setVector(FloatVectors.toBytes(v))
                                .setK(3)
                                .build(),
                        WireFormat.AVRO));
    }

    private static CollectionResponse onlyAnswer(List<Answer> answers) {
        assertThat(answers).isNotEmpty();
        return PayloadCodec.decodeCollectionResponse(answers.get(answers.size() - 1).payload);
    }

    private static Gatekeeper harness(List<byte[]> history) throws Exception {
        return new Gatekeeper(CFG, null, TopicEndOffsets.none(), history);
    }
}
