package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ShardIndexOperatorTest {

    private static final int DIM = 8;
    private static final VectorStreamConfig CFG = TestData.config(DIM, Metric.COSINE);
    private static final ShardRouter ROUTER = new ShardRouter(CFG.shards(), CFG.maxParallelism());

    @Test
    void answersEveryQueryWithTheExactTopKOfAllItsShards() throws Exception {
        Random rnd = new Random(1);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(1, 0)) {
            h.open();
            for (int i = 0; i < 400; i++) {
                String id = "v" + rnd.nextInt(300);
                if (rnd.nextInt(6) == 0) {
                    h.processElement1(new StreamRecord<>(delete(id)));
                    live.remove(id);
                } else {
                    float[] v = unit(TestData.randomVector(rnd, DIM));
                    h.processElement1(new StreamRecord<>(upsert(id, v, i)));
                    live.put(id, v);
                }
            }
            for (int q = 0; q < 20; q++) {
                float[] qv = unit(TestData.randomVector(rnd, DIM));
                h.processElement2(new StreamRecord<>(query("q" + q, qv, 10, true)));
                PartialResult p = lastPartial(h);
                assertThat(p.queryId).isEqualTo("q" + q);
                assertThat(p.shards).isEqualTo(8);
                assertThat(p.hits)
                        .extracting(hit -> hit.id)
                        .containsExactlyElementsOf(bruteForce(live, qv, 10));
                assertThat(p.hits).allSatisfy(hit -> assertThat(hit.metadata).containsKey("n"));
            }
        }
    }

    @Test
    void restoredStateAnswersTheSameAndDeletesStayDeleted() throws Exception {
        Random rnd = new Random(2);
        Map<String, float[]> live = new HashMap<>();
        OperatorSubtaskState snapshot;
        try (var h = harness(1, 0)) {
            h.open();
            for (int i = 0; i < 200; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            for (int i = 0; i < 200; i += 3) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                live.remove("v" + i);
            }
            snapshot = h.snapshot(1L, 100L);
        }
        try (var restored = harness(1, 0)) {
            restored.initializeState(snapshot);
            restored.open();
            float[] qv = live.get("v1");
            restored.processElement2(new StreamRecord<>(query("after-restore", qv, 200, false)));
            PartialResult p = lastPartial(restored);
            assertThat(p.hits).hasSize(live.size());
            assertThat(p.hits.get(0).id).isEqualTo("v1");
            assertThat(p.hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(bruteForce(live, qv, 200));
        }
    }

    @Test
    void twoSubtasksSplitTheShardsEvenlyAndBothAnswer() throws Exception {
        int total = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var h = harness(2, subtask)) {
                h.open();
                h.processElement2(
                        new StreamRecord<>(
                                query("q", unit(new float[] {1, 0, 0, 0, 0, 0, 0, 0}), 5, false)));
                PartialResult p = lastPartial(h);
                assertThat(p.shards).isEqualTo(4);
                assertThat(p.hits).isEmpty();
                total += p.shards;
            }
        }
        assertThat(total).isEqualTo(CFG.shards());
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, VectorOp, Query, PartialResult>
            harness(int parallelism, int subtask) throws Exception {
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        // In the job queries are broadcast, not keyed; the harness needs some key
                        // of this subtask.
                        new ShardIndexOperator(CFG),
                        (VectorOp op) -> op.shardKey,
                        (Query q) -> ROUTER.keyOf(subtask * CFG.shards() / parallelism),
                        Types.INT,
                        CFG.maxParallelism(),
                        parallelism,
                        subtask);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    private static PartialResult lastPartial(
            KeyedTwoInputStreamOperatorTestHarness<Integer, VectorOp, Query, PartialResult> h) {
        List<PartialResult> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    static VectorOp upsert(String id, float[] v, int n) {
        VectorOp op = new VectorOp();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.vector = v;
        op.metadata = Map.of("n", String.valueOf(n));
        return op;
    }

    static VectorOp delete(String id) {
        VectorOp op = new VectorOp();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.delete = true;
        return op;
    }

    static Query query(String id, float[] v, int k, boolean metadata) {
        Query q = new Query();
        q.queryId = id;
        q.vector = v;
        q.k = k;
        q.includeMetadata = metadata;
        return q;
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
        return all.subList(0, Math.min(k, all.size())).stream().map(Map.Entry::getKey).toList();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
