package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.operators.Messages;
import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {

    private static final VectorStreamConfig DIM3 = TestData.config(3, Metric.COSINE);

    @Test
    void goodAvroRecordIsNormalisedAndRoutedToItsShard() throws Exception {
        try (var h = harness(DIM3)) {
            h.processElement1(
                    TestData.upsert("doc-1", new float[] {3, 0, 4}, Map.of("lang", "en")), 10L);
            VectorOp op = h.extractOutputValues().get(0);
            ShardRouter router = new ShardRouter(8, 128);
            assertThat(op.id).isEqualTo("doc-1");
            assertThat(op.shard).isEqualTo(router.shardOf("doc-1"));
            assertThat(op.shardKey).isEqualTo(router.keyOf(op.shard));
            assertThat(op.vector).containsExactly(0.6f, 0f, 0.8f);
            assertThat(op.metadata).containsEntry("lang", "en");
            assertThat(op.delete).isFalse();
            assertThat(side(h, RequestValidator.DEAD_LETTERS)).isEmpty();
        }
    }

    @Test
    void jsonRecordsAndDeletesAreAccepted() throws Exception {
        try (var h = harness(DIM3)) {
            h.processElement1(
                    json(
                            "vectors",
                            "a",
                            "{\"id\":\"a\",\"vector\":[1,2,2],\"metadata\":{\"n\":1}}"),
                    1L);
            h.processElement1(json("vectors", null, "{\"id\":\"b\",\"op\":\"delete\"}"), 2L);
            List<VectorOp> ops = h.extractOutputValues();
            assertThat(ops).hasSize(2);
            assertThat(ops.get(0).metadata).containsEntry("n", "1");
            assertThat(ops.get(1).delete).isTrue();
            assertThat(ops.get(1).vector).isNull();
        }
    }

    @Test
    void everyBadRecordBecomesADeadLetterWithItsBytesAndReason() throws Exception {
        Map<String, RawMessage> bad = new LinkedHashMap<>();
        bad.put("WRONG_DIMENSION", TestData.upsert("x", new float[] {1, 2}, Map.of()));
        bad.put("NOT_FINITE", TestData.upsert("x", new float[] {1, Float.NaN, 2}, Map.of()));
        bad.put("MISSING_ID", json("vectors", null, "{\"vector\":[1,2,3]}"));
        bad.put("UNDECODABLE", RawMessage.of("vectors", null, new byte[] {(byte) 0xC3, 1, 9, 9}));
        bad.put("TOO_LARGE", RawMessage.of("vectors", null, new byte[5000]));
        bad.put("ZERO_VECTOR", TestData.upsert("x", new float[] {0, 0, 0}, Map.of()));
        bad.put("MISSING_VECTOR", json("vectors", "x", "{\"id\":\"x\"}"));
        bad.put("KEY_MISMATCH", json("vectors", "y", "{\"id\":\"x\",\"vector\":[1,2,3]}"));
        bad.put(
                "UNKNOWN_COLLECTION",
                json("vectors", "x", "{\"id\":\"x\",\"collection\":\"c2\",\"vector\":[1,2,3]}"));
        bad.put(
                "ID_TOO_LONG",
                json("vectors", null, "{\"id\":\"" + "i".repeat(65) + "\",\"vector\":[1,2,3]}"));
        try (var h = harness(DIM3)) {
            for (RawMessage m : bad.values()) {
                h.processElement1(m, 1L);
            }
            h.processElement1(TestData.upsert("good", new float[] {1, 1, 1}, Map.of()), 2L);

            List<DeadLetter> dead = side(h, RequestValidator.DEAD_LETTERS);
            assertThat(dead)
                    .extracting(DeadLetter::getCode)
                    .containsExactlyElementsOf(bad.keySet());
            int i = 0;
            for (RawMessage m : bad.values()) {
                DeadLetter d = dead.get(i++);
                assertThat(d.getValue()).isEqualTo(ByteBuffer.wrap(m.value));
                assertThat(d.getReason()).isNotBlank();
            }
            assertThat(h.extractOutputValues()).extracting(op -> op.id).containsExactly("good");
        }
    }

    @Test
    void goodQueryGetsDeadlineAndReplyRoute() throws Exception {
        try (var h = harness(DIM3)) {
            h.setProcessingTime(1_000);
            RawMessage m =
                    json(
                            "queries",
                            "q1",
                            "{\"queryId\":\"q1\",\"vector\":[1,2,2],\"k\":4,\"timeoutMs\":250}");
            m.replyTo = "my-replies";
            m.correlationId = new byte[] {7};
            h.processElement2(m, 1L);
            h.processElement2(TestData.query("q2", new float[] {1, 2, 3}, 10), 2L);

            List<Query> queries = side(h, RequestValidator.QUERIES);
            Query q = queries.get(0);
            assertThat(q.queryId).isEqualTo("q1");
            assertThat(q.vector).containsExactly(1f / 3, 2f / 3, 2f / 3);
            assertThat(q.k).isEqualTo(4);
            assertThat(q.deadlineMs).isEqualTo(1_250);
            assertThat(q.replyTo).isEqualTo("my-replies");
            assertThat(q.correlationId).containsExactly(7);
            assertThat(q.jsonReply).isTrue();
            Query avro = queries.get(1);
            assertThat(avro.jsonReply).isFalse();
            assertThat(avro.replyTo).isEqualTo("results");
            assertThat(avro.deadlineMs).isEqualTo(1_000 + 5_000);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void badQueriesAreAnsweredWithAnErrorNamingTheProblem() throws Exception {
        try (var h = harness(DIM3)) {
            h.processElement2(TestData.query("dim", new float[] {1, 2}, 10), 1L);
            h.processElement2(TestData.query("big-k", new float[] {1, 2, 3}, 101), 1L);
            h.processElement2(
                    TestData.query("nan", new float[] {1, Float.POSITIVE_INFINITY, 3}, 10), 1L);
            h.processElement2(json("queries", "junk", "{not json"), 1L);
            h.processElement2(
                    json(
                            "queries",
                            "slow",
                            "{\"queryId\":\"slow\",\"vector\":[1,2,3],\"timeoutMs\":600000}"),
                    1L);
            h.processElement2(
                    json(
                            "queries",
                            "zero-k",
                            "{\"queryId\":\"zero-k\",\"vector\":[1,2,3],\"k\":0}"),
                    1L);

            assertThat(side(h, RequestValidator.QUERIES)).isEmpty();
            List<QueryResponse> errors =
                    side(h, RequestValidator.REJECTED).stream()
                            .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                            .toList();
            assertThat(errors)
                    .extracting(QueryResponse::getQueryId)
                    .containsExactly("dim", "big-k", "nan", "junk", "slow", "zero-k");
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly(
                            "WRONG_DIMENSION",
                            "K_TOO_LARGE",
                            "NOT_FINITE",
                            "UNDECODABLE",
                            "TIMEOUT_TOO_LARGE",
                            "BAD_K");
            assertThat(errors.get(1).getError().getMessage())
                    .contains("vectorstream.query.max-k=100");
            assertThat(errors)
                    .allSatisfy(
                            r -> {
                                assertThat(r.getComplete()).isFalse();
                                assertThat(r.getHits()).isEmpty();
                            });
        }
    }

    @Test
    void searchKnobsAndIncludeVectorsAreCarriedToTheQuery() throws Exception {
        try (var h = harness(DIM3)) {
            h.processElement2(
                    json(
                            "queries",
                            "tuned",
                            "{\"queryId\":\"tuned\",\"vector\":[1,2,2],\"ef\":512,"
                                    + "\"nprobe\":64,\"rerank\":0,\"includeVectors\":true}"),
                    1L);
            h.processElement2(TestData.query("plain", new float[] {1, 2, 3}, 10), 2L);

            List<Query> queries = side(h, RequestValidator.QUERIES);
            assertThat(side(h, RequestValidator.REJECTED)).isEmpty();
            Query tuned = queries.get(0);
            assertThat(tuned.ef).isEqualTo(512);
            assertThat(tuned.nprobe).isEqualTo(64);
            assertThat(tuned.rerank).isZero();
            assertThat(tuned.includeVectors).isTrue();
            Query plain = queries.get(1);
            assertThat(plain.ef).as("job default").isZero();
            assertThat(plain.nprobe).as("job default").isZero();
            assertThat(plain.rerank).as("job default").isEqualTo(-1);
            assertThat(plain.includeVectors).isFalse();
        }
    }

    @Test
    void searchKnobsOutsideTheirRangeOrOverTheirCapAreRejected() throws Exception {
        // TestData caps: max-ef 512, max-nprobe 64, max-rerank 1000.
        Map<String, String> knobs = new LinkedHashMap<>();
        knobs.put("BAD_EF", "\"ef\":0");
        knobs.put("EF_TOO_LARGE", "\"ef\":513");
        knobs.put("BAD_NPROBE", "\"nprobe\":-3");
        knobs.put("NPROBE_TOO_LARGE", "\"nprobe\":65");
        knobs.put("BAD_RERANK", "\"rerank\":-1");
        knobs.put("RERANK_TOO_LARGE", "\"rerank\":1001");
        try (var h = harness(DIM3)) {
            for (Map.Entry<String, String> e : knobs.entrySet()) {
                String id = e.getKey();
                h.processElement2(
                        json(
                                "queries",
                                id,
                                "{\"queryId\":\""
                                        + id
                                        + "\",\"vector\":[1,2,3],"
                                        + e.getValue()
                                        + "}"),
                        1L);
            }

            assertThat(side(h, RequestValidator.QUERIES)).isEmpty();
            List<QueryResponse> errors =
                    side(h, RequestValidator.REJECTED).stream()
                            .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                            .toList();
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactlyElementsOf(knobs.keySet());
            assertThat(errors)
                    .extracting(QueryResponse::getQueryId)
                    .isEqualTo(errors.stream().map(r -> r.getError().getCode()).toList());
            assertThat(errors.get(0).getError().getMessage())
                    .contains("ef must be at least 1, got 0");
            assertThat(errors.get(1).getError().getMessage())
                    .isEqualTo("ef=513 exceeds vectorstream.query.max-ef=512");
            assertThat(errors.get(3).getError().getMessage())
                    .isEqualTo("nprobe=65 exceeds vectorstream.query.max-nprobe=64");
            assertThat(errors.get(4).getError().getMessage())
                    .contains("rerank must be 0 or more, got -1");
            assertThat(errors.get(5).getError().getMessage())
                    .isEqualTo("rerank=1001 exceeds vectorstream.query.max-rerank=1000");
        }
    }

    @Test
    void aQueryForAMissingReplyTopicIsAnsweredOnTheResultsTopic() throws Exception {
        try (var h = harness(DIM3)) {
            RawMessage m = TestData.query("q", new float[] {1, 2, 3}, 3);
            m.replyTo = "bad topic name!";
            m.correlationId = new byte[] {9};
            h.processElement2(m, 1L);
            assertThat(side(h, RequestValidator.QUERIES)).isEmpty();
            Answer a = side(h, RequestValidator.REJECTED).get(0);
            assertThat(a.topic).isEqualTo("results");
            assertThat(a.correlationId).containsExactly(9);
            assertThat(PayloadCodec.decodeQueryResponse(a.payload).getError().getCode())
                    .isEqualTo("UNKNOWN_REPLY_TOPIC");
        }
    }

    @Test
    void aStrongQueryIsHeldUntilTheTopicsEndIsProcessedThenFollowsOneBarrierPerShard()
            throws Exception {
        // Partition 0 ends after offset 2, partition 1 after offset 0; partition 2 is empty.
        TopicEndOffsets end = timeout -> Map.of(0, 2L, 1, 0L);
        try (var h = harness(DIM3, null, end)) {
            h.processElement1(at(0, 0, TestData.upsert("a", new float[] {1, 0, 0}, Map.of())), 1L);
            h.processElement1(at(0, 1, TestData.upsert("b", new float[] {0, 1, 0}, Map.of())), 1L);
            h.processElement2(strongQuery("strong", 5_000), 1L);
            h.processElement2(TestData.query("eventual", new float[] {1, 2, 3}, 1), 1L);
            h.processElement1(at(1, 0, TestData.upsert("c", new float[] {0, 0, 1}, Map.of())), 1L);

            assertThat(side(h, RequestValidator.QUERIES))
                    .as("an eventual query is never held")
                    .extracting(q -> q.queryId)
                    .containsExactly("eventual");
            assertThat(h.extractOutputValues()).noneMatch(VectorOp::isBarrier);

            // The last record of partition 0 is rejected, and still counts as processed.
            h.processElement1(at(0, 2, TestData.upsert("bad", new float[] {1, 2}, Map.of())), 1L);

            List<Query> released = side(h, RequestValidator.QUERIES);
            assertThat(released).extracting(q -> q.queryId).containsExactly("eventual", "strong");
            assertThat(released.get(0).strong).isFalse();
            assertThat(released.get(1).strong).isTrue();
            List<VectorOp> ops = h.extractOutputValues();
            assertThat(ops.subList(0, 3)).extracting(op -> op.id).containsExactly("a", "b", "c");
            List<VectorOp> barriers = ops.subList(3, ops.size());
            ShardRouter router = new ShardRouter(8, 128);
            assertThat(barriers).hasSize(8).allMatch(op -> "strong".equals(op.barrierQueryId));
            assertThat(barriers)
                    .extracting(op -> op.shardKey)
                    .containsExactly(
                            router.keyOf(0),
                            router.keyOf(1),
                            router.keyOf(2),
                            router.keyOf(3),
                            router.keyOf(4),
                            router.keyOf(5),
                            router.keyOf(6),
                            router.keyOf(7));
            assertThat(barriers)
                    .allSatisfy(
                            b -> {
                                assertThat(b.vector).isNull();
                                assertThat(b.delete).isFalse();
                                assertThat(b.eventTimeMs).isEqualTo(released.get(1).deadlineMs);
                            });

            // Caught up now: the next strong query passes at once, after its own barriers.
            h.processElement2(strongQuery("again", 5_000), 1L);
            assertThat(side(h, RequestValidator.QUERIES)).hasSize(3);
            assertThat(h.extractOutputValues()).hasSize(3 + 16);
        }
    }

    @Test
    void aStrongQueryStillHeldAtItsDeadlineIsAnsweredIncomplete() throws Exception {
        try (var h = harness(DIM3, null, timeout -> Map.of(0, 5L))) {
            h.setProcessingTime(1_000);
            h.processElement2(strongQuery("late", 200), 1L);
            h.setProcessingTime(1_199);
            assertThat(side(h, RequestValidator.REJECTED)).isEmpty();

            h.setProcessingTime(1_200);
            List<Answer> answers = side(h, RequestValidator.REJECTED);
            assertThat(answers).hasSize(1);
            QueryResponse r = PayloadCodec.decodeQueryResponse(answers.get(0).payload);
            assertThat(r.getQueryId()).isEqualTo("late");
            assertThat(r.getComplete()).isFalse();
            assertThat(r.getError()).isNull();
            assertThat(r.getHits()).isEmpty();
            assertThat(r.getShardsAnswered()).isZero();
            assertThat(r.getShardsExpected()).isEqualTo(8);
            assertThat(r.getTookMs()).isEqualTo(200);

            // Catching up later releases nothing: the query was answered.
            h.processElement1(at(0, 5, TestData.upsert("a", new float[] {1, 0, 0}, Map.of())), 1L);
            assertThat(side(h, RequestValidator.QUERIES)).isEmpty();
            assertThat(h.extractOutputValues()).extracting(op -> op.id).containsExactly("a");
        }
    }

    @Test
    void processedOffsetsSurviveARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(DIM3)) {
            for (int i = 0; i <= 3; i++) {
                h.processElement1(
                        at(1, i, TestData.upsert("v" + i, new float[] {1, 2, i}, Map.of())), 1L);
            }
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(DIM3, snapshot, timeout -> Map.of(1, 3L))) {
            restored.processElement2(strongQuery("after-restore", 5_000), 1L);
            assertThat(side(restored, RequestValidator.QUERIES))
                    .extracting(q -> q.queryId)
                    .containsExactly("after-restore");
            assertThat(restored.extractOutputValues()).hasSize(8).allMatch(VectorOp::isBarrier);
        }
    }

    @Test
    void consistencyIsEventualOrStrongInAnyCaseAndAnUnreadableEndIsAnError() throws Exception {
        TopicEndOffsets unreachable =
                timeout -> {
                    throw new TimeoutException("broker gone");
                };
        try (var h = harness(DIM3, null, unreachable)) {
            for (String c : List.of("EVENTUAL", "sometimes", "strong")) {
                h.processElement2(
                        json(
                                "queries",
                                c,
                                "{\"queryId\":\""
                                        + c
                                        + "\",\"vector\":[1,2,3],\"consistency\":\""
                                        + c
                                        + "\"}"),
                        1L);
            }
            assertThat(side(h, RequestValidator.QUERIES))
                    .singleElement()
                    .satisfies(
                            q -> {
                                assertThat(q.queryId).isEqualTo("EVENTUAL");
                                assertThat(q.strong).isFalse();
                            });
            List<QueryResponse> errors =
                    side(h, RequestValidator.REJECTED).stream()
                            .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                            .toList();
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly("BAD_CONSISTENCY", "OFFSETS_UNAVAILABLE");
            assertThat(errors.get(0).getError().getMessage())
                    .isEqualTo("consistency must be \"eventual\" or \"strong\", got \"sometimes\"");
            assertThat(errors.get(1).getError().getMessage()).contains("broker gone");
        }
    }

    @Test
    void firstVectorFixesAnUnsetDimensionAndItSurvivesARestore() throws Exception {
        VectorStreamConfig auto = TestData.config(0, Metric.DOT);
        OperatorSubtaskState snapshot;
        try (var h = harness(auto)) {
            h.processElement2(TestData.query("early", new float[] {1, 2}, 5), 1L);
            h.processElement1(TestData.upsert("a", new float[] {1, 2, 3, 4}, Map.of()), 1L);
            h.processElement1(TestData.upsert("b", new float[] {1, 2}, Map.of()), 1L);
            h.processElement2(TestData.query("late", new float[] {1, 2}, 5), 1L);
            assertThat(h.extractOutputValues()).extracting(op -> op.id).containsExactly("a");
            assertThat(side(h, RequestValidator.DEAD_LETTERS))
                    .extracting(DeadLetter::getCode)
                    .containsExactly("WRONG_DIMENSION");
            assertThat(side(h, RequestValidator.QUERIES))
                    .extracting(q -> q.queryId)
                    .containsExactly("early");
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(auto, snapshot)) {
            restored.processElement1(TestData.upsert("c", new float[] {1, 2}, Map.of()), 1L);
            restored.processElement1(TestData.upsert("d", new float[] {4, 3, 2, 1}, Map.of()), 1L);
            assertThat(restored.extractOutputValues()).extracting(op -> op.id).containsExactly("d");
        }
    }

    @Test
    void deadLettersCarryABoundedPrefixOfKeyAndValueWithTheirOriginalSizes() throws Exception {
        VectorStreamConfig small =
                TestData.config(3, Metric.COSINE, TestData.limits(4096, 64, 1_000_000, 1000));
        byte[] key = "k".repeat(200).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RawMessage huge = RawMessage.of("vectors", key, new byte[1_500_000]);
        huge.value[0] = '{';
        try (var h = harness(small)) {
            h.processElement1(huge, 1L);
            h.processElement1(TestData.upsert("good", new float[] {1, 1, 1}, Map.of()), 2L);

            DeadLetter d = side(h, RequestValidator.DEAD_LETTERS).get(0);
            assertThat(d.getCode()).isEqualTo("TOO_LARGE");
            assertThat(d.getValue().remaining()).isEqualTo(1000);
            assertThat(d.getValueSize()).isEqualTo(1_500_000);
            assertThat(d.getValue().get(0)).isEqualTo((byte) '{');
            assertThat(d.getKey().remaining()).isEqualTo(64);
            assertThat(d.getKeySize()).isEqualTo(200);
            assertThat(PayloadCodec.encode(d).length).isLessThan(1000 + 64 + 4 * 1000 + 200);
            assertThat(h.extractOutputValues()).extracting(op -> op.id).containsExactly("good");
        }
    }

    @Test
    void errorAnswersStayBoundedWhateverTheRequestQuotes() throws Exception {
        String hugeId = "q".repeat(100_000);
        RawMessage badConsistency =
                json(
                        "queries",
                        "q1",
                        "{\"queryId\":\"q1\",\"vector\":[1,2,2],\"consistency\":\""
                                + "x".repeat(100_000)
                                + "\"}");
        RawMessage longId =
                json("queries", hugeId, "{\"queryId\":\"" + hugeId + "\",\"vector\":[1,2,2]}");
        RawMessage longCorrelation =
                json("queries", "q3", "{\"queryId\":\"q3\",\"vector\":[1,2,2]}");
        longCorrelation.correlationId = new byte[65];
        VectorStreamConfig roomy =
                TestData.config(3, Metric.COSINE, TestData.limits(1 << 20, 64, 1_000_000, 1000));
        try (var h = harness(roomy)) {
            h.processElement2(badConsistency, 1L);
            h.processElement2(longId, 1L);
            h.processElement2(longCorrelation, 1L);

            List<Answer> answers = side(h, RequestValidator.REJECTED);
            assertThat(answers).hasSize(3);
            assertThat(answers).allSatisfy(a -> assertThat(a.payload.length).isLessThan(2_000));
            List<QueryResponse> responses =
                    answers.stream().map(a -> PayloadCodec.decodeQueryResponse(a.payload)).toList();
            assertThat(responses.get(0).getError().getCode()).isEqualTo("BAD_CONSISTENCY");
            assertThat(responses.get(0).getError().getMessage())
                    .hasSizeLessThanOrEqualTo(Messages.MAX_CHARS)
                    .endsWith("more characters)");
            assertThat(responses.get(1).getError().getCode()).isEqualTo("ID_TOO_LONG");
            assertThat(answers.get(1).queryId).isEqualTo("q".repeat(64));
            assertThat(responses.get(1).getQueryId()).isEqualTo("q".repeat(64));
            assertThat(responses.get(2).getError().getCode()).isEqualTo("BAD_CORRELATION_ID");
            assertThat(answers.get(2).correlationId).isNull();
        }
    }

    @Test
    void aReusedQueryIdGetsADistinctRequestKeyPerQuery() throws Exception {
        try (var h = harness(DIM3)) {
            h.processElement2(TestData.query("same", new float[] {1, 2, 3}, 1), 1L);
            h.processElement2(TestData.query("same", new float[] {3, 2, 1}, 1), 1L);
            List<Query> queries = side(h, RequestValidator.QUERIES);
            assertThat(queries).extracting(q -> q.queryId).containsExactly("same", "same");
            assertThat(queries.get(0).requestKey)
                    .isNotNull()
                    .isNotEqualTo(queries.get(1).requestKey);
        }
    }

    @Test
    void aRestoreWhoseConfigurationChangedTheDataLayoutRefusesToStartWithoutRestarts()
            throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(DIM3)) {
            h.processElement1(TestData.upsert("a", new float[] {1, 2, 3}, Map.of()), 1L);
            snapshot = h.snapshot(1L, 1L);
        }
        VectorStreamConfig otherMetric = TestData.config(3, Metric.EUCLIDEAN);
        assertThatThrownBy(() -> harness(otherMetric, snapshot))
                .isInstanceOf(SuppressRestartsException.class)
                .hasStackTraceContaining(
                        "vectorstream.collection.metric is EUCLIDEAN, the data was built with"
                                + " COSINE")
                .hasStackTraceContaining("--fresh");
        try (var same = harness(DIM3, snapshot)) {
            same.processElement1(TestData.upsert("b", new float[] {1, 2, 3}, Map.of()), 1L);
            assertThat(same.extractOutputValues()).extracting(op -> op.id).containsExactly("b");
        }
    }

    /** A vector record as read from {@code partition} at {@code offset}. */
    private static RawMessage at(int partition, long offset, RawMessage m) {
        m.partition = partition;
        m.offset = offset;
        return m;
    }

    private static RawMessage strongQuery(String id, long timeoutMs) {
        return json(
                "queries",
                id,
                "{\"queryId\":\""
                        + id
                        + "\",\"vector\":[1,2,2],\"k\":1,\"timeoutMs\":"
                        + timeoutMs
                        + ",\"consistency\":\"strong\"}");
    }

    private static TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> harness(
            VectorStreamConfig cfg) throws Exception {
        return harness(cfg, null, TopicEndOffsets.none());
    }

    private static TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> harness(
            VectorStreamConfig cfg, OperatorSubtaskState restore) throws Exception {
        return harness(cfg, restore, TopicEndOffsets.none());
    }

    private static TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> harness(
            VectorStreamConfig cfg, OperatorSubtaskState restore, TopicEndOffsets vectorsEnd)
            throws Exception {
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(
                                new RequestValidator(
                                        cfg,
                                        "results",
                                        ReplyTopics.anyLegalName(),
                                        vectorsEnd,
                                        CollectionTopics.of("collections", "collections.results"))),
                        RequestValidator.KEY,
                        RequestValidator.KEY,
                        Types.INT);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    private static <T> List<T> side(
            TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> h,
            OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = h.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }
}
