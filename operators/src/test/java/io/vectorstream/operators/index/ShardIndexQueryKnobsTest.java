package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A query's own {@code ef}, {@code nprobe} and {@code rerank} replace the job's defaults on the
 * sealed segments, and {@code includeVectors} returns the stored vectors. Checked against brute
 * force on seeded data: the knobs must change what is found, not just be carried.
 */
class ShardIndexQueryKnobsTest {

    private static final int DIM = 32;
    private static final int VECTORS = 2400;
    private static final int QUERIES = 20;
    private static final int K = 10;

    private static final Map<String, float[]> LIVE = vectors(VECTORS);

    @Test
    void queryEfWidensTheHnswBeamOverTheJobsDefault() throws Exception {
        // A narrow default beam (raised to k) against a query beam wider than any segment.
        VectorStreamConfig cfg =
                config("hnsw", conf -> conf.set(VectorStreamOptions.HNSW_EF_SEARCH, 1));
        try (var h = loaded(cfg)) {
            double byDefault = recall(h, q -> {});
            double wide = recall(h, q -> q.ef = 2000);

            assertThat(wide).as("recall@%d with ef 2000", K).isEqualTo(1.0);
            assertThat(byDefault).as("recall@%d with the default ef (k)", K).isLessThan(wide);
        }
    }

    @Test
    void queryNprobeSetsTheIvfListsScanned() throws Exception {
        VectorStreamConfig cfg =
                config(
                        "ivf-flat",
                        conf -> {
                            conf.set(VectorStreamOptions.IVF_NLIST, 16);
                            conf.set(VectorStreamOptions.IVF_NPROBE, 16);
                        });
        try (var h = loaded(cfg)) {
            double byDefault = recall(h, q -> {});
            double one = recall(h, q -> q.nprobe = 1);

            assertThat(byDefault).as("every list scanned by default").isEqualTo(1.0);
            assertThat(one).as("recall@%d with nprobe 1", K).isLessThan(0.9);
        }
    }

    @Test
    void queryRerankRescoresPqCandidatesWithTheirFullVectors() throws Exception {
        // Segments well over the 256 codewords of a sub-space, so PQ codes are lossy.
        VectorStreamConfig cfg =
                config(
                        "ivf-pq",
                        conf -> {
                            conf.set(VectorStreamOptions.SEAL_SIZE, 1000);
                            conf.set(VectorStreamOptions.IVF_NLIST, 16);
                            conf.set(VectorStreamOptions.IVF_NPROBE, 16);
                            conf.set(VectorStreamOptions.IVF_PQ_M, 4);
                            conf.set(VectorStreamOptions.IVF_RERANK, 1000);
                        });
        Map<String, float[]> live = vectors(8 * 1100);
        try (var h = loaded(cfg, live)) {
            Random rnd = new Random(12);
            float[] qv = unit(TestData.randomVector(rnd, DIM));
            int hits = 0;
            int approximate = 0;
            for (ScoredHit hit : search(h, query("pq-only", qv, q -> q.rerank = 0)).hits) {
                double exact = dot(qv, live.get(hit.id));
                if (Math.abs(hit.score - exact) > 1e-3) {
                    approximate++;
                }
                hits++;
            }
            assertThat(hits).isEqualTo(K);
            assertThat(approximate).as("hits scored by PQ distance alone").isPositive();

            PartialResult reranked = search(h, query("reranked", qv, q -> {}));
            assertThat(reranked.hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(bruteForce(live, qv, K));
            assertThat(reranked.hits)
                    .allSatisfy(
                            hit ->
                                    assertThat((double) hit.score)
                                            .isCloseTo(dot(qv, live.get(hit.id)), offset(1e-5)));
        }
    }

    @Test
    void includeVectorsReturnsEachHitsStoredVector() throws Exception {
        VectorStreamConfig cfg = config("hnsw", conf -> {});
        try (var h = harness(cfg)) {
            h.open();
            int n = 0;
            for (String id : List.of("v0", "v1", "v2", "v3")) {
                h.processElement1(new StreamRecord<>(upsert(id, LIVE.get(id), n++)));
            }
            float[] qv = LIVE.get("v2");

            PartialResult withVectors =
                    search(h, query("vectors", qv, q -> q.includeVectors = true));
            assertThat(withVectors.hits).hasSize(4);
            assertThat(withVectors.hits)
                    .allSatisfy(
                            hit -> {
                                assertThat(hit.vector).containsExactly(LIVE.get(hit.id));
                                assertThat(hit.metadata).as("metadata not asked").isNull();
                            });

            PartialResult without = search(h, query("plain", qv, q -> q.includeMetadata = true));
            assertThat(without.hits)
                    .allSatisfy(
                            hit -> {
                                assertThat(hit.vector).isNull();
                                assertThat(hit.metadata).containsKey("n");
                            });
        }
    }

    // Helpers.

    private interface ConfTweak {
        void apply(Configuration conf);
    }

    /** One subtask holding all 8 shards; about 300 vectors each, so one sealed segment each. */
    private static VectorStreamConfig config(String type, ConfTweak tweak) {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.INDEX_TYPE, type);
        conf.set(VectorStreamOptions.SEAL_SIZE, 250);
        tweak.apply(conf);
        return TestData.config(DIM, Metric.COSINE, IndexSettings.from(conf));
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(VectorStreamConfig cfg) throws Exception {
        return ShardIndexHarness.of(
                new ShardIndexOperator(cfg), cfg.shards(), cfg.maxParallelism(), 1, 0);
    }

    private static Map<String, float[]> vectors(int n) {
        Random rnd = new Random(11);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put("v" + i, unit(TestData.randomVector(rnd, DIM)));
        }
        return out;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            loaded(VectorStreamConfig cfg) throws Exception {
        return loaded(cfg, LIVE);
    }

    /** A harness with every vector of {@code live} written and every seal installed. */
    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            loaded(VectorStreamConfig cfg, Map<String, float[]> live) throws Exception {
        var h = harness(cfg);
        h.open();
        int n = 0;
        for (Map.Entry<String, float[]> e : live.entrySet()) {
            h.processElement1(new StreamRecord<>(upsert(e.getKey(), e.getValue(), n++)));
        }
        ShardIndexHarness.awaitBuilds(h);
        ShardIndexOperator op = ShardIndexHarness.operator(h);
        assertThat(op.sealedSegments()).isGreaterThanOrEqualTo(8);
        return h;
    }

    /** Recall@K of {@value #QUERIES} seeded queries, each adjusted by {@code knobs}. */
    private static double recall(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Consumer<Query> knobs)
            throws Exception {
        Random rnd = new Random(13);
        int found = 0;
        for (int i = 0; i < QUERIES; i++) {
            float[] qv = unit(TestData.randomVector(rnd, DIM));
            Set<String> got = new HashSet<>();
            search(h, query("q" + i, qv, knobs)).hits.forEach(hit -> got.add(hit.id));
            for (String id : bruteForce(LIVE, qv, K)) {
                found += got.contains(id) ? 1 : 0;
            }
        }
        return (double) found / (QUERIES * K);
    }

    private static PartialResult search(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Query q)
            throws Exception {
        h.processElement2(new StreamRecord<>(q));
        List<PartialResult> out = ShardIndexHarness.partials(h);
        PartialResult last = out.get(out.size() - 1);
        assertThat(last.queryId).isEqualTo(q.queryId);
        return last;
    }

    private static Query query(String id, float[] v, Consumer<Query> knobs) {
        Query q = ShardIndexOperatorTest.query(id, v, K, false);
        knobs.accept(q);
        return q;
    }

    private static VectorWrite upsert(String id, float[] v, int n) {
        return ShardIndexOperatorTest.upsert(id, v, n);
    }

    private static float[] unit(float[] v) {
        VectorMath.normalize(v);
        return v;
    }

    private static List<String> bruteForce(Map<String, float[]> live, float[] q, int k) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(live.entrySet());
        all.sort(
                Comparator.comparingDouble((Map.Entry<String, float[]> e) -> -dot(q, e.getValue()))
                        .thenComparing(Map.Entry::getKey));
        return all.subList(0, k).stream().map(Map.Entry::getKey).toList();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
