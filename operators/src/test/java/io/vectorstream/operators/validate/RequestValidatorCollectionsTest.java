package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.Metric;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The validator's catalog: creating, announcing, routing, and keeping collections in state. */
class RequestValidatorCollectionsTest {

    private static final VectorStreamConfig CFG = TestData.config(3, Metric.COSINE);
    private static final String CREATE_DOCS =
            "{\"requestId\":\"r1\",\"op\":\"create\",\"collection\":\"docs\",\"dimension\":2,"
                    + "\"metric\":\"dot\",\"shards\":4}";

    @Test
    void aCreatedCollectionIsAnnouncedToEachShardBeforeItsVectorsAndSurvivesARestore()
            throws Exception {
        OperatorSubtaskState snapshot;
        ShardRouter docs = new ShardRouter(4, 128, 1);
        try (var h = harness(List.of())) {
            h.open();
            h.processElement2(json("collections", "r1", CREATE_DOCS), 1L);
            CollectionResponse created = onlyAnswer(h);
            assertThat(created.getRequestId()).isEqualTo("r1");
            assertThat(created.getError()).isNull();
            assertThat(created.getCollections())
                    .extracting(CollectionInfo::getMetric)
                    .containsExactly("dot");

            h.processElement1(vector("docs", "x", 3f, 4f), 2L);
            List<VectorOp> out = h.extractOutputValues();
            assertThat(out).hasSize(5);
            assertThat(out.subList(0, 4))
                    .allSatisfy(op -> assertThat(op.isAnnouncement()).isTrue());
            assertThat(out.subList(0, 4))
                    .extracting(op -> op.shardKey)
                    .containsExactly(docs.keyOf(0), docs.keyOf(1), docs.keyOf(2), docs.keyOf(3));
            assertThat(Collection.fromBytes(out.get(0).collection, 1).metric())
                    .isEqualTo(Metric.DOT);
            VectorOp x = out.get(4);
            assertThat(x.shardKey).isEqualTo(docs.keyOf(docs.shardOf("x")));
            assertThat(x.vector).as("dot: not normalised").containsExactly(3f, 4f);
            snapshot = h.snapshot(1, 3L);
        }
        try (var h = harness(List.of())) {
            h.initializeState(snapshot);
            h.open();
            h.processElement2(
                    json("collections", "l", "{\"requestId\":\"l\",\"op\":\"list\"}"), 4L);
            assertThat(onlyAnswer(h).getCollections())
                    .extracting(CollectionInfo::getName)
                    .containsExactly("default", "docs");
            h.processElement1(vector("docs", "y", 1f, 0f), 5L);
            assertThat(h.extractOutputValues())
                    .as("restored collections are not announced again")
                    .singleElement()
                    .satisfies(op -> assertThat(op.id).isEqualTo("y"));
        }
    }

    @Test
    void aFreshStartReplaysTheHistoryBeforeItsFirstRecordWithoutAnswering() throws Exception {
        byte[] create = CREATE_DOCS.getBytes(StandardCharsets.UTF_8);
        try (var h = harness(List.of(create, "garbage".getBytes(StandardCharsets.UTF_8), create))) {
            h.open();
            h.processElement1(vector("docs", "x", 1f, 1f), 1L);
            List<VectorOp> out = h.extractOutputValues();
            assertThat(out).hasSize(5);
            assertThat(out.get(4).id).isEqualTo("x");
            assertThat(h.getSideOutput(RequestValidator.REJECTED)).isNullOrEmpty();
            assertThat(h.getSideOutput(RequestValidator.DEAD_LETTERS)).isNullOrEmpty();
        }
    }

    @Test
    void recordsAndQueriesOfOtherCollectionsAreRejectedNamingTheKnownOnes() throws Exception {
        try (var h = harness(List.of())) {
            h.open();
            h.processElement1(vector("nope", "x", 1f, 1f, 1f), 1L);
            var dead = h.getSideOutput(RequestValidator.DEAD_LETTERS);
            assertThat(dead)
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getValue().getCode()).isEqualTo("UNKNOWN_COLLECTION");
                                assertThat(r.getValue().getReason()).contains("'nope'", "default");
                            });
            h.processElement2(json("collections", "r1", CREATE_DOCS), 2L);
            h.processElement2(
                    json(
                            "collections",
                            "r2",
                            CREATE_DOCS.replace("\"dot\"", "\"cosine\"").replace("r1", "r2")),
                    3L);
            List<Answer> answers = answers(h);
            assertThat(
                            PayloadCodec.decodeCollectionResponse(answers.get(1).payload)
                                    .getError()
                                    .getCode())
                    .isEqualTo("COLLECTION_EXISTS");
            assertThat(answers.get(1).topic).isEqualTo("collections.results");
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

    private static List<Answer> answers(
            KeyedTwoInputStreamOperatorTestHarness<Integer, RawMessage, RawMessage, VectorOp> h) {
        var out = h.getSideOutput(RequestValidator.REJECTED);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    private static CollectionResponse onlyAnswer(
            KeyedTwoInputStreamOperatorTestHarness<Integer, RawMessage, RawMessage, VectorOp> h) {
        List<Answer> out = answers(h);
        assertThat(out).hasSize(1);
        CollectionResponse r = PayloadCodec.decodeCollectionResponse(out.get(0).payload);
        h.getSideOutput(RequestValidator.REJECTED).clear();
        return r;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, RawMessage, RawMessage, VectorOp>
            harness(List<byte[]> history) throws Exception {
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(
                                new RequestValidator(
                                        CFG,
                                        "results",
                                        ReplyTopics.anyLegalName(),
                                        TopicEndOffsets.none(),
                                        new CollectionTopics(
                                                "collections", "collections.results", history))),
                        RequestValidator.KEY,
                        RequestValidator.KEY,
                        Types.INT);
        h.setup();
        return h;
    }
}
