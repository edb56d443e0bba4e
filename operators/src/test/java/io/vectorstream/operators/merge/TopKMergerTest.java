package io.vectorstream.operators.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class TopKMergerTest {

    @Test
    void mergesAllPartialsIntoTheGlobalTopKEvenWhenPartialsOvertakeTheQuery() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(100);
            h.processElement2(partial("q", 4, hit("a", 0.9f), hit("c", 0.5f)), 1L);
            h.processElement1(query(Metric.DOT, "q", 3, 1_000), 1L);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement2(partial("q", 4, hit("b", 0.7f), hit("d", 0.1f)), 1L);

            QueryResponse r = only(h);
            assertThat(r.getHits()).extracting(Hit::getId).containsExactly("a", "b", "c");
            assertThat(r.getComplete()).isTrue();
            assertThat(r.getShardsAnswered()).isEqualTo(8);
            assertThat(r.getShardsExpected()).isEqualTo(8);
        }
    }

    @Test
    void anInstancesErrorIsTheAnswer() throws Exception {
        try (var h = harness()) {
            h.processElement1(query(Metric.DOT, "q", 3, 1_000), 1L);
            h.processElement2(partial("q", 4, hit("a", 0.9f)), 1L);
            h.processElement2(
                    new PartialError("q", null, "WRONG_DIMENSION", "query vector has dimension 2"),
                    1L);

            QueryResponse r = only(h);
            assertThat(r.getError().getCode()).isEqualTo("WRONG_DIMENSION");
            assertThat(r.getError().getMessage()).isEqualTo("query vector has dimension 2");
            assertThat(r.getHits()).isEmpty();
            assertThat(r.getComplete()).isFalse();
        }
    }

    @Test
    void euclideanKeepsTheSmallestDistances() throws Exception {
        try (var h = harness()) {
            h.processElement1(query(Metric.EUCLIDEAN, "q", 2, 1_000), 1L);
            h.processElement2(partial("q", 4, hit("far", 3f), hit("near", 0.5f)), 1L);
            h.processElement2(partial("q", 4, hit("mid", 1f)), 1L);
            assertThat(only(h).getHits()).extracting(Hit::getId).containsExactly("near", "mid");
        }
    }

    @Test
    void deadlineAnswersWithWhatArrivedAndSaysItIsIncomplete() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(0);
            h.processElement1(query(Metric.DOT, "q", 5, 500), 1L);
            h.processElement2(partial("q", 4, hit("a", 1f)), 1L);
            h.setProcessingTime(499);
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(500);
            QueryResponse r = only(h);
            assertThat(r.getComplete()).isFalse();
            assertThat(r.getShardsAnswered()).isEqualTo(4);
            assertThat(r.getHits()).extracting(Hit::getId).containsExactly("a");
            // A straggler after the answer does not produce a second one, and its state is dropped.
            h.processElement2(partial("q", 4, hit("b", 2f)), 1L);
            h.setProcessingTime(100_000);
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void hitVectorsAreReturnedOnlyWhenTheQueryAskedForThem() throws Exception {
        try (var h = harness()) {
            Query q = query(Metric.DOT, "with", 2, 1_000);
            q.includeVectors = true;
            h.processElement1(q, 1L);
            h.processElement1(query(Metric.DOT, "without", 2, 1_000), 1L);
            for (String id : List.of("with", "without")) {
                h.processElement2(partial(id, 4, hit("a", 2f, 0.5f, -1f)), 1L);
                h.processElement2(partial(id, 4, hit("b", 1f, 0.25f, 4f)), 1L);
            }

            List<QueryResponse> answers =
                    h.extractOutputValues().stream()
                            .map(a -> PayloadCodec.decodeQueryResponse(a.payload))
                            .toList();
            assertThat(answers)
                    .extracting(QueryResponse::getQueryId)
                    .containsExactly("with", "without");
            List<Hit> with = answers.get(0).getHits();
            assertThat(FloatVectors.fromBytes(with.get(0).getVector())).containsExactly(0.5f, -1f);
            assertThat(FloatVectors.fromBytes(with.get(1).getVector())).containsExactly(0.25f, 4f);
            assertThat(answers.get(1).getHits())
                    .allSatisfy(hit -> assertThat(hit.getVector()).isNull());
        }
    }

    @Test
    void anAnswerOverTheSizeLimitIsAnAnswerTooLargeErrorThatSaysWhatToLower() throws Exception {
        try (var h = harness(2_000)) {
            Query big = query(Metric.DOT, "big", 10, 1_000);
            big.includeVectors = true;
            h.processElement1(big, 1L);
            h.processElement1(query(Metric.DOT, "small", 10, 1_000), 1L);
            for (String id : List.of("big", "small")) {
                ScoredHit[] hits = new ScoredHit[10];
                for (int i = 0; i < hits.length; i++) {
                    hits[i] = hit("v" + i, i, new float[100]);
                }
                h.processElement2(partial(id, 4, hits), 1L);
                h.processElement2(partial(id, 4), 1L);
            }

            List<Answer> out = h.extractOutputValues();
            assertThat(out)
                    .allSatisfy(a -> assertThat(a.payload.length).isLessThanOrEqualTo(2_000));
            QueryResponse tooLarge = PayloadCodec.decodeQueryResponse(out.get(0).payload);
            assertThat(tooLarge.getQueryId()).isEqualTo("big");
            assertThat(tooLarge.getError().getCode()).isEqualTo("ANSWER_TOO_LARGE");
            assertThat(tooLarge.getError().getMessage())
                    .contains("vectorstream.limits.max-answer-bytes=2000", "k", "includeVectors");
            assertThat(tooLarge.getHits()).isEmpty();
            assertThat(tooLarge.getComplete()).isFalse();
            QueryResponse small = PayloadCodec.decodeQueryResponse(out.get(1).payload);
            assertThat(small.getError()).isNull();
            assertThat(small.getHits()).hasSize(10);
        }
    }

    @Test
    void anInstanceOverTheAnswerLimitMakesTheAnswerAnAnswerTooLargeError() throws Exception {
        try (var h = harness()) {
            h.processElement1(query(Metric.DOT, "q", 10, 1_000), 1L);
            PartialResult over = partial("q", 4);
            over.tooLarge = true;
            h.processElement2(over, 1L);
            h.processElement2(partial("q", 4, hit("a", 1f)), 1L);

            QueryResponse r = only(h);
            assertThat(r.getError().getCode()).isEqualTo("ANSWER_TOO_LARGE");
            assertThat(r.getError().getMessage()).contains("up to 10 hits", "max-answer-bytes");
            assertThat(r.getHits()).isEmpty();
            assertThat(r.getComplete()).isFalse();
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Query, IndexReply, Answer>
            harness() throws Exception {
        return harness(1_000_000);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, Query, IndexReply, Answer>
            harness(int maxAnswerBytes) throws Exception {
        VectorStreamConfig.Limits limits = TestData.limits(4096, 64, maxAnswerBytes, 1024);
        return ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new TopKMerger(2, 10_000, limits),
                (Query q) -> q.queryId,
                (IndexReply p) ->
                        p instanceof PartialResult r ? r.queryId : ((PartialError) p).queryId,
                Types.STRING);
    }

    private static QueryResponse only(
            KeyedTwoInputStreamOperatorTestHarness<String, Query, IndexReply, Answer> h) {
        List<Answer> out = h.extractOutputValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).topic).isEqualTo("results");
        return PayloadCodec.decodeQueryResponse(out.get(0).payload);
    }

    /** A query of a collection with 8 shards. */
    private static Query query(Metric metric, String id, int k, long deadline) {
        Query q = new Query();
        q.queryId = id;
        q.requestKey = id;
        q.metric = metric;
        q.shardKeys = new ShardRouter(8, 128).keys();
        q.k = k;
        q.deadlineMs = deadline;
        q.replyTo = "results";
        q.includeMetadata = true;
        return q;
    }

    @Test
    void aGroupingQueryAnswersItsBestGroupsEachWithItsBestHits() {
        Query q = new Query();
        q.metric = Metric.COSINE;
        q.k = 2;
        q.groupBy = "doc";
        q.groupSize = 2;
        List<ScoredHit> best =
                List.of(
                        grouped("a1", 0.9f, "a"),
                        grouped("b1", 0.8f, "b"),
                        grouped("a2", 0.7f, "a"),
                        grouped("a3", 0.6f, "a"), // a is full
                        grouped("c1", 0.5f, "c"), // two groups already
                        grouped("b2", 0.4f, "b"));
        assertThat(TopKMerger.answered(q, best))
                .extracting(h -> h.id)
                .containsExactly("a1", "a2", "b1", "b2");

        Query page = new Query();
        page.k = 2;
        page.offset = 3;
        assertThat(TopKMerger.answered(page, best))
                .extracting(h -> h.id)
                .containsExactly("a3", "c1");
    }

    private static ScoredHit grouped(String id, float score, String group) {
        ScoredHit h = hit(id, score);
        h.group = group;
        return h;
    }

    private static PartialResult partial(String id, int shards, ScoredHit... hits) {
        PartialResult p = new PartialResult();
        p.queryId = id;
        p.requestKey = id;
        p.shards = shards;
        p.hits = List.of(hits);
        return p;
    }

    private static ScoredHit hit(String id, float score) {
        return new ScoredHit(id, score, Map.of());
    }

    private static ScoredHit hit(String id, float score, float... vector) {
        ScoredHit h = hit(id, score);
        h.vector = vector;
        return h;
    }

    @Test
    void reciprocalRankFusionSumsOneOverConstantPlusRankAcrossBothRankings() {
        List<ScoredHit> keyword = List.of(hit("a", 9f), hit("b", 7f), hit("c", 1f));
        List<ScoredHit> vector = List.of(hit("c", 0.9f), hit("a", 0.8f), hit("d", 0.7f));
        List<ScoredHit> fused = TopKMerger.fuse(keyword, vector, 10, 10);
        // a: 1/11 + 1/12; c: 1/13 + 1/11; b: 1/12; d: 1/13.
        assertThat(fused).extracting(h -> h.id).containsExactly("a", "c", "b", "d");
        assertThat(fused.get(0).score).isCloseTo(1f / 11 + 1f / 12, within(1e-6f));
        assertThat(fused.get(1).score).isCloseTo(1f / 13 + 1f / 11, within(1e-6f));
        assertThat(fused.get(3).score).isCloseTo(1f / 13, within(1e-6f));
        assertThat(TopKMerger.fuse(keyword, vector, 10, 2))
                .extracting(h -> h.id)
                .containsExactly("a", "c");
        // A larger constant flattens the ranks: two middling ranks beat one first place.
        List<ScoredHit> k1 = List.of(hit("x", 4f), hit("p", 3f), hit("q", 2f), hit("y", 1f));
        List<ScoredHit> v1 = List.of(hit("z", 4f), hit("r", 3f), hit("s", 2f), hit("y", 1f));
        assertThat(TopKMerger.fuse(k1, v1, 1, 3)).extracting(h -> h.id).startsWith("x");
        assertThat(TopKMerger.fuse(k1, v1, 60, 3)).extracting(h -> h.id).startsWith("y");
    }
}
