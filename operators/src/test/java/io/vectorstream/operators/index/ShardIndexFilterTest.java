package io.vectorstream.operators.index;

import static io.vectorstream.operators.index.ShardIndexHarness.awaitBuilds;
import static io.vectorstream.operators.index.ShardIndexHarness.operator;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Filtered queries return only vectors whose metadata match, and exactly the brute-force filtered
 * top k: while vectors are growing, after they are sealed, and after a snapshot and restore.
 * Segments are small and searched with a beam wider than any shard, so answers are exact.
 */
class ShardIndexFilterTest {

    private static final int DIM = 8;
    private static final int VECTORS = 400;

    private static final String[] FILTERS = {
        "{\"eq\": {\"color\": \"red\"}}",
        "{\"in\": {\"size\": [1, 2, \"3\"]}}",
        "{\"range\": {\"size\": {\"gte\": 5, \"lt\": 8}}}",
        "{\"not\": {\"exists\": \"size\"}}",
        "{\"and\": [{\"eq\": {\"color\": \"blue\"}}, {\"range\": {\"size\": {\"lte\": 4}}}]}",
        "{\"or\": [{\"eq\": {\"color\": \"green\"}}, {\"eq\": {\"size\": \"9\"}}]}",
        "{\"eq\": {\"color\": \"purple\"}}",
    };

    private static final ShardRouter ROUTER = new ShardRouter(8, 128);

    @Test
    void filteredQueriesAreExactBeforeAndAfterSealAndAfterRestore() throws Exception {
        Random rnd = new Random(11);
        Map<String, float[]> live = new HashMap<>();
        Map<String, Map<String, String>> metadata = new HashMap<>();
        VectorStreamConfig growingOnly = config(100_000);
        try (var h = harness(growingOnly)) {
            h.open();
            write(h, rnd, live, metadata);
            assertThat(operator(h).sealedSegments()).isZero();
            assertFilteredAnswersExact(h, live, metadata, rnd, "growing");
        }

        VectorStreamConfig sealing = config(20);
        OperatorSubtaskState snapshot;
        live.clear();
        metadata.clear();
        try (var h = harness(sealing)) {
            h.open();
            write(h, rnd, live, metadata);
            awaitBuilds(h);
            assertThat(operator(h).sealedSegments()).isPositive();
            assertFilteredAnswersExact(h, live, metadata, rnd, "sealed");
            snapshot = h.snapshot(1L, 100L);
        }
        try (var restored = harness(sealing)) {
            restored.initializeState(snapshot);
            restored.open();
            assertFilteredAnswersExact(restored, live, metadata, rnd, "restored");
        }
    }

    /** Upserts, deletes some, and re-upserts some with new metadata (which must win). */
    private static void write(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Random rnd,
            Map<String, float[]> live,
            Map<String, Map<String, String>> metadata)
            throws Exception {
        for (int i = 0; i < VECTORS; i++) {
            upsert(
                    h,
                    "v" + i,
                    unit(TestData.randomVector(rnd, DIM)),
                    attributes(i),
                    live,
                    metadata);
        }
        for (int i = 0; i < VECTORS; i += 9) {
            h.processElement1(new StreamRecord<>(delete("v" + i)));
            live.remove("v" + i);
            metadata.remove("v" + i);
        }
        for (int i = 1; i < VECTORS; i += 11) {
            if (live.containsKey("v" + i)) {
                upsert(h, "v" + i, live.get("v" + i), attributes(i + 1), live, metadata);
            }
        }
    }

    private static void upsert(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            String id,
            float[] v,
            Map<String, String> attributes,
            Map<String, float[]> live,
            Map<String, Map<String, String>> metadata)
            throws Exception {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.vector = v;
        op.metadata = attributes;
        h.processElement1(new StreamRecord<>(op));
        live.put(id, v);
        metadata.put(id, attributes);
    }

    private static VectorWrite delete(String id) {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.delete = true;
        return op;
    }

    private static Map<String, String> attributes(int i) {
        String color = new String[] {"red", "green", "blue"}[i % 3];
        return i % 7 == 0
                ? Map.of("color", color)
                : Map.of("color", color, "size", String.valueOf(i % 10));
    }

    private static void assertFilteredAnswersExact(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            Map<String, Map<String, String>> metadata,
            Random rnd,
            String phase)
            throws Exception {
        for (String json : FILTERS) {
            Filter filter = FilterParser.parse(json);
            for (int k : new int[] {10, VECTORS}) {
                float[] qv = unit(TestData.randomVector(rnd, DIM));
                Query q = ShardIndexOperatorTest.query(phase + "-" + json + "-" + k, qv, k, true);
                q.filter = json;
                h.processElement2(new StreamRecord<>(q));
                List<PartialResult> out = ShardIndexHarness.partials(h);
                PartialResult p = out.get(out.size() - 1);
                assertThat(p.queryId).isEqualTo(q.queryId);
                assertThat(p.hits)
                        .as("%s: %s, k %d", phase, json, k)
                        .extracting(hit -> hit.id)
                        .containsExactlyElementsOf(bruteForce(live, metadata, filter, qv, k));
                assertThat(p.hits)
                        .allSatisfy(hit -> assertThat(filter.matches(hit.metadata)).isTrue());
            }
        }
    }

    private static List<String> bruteForce(
            Map<String, float[]> live,
            Map<String, Map<String, String>> metadata,
            Filter filter,
            float[] q,
            int k) {
        List<Map.Entry<String, float[]>> matching = new ArrayList<>();
        for (Map.Entry<String, float[]> e : live.entrySet()) {
            if (filter.matches(metadata.get(e.getKey()))) {
                matching.add(e);
            }
        }
        matching.sort(
                Comparator.comparingDouble((Map.Entry<String, float[]> e) -> -dot(q, e.getValue()))
                        .thenComparing(Map.Entry::getKey));
        return matching.subList(0, Math.min(k, matching.size())).stream()
                .map(Map.Entry::getKey)
                .toList();
    }

    private static VectorStreamConfig config(int sealSize) {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.INDEX_TYPE, "hnsw");
        conf.set(VectorStreamOptions.SEAL_SIZE, sealSize);
        conf.set(VectorStreamOptions.HNSW_EF_SEARCH, 400);
        return TestData.config(DIM, Metric.COSINE, IndexSettings.from(conf));
    }

    private KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(VectorStreamConfig cfg) throws Exception {
        return ShardIndexHarness.of(
                new ShardIndexOperator(cfg), cfg.shards(), cfg.maxParallelism(), 1, 0);
    }

    private static float[] unit(float[] v) {
        VectorMath.normalize(v);
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
