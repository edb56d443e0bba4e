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
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
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
 * The memory budget on the real RocksDB backend: a budget too small for the data first moves sealed
 * segments to the binary tier, then throttles writes, while every query is answered exactly (the
 * compressed segments rescore from RocksDB), and a restore loads the binary segments as they were
 * written.
 */
class ShardIndexMemoryTest {

    private static final int DIM = 64;

    /** More than a shard of these tests holds: every candidate is rescored. */
    private static final int RESCORE_ALL = 1000;

    /** More lists than a segment of these tests has: every list is probed. */
    private static final int PROBE_ALL = 64;

    @Test
    void aSmallBudgetTiersDownThenThrottlesAndAnswersStayExact() throws Exception {
        Random rnd = new Random(16);
        Map<String, float[]> live = new HashMap<>();
        VectorStreamConfig cfg = budgeted(300_000);
        int firstTierDown = -1;
        int firstThrottle = -1;
        OperatorSubtaskState snapshot;
        long binaryBefore;
        try (var h = harness(cfg)) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 3000; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(ShardIndexOperatorTest.upsert("v" + i, v, i)));
                live.put("v" + i, v);
                if (firstTierDown < 0 && op.tierDowns() > 0) {
                    firstTierDown = i;
                }
                if (firstThrottle < 0 && op.throttledWrites() > 0) {
                    firstThrottle = i;
                }
                if (i % 20 == 19) {
                    awaitBuilds(h);
                    assertExactAnswers(h, live, rnd, 1);
                }
            }
            awaitBuilds(h);
            assertThat(firstTierDown).as("first tier-down").isPositive();
            assertThat(firstThrottle)
                    .as("throttling comes after tier-downs")
                    .isGreaterThan(firstTierDown);
            assertThat(op.segmentsIn(MemoryTier.BINARY)).isPositive();
            assertExactAnswers(h, live, rnd, 10);
            binaryBefore = op.segmentsIn(MemoryTier.BINARY);
            snapshot = h.snapshot(1L, 100L);
        }
        // A restore loads the binary segments from their blobs: still binary, still exact.
        try (var restored = harness(cfg)) {
            restored.initializeState(snapshot);
            restored.open();
            assertExactAnswers(restored, live, rnd, 10);
            ShardIndexOperator op = operator(restored);
            assertThat(op.segmentsIn(MemoryTier.BINARY)).isEqualTo(binaryBefore);
            assertThat(op.graphBuilds()).as("nothing rebuilt on restore").isZero();
        }
    }

    @Test
    void aBudgetTheDataFitsLeavesEverySegmentFull() throws Exception {
        Random rnd = new Random(17);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(budgeted(1L << 30))) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 400; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(ShardIndexOperatorTest.upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            awaitBuilds(h);
            assertThat(op.tierDowns()).isZero();
            assertThat(op.throttledWrites()).isZero();
            assertThat(op.segmentsIn(MemoryTier.BINARY)).isZero();
            assertThat(op.segmentsIn(MemoryTier.FULL)).isPositive();
            assertExactAnswers(h, live, rnd, 5);
        }
    }

    /** HNSW segments of 20 vectors in full, a budget of {@code bytes}, tier-down at half of it. */
    private static VectorStreamConfig budgeted(long bytes) {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.INDEX_TYPE, "hnsw");
        conf.set(VectorStreamOptions.MEMORY_TIER, "full");
        conf.set(VectorStreamOptions.SEAL_SIZE, 20);
        conf.set(VectorStreamOptions.MEMORY_BUDGET_BYTES, bytes);
        conf.set(VectorStreamOptions.MEMORY_TIER_DOWN_AT, 0.5);
        conf.set(VectorStreamOptions.MEMORY_THROTTLE_PAUSE, java.time.Duration.ofMillis(1));
        VectorStreamConfig base = TestData.config(DIM, Metric.COSINE, IndexSettings.from(conf));
        return TestData.withMemory(base, VectorStreamConfig.MemorySettings.from(conf));
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(VectorStreamConfig cfg) throws Exception {
        return ShardIndexHarness.of(
                new ShardIndexOperator(cfg), cfg.shards(), cfg.maxParallelism(), 1, 0);
    }

    /**
     * Queries that probe every list and rescore every candidate of these small shards from the
     * stored vectors return the exact top 15 (how close the one-bit estimates alone come is {@code
     * BinaryIvfTest}'s business; random 64-d vectors are the hardest case for them).
     */
    private static void assertExactAnswers(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            Random rnd,
            int queries)
            throws Exception {
        for (int q = 0; q < queries; q++) {
            float[] qv = unit(TestData.randomVector(rnd, DIM));
            Query query = ShardIndexOperatorTest.query("q" + q, qv, 15, false);
            query.rerank = RESCORE_ALL;
            query.nprobe = PROBE_ALL;
            h.processElement2(new StreamRecord<>(query));
            List<PartialResult> out = ShardIndexHarness.partials(h);
            assertThat(out.get(out.size() - 1).hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(bruteForce(live, qv, 15));
        }
    }

    private static List<String> bruteForce(Map<String, float[]> live, float[] q, int k) {
        return live.entrySet().stream()
                .sorted(
                        Comparator.comparingDouble(
                                (Map.Entry<String, float[]> e) ->
                                        -VectorMath.dot(q, 0, e.getValue(), 0, DIM)))
                .limit(k)
                .map(Map.Entry::getKey)
                .toList();
    }

    private static float[] unit(float[] v) {
        VectorMath.normalize(v);
        return v;
    }
}
