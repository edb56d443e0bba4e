package io.vectorstream.operators.index;

import static io.vectorstream.operators.index.ShardIndexHarness.awaitBuilds;
import static io.vectorstream.operators.index.ShardIndexHarness.operator;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.SegmentType;
import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Two collections in one index operator: the configured one (cosine, HNSW) and one announced by the
 * validator (euclidean, IVF-Flat, its own dimension, shard count and seal size). Each answers in
 * its own metric from its own shards, seals into its own index type, and keeps both across a
 * restore without rebuilding.
 */
class ShardIndexCollectionsTest {

    private static final int DIM = 8;
    private static final VectorStreamConfig CFG = config();
    private static final ShardRouter DEFAULT_ROUTER = new ShardRouter(8, 128);

    private static final Collection DOCS =
            new Collection(
                    "docs",
                    1,
                    5,
                    Metric.EUCLIDEAN,
                    4,
                    new IndexSettings(
                            SegmentType.IVF_FLAT,
                            CFG.index().memoryTier(),
                            20,
                            1,
                            16,
                            100,
                            64,
                            0,
                            0,
                            64,
                            0,
                            8,
                            0.3),
                    null);
    private static final ShardRouter DOCS_ROUTER = new ShardRouter(4, 128, 1);

    @Test
    void eachCollectionSearchesItsOwnShardsInItsOwnMetricAndIndexType() throws Exception {
        Random rnd = new Random(5);
        Map<String, float[]> docs = new LinkedHashMap<>();
        Map<String, float[]> plain = new LinkedHashMap<>();
        OperatorSubtaskState snapshot;
        try (var h = ShardIndexHarness.of(new ShardIndexOperator(CFG), 8, 128, 1, 0)) {
            h.open();
            for (int s = 0; s < 4; s++) {
                h.processElement1(
                        new StreamRecord<>(
                                new CollectionAnnouncement(
                                        s, DOCS_ROUTER.keyOf(s), DOCS.toBytes())));
            }
            for (int i = 0; i < 160; i++) {
                float[] d = TestData.randomVector(rnd, 5);
                docs.put("d" + i, d);
                h.processElement1(new StreamRecord<>(write(DOCS_ROUTER, "d" + i, d)));
                float[] p = unit(TestData.randomVector(rnd, DIM));
                plain.put("p" + i, p);
                h.processElement1(new StreamRecord<>(write(DEFAULT_ROUTER, "p" + i, p)));
                awaitBuilds(h);
            }
            assertAnswers(h, docs, plain, rnd);

            Map<Integer, SegmentManifest> manifests = ShardIndexOperatorTest.manifestsByKey(h);
            for (int key : DOCS_ROUTER.keys()) {
                assertThat(manifests.get(key).segments())
                        .as("docs shard %d sealed with its own seal size", key)
                        .isNotEmpty()
                        .allSatisfy(e -> assertThat(e.type()).isEqualTo(SegmentType.IVF_FLAT));
            }
            for (int key : DEFAULT_ROUTER.keys()) {
                assertThat(manifests.get(key).segments())
                        .allSatisfy(e -> assertThat(e.type()).isEqualTo(SegmentType.HNSW));
            }
            snapshot = h.snapshot(1, 1);
        }

        try (var h = ShardIndexHarness.of(new ShardIndexOperator(CFG), 8, 128, 1, 0)) {
            h.initializeState(snapshot);
            h.open();
            assertAnswers(h, docs, plain, rnd);
            assertThat(operator(h).graphBuilds()).as("restored, not rebuilt").isZero();
            assertThat(operator(h).segmentLoads()).isPositive();
        }
    }

    private static void assertAnswers(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> docs,
            Map<String, float[]> plain,
            Random rnd)
            throws Exception {
        for (int i = 0; i < 10; i++) {
            float[] dq = TestData.randomVector(rnd, 5);
            PartialResult d = search(h, query("docs", Metric.EUCLIDEAN, DOCS_ROUTER, dq));
            assertThat(d.shards).isEqualTo(4);
            assertThat(d.hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(euclidean(docs, dq));
            float[] pq = unit(TestData.randomVector(rnd, DIM));
            PartialResult p = search(h, query("default", Metric.COSINE, DEFAULT_ROUTER, pq));
            assertThat(p.shards).isEqualTo(8);
            assertThat(p.hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(cosine(plain, pq));
        }
    }

    private static PartialResult search(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Query q)
            throws Exception {
        h.processElement2(new StreamRecord<>(q));
        List<PartialResult> out = ShardIndexHarness.partials(h);
        return out.get(out.size() - 1);
    }

    private static Query query(String collection, Metric metric, ShardRouter router, float[] v) {
        Query q = new Query();
        q.queryId = collection + "-" + System.nanoTime();
        q.requestKey = q.queryId;
        q.collection = collection;
        q.metric = metric;
        q.shardKeys = router.keys();
        q.vector = v;
        q.k = 10;
        return q;
    }

    private static VectorWrite write(ShardRouter router, String id, float[] v) {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = router.shardOf(id);
        op.shardKey = router.keyOf(op.shard);
        op.vector = v;
        op.metadata = Map.of();
        return op;
    }

    private static List<String> euclidean(Map<String, float[]> live, float[] q) {
        return top(live, v -> -distance(v, q));
    }

    private static List<String> cosine(Map<String, float[]> live, float[] q) {
        return top(live, v -> dot(v, q));
    }

    private static List<String> top(
            Map<String, float[]> live, java.util.function.ToDoubleFunction<float[]> closeness) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(live.entrySet());
        all.sort(
                Comparator.comparingDouble(
                        (Map.Entry<String, float[]> e) -> -closeness.applyAsDouble(e.getValue())));
        return all.subList(0, 10).stream().map(Map.Entry::getKey).toList();
    }

    private static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static float[] unit(float[] v) {
        double n = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] /= (float) n;
        }
        return v;
    }

    private static VectorStreamConfig config() {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.SEAL_SIZE, 15);
        return TestData.config(DIM, Metric.COSINE, IndexSettings.from(conf));
    }
}
