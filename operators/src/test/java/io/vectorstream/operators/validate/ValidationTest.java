package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.operators.Messages;
import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.SearchMode;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.Test;

class ValidationTest {

    private static final VectorStreamConfig DIM3 = TestData.config(3, Metric.COSINE);

    @Test
    void goodAvroRecordIsNormalisedAndRoutedToItsShard() throws Exception {
        try (var h = harness(DIM3)) {
            h.vector(TestData.upsert("doc-1", new float[] {3, 0, 4}, Map.of("lang", "en")));
            VectorWrite op = h.writes().get(0);
            ShardRouter router = new ShardRouter(8, 128);
            assertThat(op.id).isEqualTo("doc-1");
            assertThat(op.shard).isEqualTo(router.shardOf("doc-1"));
            assertThat(op.shardKey).isEqualTo(router.keyOf(op.shard));
            assertThat(op.vector).containsExactly(0.6f, 0f, 0.8f);
            assertThat(op.metadata).containsEntry("lang", "en");
            assertThat(op.delete).isFalse();
            assertThat(h.deadLetters()).isEmpty();
        }
    }

    @Test
    void jsonRecordsAndDeletesAreAccepted() throws Exception {
        try (var h = harness(DIM3)) {
            h.vector(
                    json(
                            "vectors",
                            "a",
                            "{\"id\":\"a\",\"vector\":[1,2,2],\"metadata\":{\"n\":1}}"));
            h.vector(json("vectors", null, "{\"id\":\"b\",\"op\":\"delete\"}"));
            List<VectorWrite> ops = h.writes();
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
        bad.put("BAD_ID", json("vectors", null, "{\"id\":\"a\\ud800b\",\"vector\":[1,2,3]}"));
        try (var h = harness(DIM3)) {
            for (RawMessage m : bad.values()) {
                h.vector(m);
            }
            h.vector(TestData.upsert("good", new float[] {1, 1, 1}, Map.of()));

            List<DeadLetter> dead = h.deadLetters();
            assertThat(dead)
                    .extracting(DeadLetter::getCode)
                    .containsExactlyElementsOf(bad.keySet());
            int i = 0;
            for (RawMessage m : bad.values()) {
                DeadLetter d = dead.get(i++);
                assertThat(d.getValue()).isEqualTo(ByteBuffer.wrap(m.value));
                assertThat(d.getReason()).isNotBlank();
            }
            assertThat(h.writes()).extracting(op -> op.id).containsExactly("good");
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
            h.request(m);
            h.request(TestData.query("q2", new float[] {1, 2, 3}, 10));

            List<Query> queries = h.queries();
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
            assertThat(h.writes()).isEmpty();
        }
    }

    @Test
    void badQueriesAreAnsweredWithAnErrorNamingTheProblem() throws Exception {
        try (var h = harness(DIM3)) {
            h.request(TestData.query("dim", new float[] {1, 2}, 10));
            h.request(TestData.query("big-k", new float[] {1, 2, 3}, 101));
            h.request(TestData.query("nan", new float[] {1, Float.POSITIVE_INFINITY, 3}, 10));
            h.request(json("queries", "junk", "{not json"));
            h.request(
                    json(
                            "queries",
                            "slow",
                            "{\"queryId\":\"slow\",\"vector\":[1,2,3],\"timeoutMs\":600000}"));
            h.request(
                    json(
                            "queries",
                            "zero-k",
                            "{\"queryId\":\"zero-k\",\"vector\":[1,2,3],\"k\":0}"));

            assertThat(h.queries()).isEmpty();
            List<QueryResponse> errors = rejected(h);
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
            h.request(
                    json(
                            "queries",
                            "tuned",
                            "{\"queryId\":\"tuned\",\"vector\":[1,2,2],\"ef\":512,"
                                    + "\"nprobe\":64,\"rerank\":0,\"includeVectors\":true}"));
            h.request(TestData.query("plain", new float[] {1, 2, 3}, 10));

            List<Query> queries = h.queries();
            assertThat(h.rejected()).isEmpty();
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
    void pagesAndThresholdsAreCheckedAgainstTheCapAndTheMetric() throws Exception {
        // TestData: max-k 100; DIM3's collection is cosine.
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("BAD_OFFSET", "\"offset\":-1");
        bad.put("OFFSET_TOO_LARGE", "\"k\":10,\"offset\":91");
        bad.put("BAD_THRESHOLD", "\"maxDistance\":0.5");
        try (var h = harness(DIM3)) {
            sendQueries(h, bad);
            h.request(
                    json(
                            "queries",
                            "both",
                            "{\"queryId\":\"both\",\"vector\":[1,2,3],\"minScore\":0.1,"
                                    + "\"maxDistance\":0.5}"));
            h.request(
                    json(
                            "queries",
                            "page",
                            "{\"queryId\":\"page\",\"vector\":[1,2,3],\"k\":10,"
                                    + "\"offset\":90,\"minScore\":0.25}"));

            List<QueryResponse> errors = rejected(h);
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly(
                            "BAD_OFFSET", "OFFSET_TOO_LARGE", "BAD_THRESHOLD", "BAD_THRESHOLD");
            assertThat(errors.get(1).getError().getMessage())
                    .startsWith("k + offset = 101 exceeds vectorstream.query.max-k=100");
            assertThat(errors.get(2).getError().getMessage()).contains("use minScore");
            assertThat(errors.get(3).getError().getMessage()).contains("not both");
            Query page = h.queries().get(0);
            assertThat(page.offset).isEqualTo(90);
            assertThat(page.depth).isEqualTo(100);
            assertThat(page.threshold).isEqualTo(0.25f);
            assertThat(page.admits(0.25f)).isTrue();
            assertThat(page.admits(0.2f)).isFalse();
        }
    }

    @Test
    void textQueriesAreCheckedForModeTextTermsAndEmbedder() throws Exception {
        // No embedder; max-text-bytes 256, max-text-terms 64.
        VectorStreamConfig plain =
                TestData.withText(
                        DIM3, new VectorStreamConfig.TextSettings(null, 1, 64, 256, 64, 60));
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("MISSING_VECTOR", "{\"queryId\":\"a\",\"text\":\"kafka streams\"}");
        bad.put("BAD_MODE", "{\"queryId\":\"b\",\"text\":\"x\",\"mode\":\"fuzzy\"}");
        bad.put("MISSING_TEXT", "{\"queryId\":\"c\",\"mode\":\"keyword\",\"text\":\"  \"}");
        bad.put(
                "BAD_THRESHOLD",
                "{\"queryId\":\"d\",\"mode\":\"keyword\",\"text\":\"x\",\"minScore\":1}");
        bad.put(
                "BAD_RANK_CONSTANT",
                "{\"queryId\":\"e\",\"mode\":\"hybrid\",\"vector\":[1,2,3],\"text\":\"x\","
                        + "\"rankConstant\":0}");
        bad.put(
                "TEXT_TOO_LONG",
                "{\"queryId\":\"f\",\"mode\":\"keyword\",\"text\":\"" + "é".repeat(129) + "\"}");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            many.append("w").append(i).append(' ');
        }
        bad.put(
                "TOO_MANY_TERMS",
                "{\"queryId\":\"g\",\"mode\":\"keyword\",\"text\":\"" + many + "\"}");
        try (var h = harness(plain)) {
            for (Map.Entry<String, String> e : bad.entrySet()) {
                h.request(json("queries", e.getKey(), e.getValue()));
            }
            h.request(
                    json(
                            "queries",
                            "kw",
                            "{\"queryId\":\"kw\",\"mode\":\"Keyword\","
                                    + "\"text\":\"Hello, hello WORLD\",\"includeText\":true}"));
            h.request(
                    json(
                            "queries",
                            "hy",
                            "{\"queryId\":\"hy\",\"mode\":\"hybrid\",\"vector\":[1,2,3],"
                                    + "\"text\":\"world\",\"rankConstant\":7}"));
            List<QueryResponse> errors = rejected(h);
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactlyElementsOf(bad.keySet());
            assertThat(errors.get(0).getError().getMessage()).contains("has no embedder");
            Query keyword = h.queries().get(0);
            assertThat(keyword.mode).isEqualTo(SearchMode.KEYWORD);
            assertThat(keyword.terms).containsExactly("hello", "world");
            assertThat(keyword.vector).isNull();
            assertThat(keyword.embedder).isNull();
            assertThat(keyword.includeText).isTrue();
            assertThat(keyword.rankConstant).isEqualTo(60);
            Query hybrid = h.queries().get(1);
            assertThat(hybrid.mode).isEqualTo(SearchMode.HYBRID);
            assertThat(hybrid.vector).hasSize(3);
            assertThat(hybrid.terms).containsExactly("world");
            assertThat(hybrid.rankConstant).isEqualTo(7);
        }
        VectorStreamConfig embedding = TestData.withEmbedder(TestData.config(0, Metric.COSINE));
        try (var h = harness(embedding)) {
            h.request(json("queries", "t", "{\"queryId\":\"t\",\"text\":\"kafka streams\"}"));
            h.vector(json("vectors", "d1", "{\"id\":\"d1\",\"text\":\"a text\"}"));
            h.vector(json("vectors", "d2", "{\"id\":\"d2\"}"));
            // Dimension 0 with an embedder is the model's 384: a stray 3-d vector pins nothing.
            h.vector(json("vectors", "d3", "{\"id\":\"d3\",\"vector\":[1,2,3]}"));
            Query byText = h.queries().get(0);
            assertThat(byText.embedder).isEqualTo("all-minilm-l6-v2");
            assertThat(byText.vector).as("embedded later, off the validator").isNull();
            assertThat(h.writes())
                    .singleElement()
                    .satisfies(
                            w -> {
                                assertThat(w.id).isEqualTo("d1");
                                assertThat(w.embedder).isEqualTo("all-minilm-l6-v2");
                                assertThat(w.vector).isNull();
                            });
            assertThat(h.deadLetters())
                    .extracting(DeadLetter::getCode)
                    .containsExactly("MISSING_VECTOR", "WRONG_DIMENSION");
            assertThat(h.deadLetters().get(0).getReason())
                    .contains("or a text for the collection's embedder");
            assertThat(h.deadLetters().get(1).getReason()).contains("384");
        }
    }

    @Test
    void groupingIsCheckedAgainstTheCap() throws Exception {
        // TestData: max-k 100.
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("size-alone", "\"groupSize\":2");
        bad.put("with-offset", "\"groupBy\":\"doc\",\"offset\":0");
        bad.put("long-key", "\"groupBy\":\"" + "é".repeat(129) + "\"");
        bad.put("size-zero", "\"groupBy\":\"doc\",\"groupSize\":0");
        bad.put("too-many", "\"groupBy\":\"doc\",\"k\":10,\"groupSize\":11");
        try (var h = harness(DIM3)) {
            sendQueries(h, bad);
            h.request(
                    json(
                            "queries",
                            "grouped",
                            "{\"queryId\":\"grouped\",\"vector\":[1,2,3],\"k\":5,"
                                    + "\"groupBy\":\"doc\",\"groupSize\":2}"));

            List<QueryResponse> errors = rejected(h);
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly(
                            "BAD_GROUP", "BAD_GROUP", "BAD_GROUP", "BAD_GROUP", "GROUP_TOO_LARGE");
            assertThat(errors.get(2).getError().getMessage()).contains("256 UTF-8 bytes");
            assertThat(errors.get(4).getError().getMessage())
                    .isEqualTo("k x groupSize = 110 exceeds vectorstream.query.max-k=100");
            Query grouped = h.queries().get(0);
            assertThat(grouped.groupBy).isEqualTo("doc");
            assertThat(grouped.groupSize).isEqualTo(2);
            assertThat(grouped.depth).as("8 x k x groupSize, at most max-k").isEqualTo(80);
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
            sendQueries(h, knobs);

            assertThat(h.queries()).isEmpty();
            List<QueryResponse> errors = rejected(h);
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
            h.request(m);
            assertThat(h.queries()).isEmpty();
            Answer a = h.rejected().get(0);
            assertThat(a.topic).isEqualTo("results");
            assertThat(a.correlationId).containsExactly(9);
            assertThat(PayloadCodec.decodeQueryResponse(a.payload).getError().getCode())
                    .isEqualTo("UNKNOWN_REPLY_TOPIC");
        }
    }

    @Test
    void aStrongQueryCarriesWhereTheVectorsTopicEndsAndAnEventualOneDoesNot() throws Exception {
        // Partition 0 ends after offset 2, partition 1 after offset 0; partition 2 is empty.
        TopicEndOffsets end = timeout -> Map.of(0, 2L, 1, 0L);
        try (var h = harness(DIM3, null, end)) {
            h.request(strongQuery("strong", 5_000));
            h.request(TestData.query("eventual", new float[] {1, 2, 3}, 1));

            List<Query> admitted = h.queries();
            assertThat(admitted).extracting(q -> q.queryId).containsExactly("strong", "eventual");
            Query strong = admitted.get(0);
            assertThat(strong.strong).isTrue();
            Map<Integer, Long> ends = new java.util.HashMap<>();
            for (int i = 0; i < strong.endPartitions.length; i++) {
                ends.put(strong.endPartitions[i], strong.endOffsets[i]);
            }
            assertThat(ends).isEqualTo(Map.of(0, 2L, 1, 0L));
            assertThat(admitted.get(1).strong).isFalse();
            assertThat(admitted.get(1).endPartitions).isNull();
        }
    }

    @Test
    void markersTellEveryShardHowFarTheDecoderReadOncePerIntervalAndOnlyWhenItMoved()
            throws Exception {
        try (var h = harness(DIM3)) {
            h.setProcessingTime(0);
            h.vector(at(0, 0, TestData.upsert("a", new float[] {1, 0, 0}, Map.of())));
            h.vector(at(0, 1, TestData.upsert("b", new float[] {0, 1, 0}, Map.of())));
            // The last record of partition 1 is rejected, and still counts as read.
            h.vector(at(1, 4, TestData.upsert("bad", new float[] {1, 2}, Map.of())));
            assertThat(h.markers()).as("not before the interval").isEmpty();

            h.setProcessingTime(VectorValidator.MARKER_INTERVAL_MS);
            ShardRouter router = new ShardRouter(8, 128);
            List<ProgressMarker> markers = h.markers();
            assertThat(markers)
                    .extracting(m -> m.shardKey)
                    .containsExactlyInAnyOrderElementsOf(
                            java.util.stream.IntStream.of(router.keys()).boxed().toList());
            assertThat(markers)
                    .allSatisfy(m -> assertThat(offsets(m)).isEqualTo(Map.of(0, 1L, 1, 4L)));
            // Markers come after the writes they vouch for, on the same output.
            List<ShardMessage> all = h.vectors.extractOutputValues();
            assertThat(all.subList(0, 2)).allMatch(VectorWrite.class::isInstance);

            h.setProcessingTime(100);
            assertThat(h.markers()).as("nothing moved, nothing sent").hasSize(8);
            h.vector(at(0, 2, TestData.upsert("c", new float[] {0, 0, 1}, Map.of())));
            h.setProcessingTime(100 + VectorValidator.MARKER_INTERVAL_MS);
            assertThat(h.markers()).hasSize(16);
            assertThat(offsets(h.markers().get(15))).isEqualTo(Map.of(0, 2L, 1, 4L));
        }
    }

    @Test
    void offsetsReadSurviveARestoreAndAreVouchedForAgain() throws Exception {
        Gatekeeper.Snapshot snapshot;
        try (var h = harness(DIM3)) {
            for (int i = 0; i <= 3; i++) {
                h.vector(at(1, i, TestData.upsert("v" + i, new float[] {1, 2, i}, Map.of())));
            }
            snapshot = h.snapshot();
        }
        try (var restored = harness(DIM3, snapshot)) {
            restored.setProcessingTime(VectorValidator.MARKER_INTERVAL_MS);
            assertThat(restored.markers())
                    .hasSize(8)
                    .allSatisfy(m -> assertThat(offsets(m)).isEqualTo(Map.of(1, 3L)));
            assertThat(restored.writes()).isEmpty();
        }
    }

    private static Map<Integer, Long> offsets(ProgressMarker m) {
        Map<Integer, Long> out = new java.util.HashMap<>();
        for (int i = 0; i < m.partitions.length; i++) {
            out.put(m.partitions[i], m.offsets[i]);
        }
        return out;
    }

    @Test
    void consistencyIsEventualOrStrongInAnyCaseAndAnUnreadableEndIsAnError() throws Exception {
        TopicEndOffsets unreachable =
                timeout -> {
                    throw new TimeoutException("broker gone");
                };
        try (var h = harness(DIM3, null, unreachable)) {
            for (String c : List.of("EVENTUAL", "sometimes", "strong")) {
                h.request(
                        json(
                                "queries",
                                c,
                                "{\"queryId\":\""
                                        + c
                                        + "\",\"vector\":[1,2,3],\"consistency\":\""
                                        + c
                                        + "\"}"));
            }
            assertThat(h.queries())
                    .singleElement()
                    .satisfies(
                            q -> {
                                assertThat(q.queryId).isEqualTo("EVENTUAL");
                                assertThat(q.strong).isFalse();
                            });
            List<QueryResponse> errors = rejected(h);
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly("BAD_CONSISTENCY", "OFFSETS_UNAVAILABLE");
            assertThat(errors.get(0).getError().getMessage())
                    .isEqualTo("consistency must be \"eventual\" or \"strong\", got \"sometimes\"");
            assertThat(errors.get(1).getError().getMessage()).contains("broker gone");
        }
    }

    @Test
    void theFirstVectorAnInstanceAcceptsPinsAnUnsetDimensionThereAndItSurvivesARestore()
            throws Exception {
        VectorStreamConfig auto = TestData.config(0, Metric.DOT);
        Gatekeeper.Snapshot snapshot;
        try (var h = harness(auto)) {
            h.request(TestData.query("early", new float[] {1, 2}, 5));
            h.vector(TestData.upsert("a", new float[] {1, 2, 3, 4}, Map.of()));
            h.vector(TestData.upsert("b", new float[] {1, 2}, Map.of()));
            h.request(TestData.query("late", new float[] {1, 2}, 5));
            assertThat(h.writes()).extracting(op -> op.id).containsExactly("a");
            assertThat(h.deadLetters())
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getCode()).isEqualTo("WRONG_DIMENSION");
                                assertThat(d.getReason()).contains("has 4");
                            });
            // Query validators see no vectors: the shards answer a query of another dimension
            // with WRONG_DIMENSION (see ShardIndexDimensionTest).
            assertThat(h.queries()).extracting(q -> q.queryId).containsExactly("early", "late");
            snapshot = h.snapshot();
        }
        try (var restored = harness(auto, snapshot)) {
            restored.vector(TestData.upsert("c", new float[] {1, 2}, Map.of()));
            restored.vector(TestData.upsert("d", new float[] {4, 3, 2, 1}, Map.of()));
            assertThat(restored.writes()).extracting(op -> op.id).containsExactly("d");
        }
    }

    @Test
    void aPinnedDimensionGivesWayToOneTheConfigurationSetsLater() throws Exception {
        Gatekeeper.Snapshot snapshot;
        try (var h = harness(TestData.config(0, Metric.DOT))) {
            h.vector(TestData.upsert("a", new float[] {1, 2, 3, 4}, Map.of()));
            snapshot = h.snapshot();
        }
        try (var restored = harness(TestData.config(3, Metric.DOT), snapshot)) {
            restored.vector(TestData.upsert("b", new float[] {1, 2, 3}, Map.of()));
            restored.vector(TestData.upsert("c", new float[] {1, 2, 3, 4}, Map.of()));
            assertThat(restored.writes()).extracting(op -> op.id).containsExactly("b");
            assertThat(restored.deadLetters())
                    .extracting(DeadLetter::getCode)
                    .containsExactly("WRONG_DIMENSION");
            snapshot = restored.snapshot();
        }
        // Set back to 0: the old pin is gone, so the next first vector decides again.
        try (var again = harness(TestData.config(0, Metric.DOT), snapshot)) {
            again.vector(TestData.upsert("d", new float[] {1, 2}, Map.of()));
            again.vector(TestData.upsert("e", new float[] {1, 2, 3, 4}, Map.of()));
            assertThat(again.writes()).extracting(op -> op.id).containsExactly("d");
        }
    }

    @Test
    void anUnsetDimensionStillHasItsUpperBound() throws Exception {
        VectorStreamConfig auto =
                TestData.config(0, Metric.DOT, TestData.limits(1 << 20, 64, 1_000_000, 1000));
        try (var h = harness(auto)) {
            h.vector(TestData.upsert("huge", new float[70_000], Map.of()));
            assertThat(h.deadLetters())
                    .extracting(DeadLetter::getCode)
                    .containsExactly("WRONG_DIMENSION");
            assertThat(h.writes()).isEmpty();
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
            h.vector(huge);
            h.vector(TestData.upsert("good", new float[] {1, 1, 1}, Map.of()));

            DeadLetter d = h.deadLetters().get(0);
            assertThat(d.getCode()).isEqualTo("TOO_LARGE");
            assertThat(d.getValue().remaining()).isEqualTo(1000);
            assertThat(d.getValueSize()).isEqualTo(1_500_000);
            assertThat(d.getValue().get(0)).isEqualTo((byte) '{');
            assertThat(d.getKey().remaining()).isEqualTo(64);
            assertThat(d.getKeySize()).isEqualTo(200);
            assertThat(PayloadCodec.encode(d).length).isLessThan(1000 + 64 + 4 * 1000 + 200);
            assertThat(h.writes()).extracting(op -> op.id).containsExactly("good");
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
            h.request(badConsistency);
            h.request(longId);
            h.request(longCorrelation);

            List<Answer> answers = h.rejected();
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
            h.request(TestData.query("same", new float[] {1, 2, 3}, 1));
            h.request(TestData.query("same", new float[] {3, 2, 1}, 1));
            List<Query> queries = h.queries();
            assertThat(queries).extracting(q -> q.queryId).containsExactly("same", "same");
            assertThat(queries.get(0).requestKey)
                    .isNotNull()
                    .isNotEqualTo(queries.get(1).requestKey);
        }
    }

    @Test
    void aRestoreWhoseConfigurationChangedTheDataLayoutRefusesToStartWithoutRestarts()
            throws Exception {
        Gatekeeper.Snapshot snapshot;
        try (var h = harness(DIM3)) {
            h.vector(TestData.upsert("a", new float[] {1, 2, 3}, Map.of()));
            snapshot = h.snapshot();
        }
        VectorStreamConfig otherMetric = TestData.config(3, Metric.EUCLIDEAN);
        assertThatThrownBy(() -> harness(otherMetric, snapshot))
                .isInstanceOf(SuppressRestartsException.class)
                .hasStackTraceContaining(
                        "vectorstream.collection.metric is EUCLIDEAN, the data was built with"
                                + " COSINE")
                .hasStackTraceContaining("--fresh");
        try (var same = harness(DIM3, snapshot)) {
            same.vector(TestData.upsert("b", new float[] {1, 2, 3}, Map.of()));
            assertThat(same.writes()).extracting(op -> op.id).containsExactly("b");
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

    /** One JSON query per entry: its id is the key, the value its fields besides the vector. */
    private static void sendQueries(Gatekeeper h, Map<String, String> fieldsById) throws Exception {
        for (Map.Entry<String, String> e : fieldsById.entrySet()) {
            h.request(
                    json(
                            "queries",
                            e.getKey(),
                            "{\"queryId\":\""
                                    + e.getKey()
                                    + "\",\"vector\":[1,2,3],"
                                    + e.getValue()
                                    + "}"));
        }
    }

    /** The error answers so far, decoded, in order. */
    private static List<QueryResponse> rejected(Gatekeeper h) {
        return h.rejected().stream()
                .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                .toList();
    }

    private static Gatekeeper harness(VectorStreamConfig cfg) throws Exception {
        return new Gatekeeper(cfg);
    }

    private static Gatekeeper harness(VectorStreamConfig cfg, Gatekeeper.Snapshot restore)
            throws Exception {
        return new Gatekeeper(cfg, restore, TopicEndOffsets.none(), List.of());
    }

    private static Gatekeeper harness(
            VectorStreamConfig cfg, Gatekeeper.Snapshot restore, TopicEndOffsets vectorsEnd)
            throws Exception {
        return new Gatekeeper(cfg, restore, vectorsEnd, List.of());
    }
}
