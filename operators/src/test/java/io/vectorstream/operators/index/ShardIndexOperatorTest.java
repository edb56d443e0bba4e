package io.vectorstream.operators.index;

import static io.vectorstream.operators.index.ShardIndexHarness.awaitBuilds;
import static io.vectorstream.operators.index.ShardIndexHarness.operator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.operators.message.SearchMode;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class ShardIndexOperatorTest {

    private static final int DIM = 8;
    private static final VectorStreamConfig CFG = TestData.config(DIM, Metric.COSINE);
    private static final ShardRouter ROUTER = new ShardRouter(CFG.shards(), CFG.maxParallelism());

    /** Small segments searched with a beam wider than any shard, so answers are exact. */
    private static final VectorStreamConfig SMALL_SEGMENTS =
            config(
                    DIM,
                    "hnsw",
                    "full",
                    20,
                    conf -> conf.set(VectorStreamOptions.HNSW_EF_SEARCH, 400));

    @Test
    void answersEveryQueryWithTheExactTopKOfAllItsShards() throws Exception {
        Random rnd = new Random(1);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(CFG, 1, 0)) {
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
    void aShareOfTheAnswerOverTheAnswerLimitIsSentWithoutItsHits() throws Exception {
        VectorStreamConfig small =
                TestData.config(DIM, Metric.COSINE, TestData.limits(4096, 64, 2_000, 1000));
        Random rnd = new Random(5);
        try (var h = harness(small, 1, 0)) {
            h.open();
            for (int i = 0; i < 40; i++) {
                VectorWrite op = upsert("v" + i, unit(TestData.randomVector(rnd, DIM)), i);
                op.metadata = Map.of("text", "m".repeat(200));
                h.processElement1(new StreamRecord<>(op));
            }
            float[] qv = unit(TestData.randomVector(rnd, DIM));
            h.processElement2(new StreamRecord<>(query("few", qv, 5, true)));
            h.processElement2(new StreamRecord<>(query("many", qv, 40, true)));
            h.processElement2(new StreamRecord<>(query("many-ids", qv, 40, false)));

            List<PartialResult> out = ShardIndexHarness.partials(h);
            assertThat(out.get(0).tooLarge).isFalse();
            assertThat(out.get(0).hits).hasSize(5);
            assertThat(out.get(1).tooLarge).as("40 x 200 bytes of metadata").isTrue();
            assertThat(out.get(1).hits).isEmpty();
            assertThat(out.get(2).tooLarge).isFalse();
            assertThat(out.get(2).hits).hasSize(40);
        }
    }

    @Test
    void restoredStateAnswersTheSameAndDeletesStayDeleted() throws Exception {
        Random rnd = new Random(2);
        Map<String, float[]> live = new HashMap<>();
        OperatorSubtaskState snapshot;
        try (var h = harness(CFG, 1, 0)) {
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
        try (var restored = harness(CFG, 1, 0)) {
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
            try (var h = harness(CFG, 2, subtask)) {
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

    @Test
    void sealsFullGrowingSegmentsAndKeepsEveryVectorSearchable() throws Exception {
        Random rnd = new Random(3);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 400; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
                if (i % 40 == 39) {
                    // Seals are in flight or just finished here; either way nothing is missing.
                    assertExactAnswers(h, live, rnd, 3, 15);
                }
            }
            awaitBuilds(h);
            assertThat(op.graphBuilds()).isPositive();
            assertThat(op.buildFailures()).isZero();
            assertExactAnswers(h, live, rnd, 10, 15);

            // ~50 vectors per shard with seal-size 20: every shard sealed at least once.
            List<SegmentManifest> manifests = manifests(h);
            assertThat(manifests).hasSize(8).allSatisfy(m -> assertThat(m.segments()).isNotEmpty());
            long sealed = manifests.stream().mapToLong(m -> m.segments().size()).sum();
            assertThat(op.sealedSegments()).isEqualTo(sealed);
            assertThat(manifests.stream().mapToLong(SegmentManifest::liveCount).sum())
                    .isEqualTo(live.size());
            assertThat(op.liveVectors()).isEqualTo(live.size());
            assertThat(blobSegmentIds(h)).isEqualTo(manifestSegmentIds(h));
            assertThat(count(h, ShardIndexOperator.VECTORS)).isEqualTo(live.size());
            long inSegments =
                    manifests.stream()
                            .flatMap(m -> m.segments().stream())
                            .mapToLong(SegmentManifest.Entry::size)
                            .sum();
            assertThat(count(h, ShardIndexOperator.GROWING)).isEqualTo(live.size() - inSegments);
        }
    }

    @Test
    void growingSegmentsWithoutWritesForTheIdleTimeAreSealedBelowTheSealSize() throws Exception {
        VectorStreamConfig idleAfter500ms = idleAfter500ms(1000);
        Random rnd = new Random(8);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(idleAfter500ms, 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            h.setProcessingTime(0);
            for (int i = 0; i < 100; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            h.setProcessingTime(400);
            assertThat(op.buildsInFlight()).isZero();
            assertThat(count(h, ShardIndexOperator.GROWING)).isEqualTo(100);

            // A write to one shard at 400 keeps that shard growing past the others' deadline.
            float[] late = unit(TestData.randomVector(rnd, DIM));
            h.processElement1(new StreamRecord<>(upsert("late", late, 100)));
            live.put("late", late);
            h.setProcessingTime(600);
            assertThat(op.buildsInFlight()).isEqualTo(7);
            awaitBuilds(h);
            assertThat(count(h, ShardIndexOperator.GROWING)).isPositive();

            h.setProcessingTime(h.getProcessingTime() + 1000);
            awaitBuilds(h);
            assertThat(count(h, ShardIndexOperator.GROWING)).isZero();
            assertThat(op.sealedSegments()).isEqualTo(8);
            assertExactAnswers(h, live, rnd, 10, 15);
        }
    }

    /** The idle seal and the seal at the seal size use their own lane: a merge does not wait. */
    @Test
    void shardsSealWhileTheirMergesRun() throws Exception {
        CountDownLatch merges = new CountDownLatch(1);
        SegmentBuildPool.Builder mergesHeldBack = ShardIndexHarness.mergesHeldBackUntil(merges);
        Random rnd = new Random(10);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(new ShardIndexOperator(idleAfter500ms(10), mergesHeldBack), 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            h.setProcessingTime(0);
            // About 55 vectors per shard: four seals fill a tier and start a merge (held back),
            // and a fifth seal comes while it runs; the rest waits for the idle seal.
            for (int i = 0; i < 440; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
                if (i % 10 == 9) {
                    awaitSeals(h);
                }
            }
            int merging = op.buildsInFlight();
            assertThat(merging).as("merges held back").isPositive();
            assertThat(count(h, ShardIndexOperator.GROWING)).isPositive();

            // Idle: the growing rests are sealed beside the merges (the idle check looks every
            // half second).
            for (int tick = 0; tick < 20 && count(h, ShardIndexOperator.GROWING) > 0; tick++) {
                h.setProcessingTime(h.getProcessingTime() + 250);
                awaitSeals(h);
            }
            assertThat(count(h, ShardIndexOperator.GROWING)).isZero();
            assertThat(op.buildsInFlight()).isEqualTo(merging);
            assertExactAnswers(h, live, rnd, 10, 15);

            merges.countDown();
            awaitBuilds(h);
            assertThat(op.sealedSegments()).isLessThan(5 * 8);
            assertExactAnswers(h, live, rnd, 10, 15);
        }
    }

    /** Steps the operator until only held-back merges are in flight: every seal installed. */
    private static void awaitSeals(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        ShardIndexOperator op = operator(h);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int stable = 0;
        long time = h.getProcessingTime();
        // Seals finish in milliseconds; a count of builds that stays put for 50 steps is merges.
        for (int last = -1; stable < 50; ) {
            if (System.nanoTime() > deadline) {
                fail("seals still in flight after 60 s");
            }
            Thread.sleep(2);
            // The drain timer fires; far less time passes than the idle check waits for.
            h.setProcessingTime(++time);
            int now = op.buildsInFlight() + (int) op.sweepsLeft();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
    }

    @Test
    void shardsAtRestMergeTheirSegmentsIntoOne() throws Exception {
        Random rnd = new Random(9);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(idleAfter500ms(5), 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            h.setProcessingTime(0);
            for (int i = 0; i < 160; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
                if (i % 10 == 9) {
                    awaitBuilds(h);
                    h.setProcessingTime(0); // no time passes while writing
                }
            }
            awaitBuilds(h);
            assertThat(op.sealedSegments()).isGreaterThan(8);

            // Idle: the growing rest is sealed, then each shard's segments merge into one (a
            // small remainder after largest / small quiet seconds).
            for (int tick = 1; tick <= 60; tick++) {
                h.setProcessingTime(tick * 1000L);
                awaitBuilds(h);
            }
            assertThat(count(h, ShardIndexOperator.GROWING)).isZero();
            assertThat(manifests(h)).allSatisfy(m -> assertThat(m.segments()).hasSize(1));
            assertThat(op.sealedSegments()).isEqualTo(8);
            assertExactAnswers(h, live, rnd, 10, 15);
        }
    }

    /** The test configuration with {@code sealSize} and seals after 500 ms without writes. */
    private static VectorStreamConfig idleAfter500ms(int sealSize) {
        VectorStreamConfig base = config(DIM, "hnsw", "full", sealSize, conf -> {});
        return new VectorStreamConfig(
                base.collection(),
                base.dimension(),
                base.metric(),
                base.shards(),
                base.maxParallelism(),
                base.maxK(),
                base.defaultTimeoutMs(),
                base.maxTimeoutMs(),
                base.maxEf(),
                base.maxNprobe(),
                base.maxRerank(),
                base.limits(),
                base.index(),
                500,
                base.text(),
                base.memory());
    }

    @Test
    void deletedAndReplacedVectorsAreNeverReturnedEvenDuringBuilds() throws Exception {
        Random rnd = new Random(4);
        Map<String, float[]> live = new LinkedHashMap<>();
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            for (int i = 0; i < 240; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            awaitBuilds(h);
            assertThat(operator(h).sealedSegments()).isPositive();

            // Writes that start new seals, interleaved with deletes and replacements of sealed
            // and growing vectors, with queries in between that see builds in flight.
            int next = 240;
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 30; i++, next++) {
                    float[] v = unit(TestData.randomVector(rnd, DIM));
                    h.processElement1(new StreamRecord<>(upsert("v" + next, v, next)));
                    live.put("v" + next, v);
                }
                List<String> ids = new ArrayList<>(live.keySet());
                for (int i = 0; i < 10; i++) {
                    String id = ids.get(rnd.nextInt(ids.size()));
                    if (live.containsKey(id)) {
                        h.processElement1(new StreamRecord<>(delete(id)));
                        live.remove(id);
                    }
                }
                for (int i = 0; i < 10; i++) {
                    String id = ids.get(rnd.nextInt(ids.size()));
                    float[] v = unit(TestData.randomVector(rnd, DIM));
                    h.processElement1(new StreamRecord<>(upsert(id, v, 1000 + i)));
                    live.put(id, v);
                    h.processElement2(new StreamRecord<>(query("same-" + id, v, 3, false)));
                    assertThat(lastPartial(h).hits.get(0).id).isEqualTo(id);
                    assertThat(lastPartial(h).hits)
                            .extracting(hit -> hit.id)
                            .doesNotHaveDuplicates();
                }
                assertEverythingReturnedOnce(h, live, rnd);
            }
            awaitBuilds(h);
            assertEverythingReturnedOnce(h, live, rnd);
            assertThat(count(h, ShardIndexOperator.VECTORS)).isEqualTo(live.size());
        }
    }

    @Test
    void deletingEverythingEmptiesTheShardsAndTheyFillAgain() throws Exception {
        Random rnd = new Random(10);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 200; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
            }
            awaitBuilds(h);
            assertThat(op.sealedSegments()).isPositive();
            for (int i = 0; i < 200; i++) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
            }
            awaitBuilds(h);
            assertThat(op.liveVectors()).isZero();
            assertThat(op.buildFailures()).isZero();
            assertThat(count(h, ShardIndexOperator.VECTORS)).isZero();
            assertThat(count(h, ShardIndexOperator.GROWING)).isZero();
            assertThat(blobSegmentIds(h)).isEqualTo(manifestSegmentIds(h));
            h.processElement2(
                    new StreamRecord<>(
                            query("none", unit(TestData.randomVector(rnd, DIM)), 5, false)));
            assertThat(lastPartial(h).hits).isEmpty();

            for (int i = 200; i < 300; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            awaitBuilds(h);
            assertExactAnswers(h, live, rnd, 5, 10);
        }
    }

    @Test
    void failedBuildsAreRetriedOnLaterWritesAndLoseNothing() throws Exception {
        AtomicInteger builds = new AtomicInteger();
        SegmentBuildPool.Builder failsThreeTimes =
                (build, spec) -> {
                    if (builds.getAndIncrement() < 3) {
                        throw new IllegalStateException("injected failure of a build");
                    }
                    return build.run(spec);
                };
        Random rnd = new Random(11);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(new ShardIndexOperator(SMALL_SEGMENTS, failsThreeTimes), 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 300; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
                awaitBuilds(h);
                if (i == 250) {
                    assertThat(op.buildFailures()).isEqualTo(3);
                    assertExactAnswers(h, live, rnd, 3, 10);
                }
            }
            assertThat(op.buildFailures()).isEqualTo(3);
            assertThat(op.sealedSegments()).isPositive();
            assertThat(blobSegmentIds(h)).isEqualTo(manifestSegmentIds(h));
            assertExactAnswers(h, live, rnd, 5, 10);
            assertEverythingReturnedOnce(h, live, rnd);
        }
    }

    @Test
    void operatorIsSerializable() throws Exception {
        ShardIndexOperator op = InstantiationUtil.clone(new ShardIndexOperator(SMALL_SEGMENTS));
        assertThat(op).isNotNull();
    }

    @Test
    void writesDuringAnInFlightSealWinOverItsCopies() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        SegmentBuildPool.Builder heldBack = ShardIndexHarness.heldBackUntil(gate);
        Random rnd = new Random(12);
        Map<String, float[]> live = new HashMap<>();
        OperatorSubtaskState snapshot;
        try (var h = harness(new ShardIndexOperator(SMALL_SEGMENTS, heldBack), 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < 240; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            // Every shard passed the seal size: one seal each, all held back.
            assertThat(op.buildsInFlight()).isEqualTo(8);
            assertThat(op.sealedSegments()).isZero();

            // Delete and replace vectors that the held-back seals have copied.
            for (int i = 0; i < 120; i += 4) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                live.remove("v" + i);
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + (i + 1), v, 1000 + i)));
                live.put("v" + (i + 1), v);
            }
            assertEverythingReturnedOnce(h, live, rnd);

            gate.countDown();
            awaitBuilds(h);
            assertThat(op.sealedSegments()).isGreaterThanOrEqualTo(8);
            assertEverythingReturnedOnce(h, live, rnd);
            for (int i = 1; i < 120; i += 4) {
                h.processElement2(new StreamRecord<>(query("self", live.get("v" + i), 2, false)));
                assertThat(lastPartial(h).hits.get(0).id).isEqualTo("v" + i);
            }
            // State agrees: the stale copies in the new segments are tombstoned.
            long inSegments =
                    manifests(h).stream()
                            .flatMap(m -> m.segments().stream())
                            .mapToLong(SegmentManifest.Entry::size)
                            .sum();
            long dead = deadPerSegment(h).values().stream().mapToLong(Long::longValue).sum();
            assertThat(count(h, ShardIndexOperator.GROWING) + inSegments - dead)
                    .isEqualTo(live.size());
            snapshot = h.snapshot(1L, 100L);
        }
        try (var restored = harness(SMALL_SEGMENTS, 1, 0)) {
            restored.initializeState(snapshot);
            restored.open();
            assertEverythingReturnedOnce(restored, live, rnd);
            assertThat(operator(restored).graphBuilds()).isZero();
        }
    }

    @Test
    void restoreLoadsSegmentsInsteadOfRebuildingThem() throws Exception {
        Random rnd = new Random(5);
        Map<String, float[]> live = new HashMap<>();
        List<float[]> queries = new ArrayList<>();
        List<PartialResult> before = new ArrayList<>();
        OperatorSubtaskState snapshot;
        long sealed;
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            for (int i = 0; i < 300; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            awaitBuilds(h);
            for (int i = 0; i < 300; i += 4) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                live.remove("v" + i);
            }
            awaitBuilds(h);
            sealed = operator(h).sealedSegments();
            assertThat(sealed).isPositive();
            for (int q = 0; q < 10; q++) {
                float[] qv = unit(TestData.randomVector(rnd, DIM));
                queries.add(qv);
                h.processElement2(new StreamRecord<>(query("q" + q, qv, 20, true)));
                before.add(lastPartial(h));
            }
            snapshot = h.snapshot(1L, 100L);
        }
        try (var restored = harness(SMALL_SEGMENTS, 1, 0)) {
            restored.initializeState(snapshot);
            restored.open();
            ShardIndexOperator op = operator(restored);
            // Before any shard is loaded the gauges already report what the manifests hold.
            assertThat(op.shardLoads()).isZero();
            assertThat(op.liveVectors()).isEqualTo(live.size());
            assertThat(op.sealedSegments()).isEqualTo(sealed);
            for (int q = 0; q < queries.size(); q++) {
                restored.processElement2(
                        new StreamRecord<>(query("q" + q, queries.get(q), 20, true)));
                PartialResult p = lastPartial(restored);
                assertThat(p.hits)
                        .extracting(hit -> hit.id)
                        .containsExactlyElementsOf(bruteForce(live, queries.get(q), 20))
                        .containsExactlyElementsOf(
                                before.get(q).hits.stream().map(hit -> hit.id).toList());
                assertThat(p.hits)
                        .extracting(hit -> hit.score)
                        .containsExactlyElementsOf(
                                before.get(q).hits.stream().map(hit -> hit.score).toList());
            }
            assertThat(op.graphBuilds()).isZero();
            assertThat(op.segmentLoads()).isEqualTo(sealed);
            assertThat(op.shardLoads()).isEqualTo(8);
            assertThat(op.liveVectors()).isEqualTo(live.size());
        }
    }

    /**
     * Keyword search through the operator: sealed segments carry their postings into a snapshot,
     * and the restored operator answers every keyword query as before, with the stored texts,
     * without a rebuild; deleted texts are never found.
     */
    @Test
    void keywordSearchAnswersTheSameAfterRestoreWithStoredTexts() throws Exception {
        Random rnd = new Random(15);
        String[] words = {"kafka", "flink", "vector", "stream", "index", "graph", "rust", "java"};
        Map<String, String> texts = new HashMap<>();
        List<PartialResult> before = new ArrayList<>();
        OperatorSubtaskState snapshot;
        long sealed;
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            for (int i = 0; i < 300; i++) {
                StringBuilder text = new StringBuilder();
                for (int w = 0; w < 1 + rnd.nextInt(6); w++) {
                    text.append(words[rnd.nextInt(1 + rnd.nextInt(words.length))]).append(' ');
                }
                VectorWrite op = upsert("v" + i, unit(TestData.randomVector(rnd, DIM)), i);
                op.text = text.toString();
                h.processElement1(new StreamRecord<>(op));
                texts.put("v" + i, op.text);
            }
            awaitBuilds(h);
            for (int i = 0; i < 300; i += 4) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                texts.remove("v" + i);
            }
            awaitBuilds(h);
            sealed = operator(h).sealedSegments();
            assertThat(sealed).isPositive();
            for (String word : words) {
                h.processElement2(new StreamRecord<>(keywordQuery(word, 300)));
                PartialResult p = lastPartial(h);
                assertThat(p.hits).isEmpty();
                assertThat(p.keywordHits)
                        .extracting(hit -> hit.id)
                        .as("every live text with '%s', and no other", word)
                        .containsExactlyInAnyOrderElementsOf(
                                texts.entrySet().stream()
                                        .filter(e -> e.getValue().contains(word + " "))
                                        .map(Map.Entry::getKey)
                                        .toList());
                assertThat(p.keywordHits)
                        .allSatisfy(hit -> assertThat(hit.text).isEqualTo(texts.get(hit.id)));
                before.add(p);
            }
            snapshot = h.snapshot(1L, 100L);
        }
        try (var restored = harness(SMALL_SEGMENTS, 1, 0)) {
            restored.initializeState(snapshot);
            restored.open();
            for (int w = 0; w < words.length; w++) {
                restored.processElement2(new StreamRecord<>(keywordQuery(words[w], 300)));
                PartialResult p = lastPartial(restored);
                // The same hits and scores; equal scores may come in another order.
                assertThat(p.keywordHits)
                        .extracting(hit -> hit.id + " " + hit.score + " " + hit.text)
                        .containsExactlyInAnyOrderElementsOf(
                                before.get(w).keywordHits.stream()
                                        .map(hit -> hit.id + " " + hit.score + " " + hit.text)
                                        .toList());
            }
            assertThat(operator(restored).graphBuilds()).isZero();
        }
    }

    private static Query keywordQuery(String word, int k) {
        Query q = query("kw-" + word, null, k, false);
        q.mode = SearchMode.KEYWORD;
        q.text = word;
        q.terms = new String[] {word};
        q.includeText = true;
        return q;
    }

    @Test
    void compactionMergesSegmentsAndDropsTheirState() throws Exception {
        VectorStreamConfig cfg =
                config(
                        DIM,
                        "hnsw",
                        "full",
                        10,
                        conf -> {
                            conf.set(VectorStreamOptions.HNSW_EF_SEARCH, 400);
                            conf.set(VectorStreamOptions.COMPACTION_MAX_SEGMENTS, 3);
                            conf.set(VectorStreamOptions.COMPACTION_DELETED_RATIO, 0.3);
                        });
        Random rnd = new Random(6);
        Map<String, float[]> live = new HashMap<>();
        try (var h = harness(cfg, 1, 0)) {
            h.open();
            ShardIndexOperator op = operator(h);
            // ~60 vectors per shard in segments of 10: more than 3 segments, so merges. Each
            // build is awaited so that segment sizes do not depend on how fast builds run.
            for (int i = 0; i < 480; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
                awaitBuilds(h);
            }
            assertThat(manifests(h))
                    .allSatisfy(m -> assertThat(m.segments()).hasSizeLessThanOrEqualTo(3));
            long sealsOnly = manifests(h).stream().mapToLong(SegmentManifest::nextSegmentId).sum();
            assertThat(sealsOnly).isGreaterThan(manifestSegmentIds(h).size());
            assertThat(blobSegmentIds(h)).isEqualTo(manifestSegmentIds(h));
            assertExactAnswers(h, live, rnd, 5, 20);

            // Deleting half of every segment passes the deleted ratio: segments are rewritten.
            long buildsBefore = op.graphBuilds();
            for (int i = 0; i < 480; i += 2) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                live.remove("v" + i);
            }
            awaitBuilds(h);
            assertThat(op.graphBuilds()).isGreaterThan(buildsBefore);
            assertThat(blobSegmentIds(h)).isEqualTo(manifestSegmentIds(h));
            assertThat(tombstoneSegmentIds(h)).isSubsetOf(manifestSegmentIds(h));
            for (Map.Entry<Long, Long> dead : deadPerSegment(h).entrySet()) {
                int size = segmentSizes(h).get(dead.getKey());
                assertThat((double) dead.getValue() / size)
                        .as("dead share of segment %d", dead.getKey())
                        .isLessThanOrEqualTo(0.3);
            }
            assertExactAnswers(h, live, rnd, 5, 20);
            assertEverythingReturnedOnce(h, live, rnd);
        }
    }

    @Test
    void pqCodesTierKeepsRecallWithLessMemory() throws Exception {
        int dim = 32;
        Random rnd = new Random(7);
        Map<String, float[]> live = new HashMap<>();
        for (int i = 0; i < 2400; i++) {
            live.put("v" + i, unit(TestData.randomVector(rnd, dim)));
        }
        long[] memory = new long[2];
        String[] tiers = {"full", "pq-codes"};
        for (int t = 0; t < 2; t++) {
            VectorStreamConfig cfg =
                    config(
                            dim,
                            "ivf-pq",
                            tiers[t],
                            250,
                            conf -> {
                                conf.set(VectorStreamOptions.IVF_PQ_M, 8);
                                conf.set(VectorStreamOptions.IVF_RERANK, 100);
                            });
            try (var h = harness(cfg, 1, 0)) {
                h.open();
                int n = 0;
                for (Map.Entry<String, float[]> e : live.entrySet()) {
                    h.processElement1(new StreamRecord<>(upsert(e.getKey(), e.getValue(), n++)));
                }
                awaitBuilds(h);
                ShardIndexOperator op = operator(h);
                assertThat(op.sealedSegments()).isGreaterThanOrEqualTo(8);
                memory[t] = op.memoryBytes();
                Random qr = new Random(8);
                int found = 0;
                int wanted = 0;
                for (int q = 0; q < 20; q++) {
                    float[] qv = unit(TestData.randomVector(qr, dim));
                    h.processElement2(new StreamRecord<>(query("q" + q, qv, 10, false)));
                    Set<String> got = new HashSet<>();
                    lastPartial(h).hits.forEach(hit -> got.add(hit.id));
                    for (String id : bruteForce(live, qv, 10)) {
                        wanted++;
                        found += got.contains(id) ? 1 : 0;
                    }
                }
                assertThat((double) found / wanted)
                        .as("recall@10, tier %s", tiers[t])
                        .isGreaterThanOrEqualTo(0.9);
            }
        }
        assertThat(memory[1]).as("pq-codes memory vs full").isLessThan(memory[0]);
    }

    @Test
    void restoreIntoTwoSubtasksAnswersEverything() throws Exception {
        Random rnd = new Random(9);
        Map<String, float[]> live = new HashMap<>();
        OperatorSubtaskState snapshot;
        long sealed;
        try (var h = harness(SMALL_SEGMENTS, 1, 0)) {
            h.open();
            for (int i = 0; i < 300; i++) {
                float[] v = unit(TestData.randomVector(rnd, DIM));
                h.processElement1(new StreamRecord<>(upsert("v" + i, v, i)));
                live.put("v" + i, v);
            }
            for (int i = 0; i < 300; i += 5) {
                h.processElement1(new StreamRecord<>(delete("v" + i)));
                live.remove("v" + i);
            }
            awaitBuilds(h);
            sealed = operator(h).sealedSegments();
            snapshot = h.snapshot(1L, 100L);
        }
        List<float[]> queries = new ArrayList<>();
        for (int q = 0; q < 5; q++) {
            queries.add(unit(TestData.randomVector(rnd, DIM)));
        }
        List<List<ScoredHit>> merged = new ArrayList<>();
        queries.forEach(q -> merged.add(new ArrayList<>()));
        long loaded = 0;
        for (int subtask = 0; subtask < 2; subtask++) {
            OperatorSubtaskState part =
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(
                            snapshot, CFG.maxParallelism(), 1, 2, subtask);
            try (var h = harness(SMALL_SEGMENTS, 2, subtask)) {
                h.initializeState(part);
                h.open();
                for (int q = 0; q < queries.size(); q++) {
                    h.processElement2(
                            new StreamRecord<>(query("q" + q, queries.get(q), 15, false)));
                    PartialResult p = lastPartial(h);
                    assertThat(p.shards).isEqualTo(4);
                    merged.get(q).addAll(p.hits);
                }
                assertThat(operator(h).graphBuilds()).isZero();
                loaded += operator(h).segmentLoads();
            }
        }
        assertThat(loaded).isEqualTo(sealed);
        Comparator<ScoredHit> order = HitOrder.bestFirst(Metric.COSINE);
        for (int q = 0; q < queries.size(); q++) {
            List<ScoredHit> hits = new ArrayList<>(merged.get(q));
            hits.sort(order);
            assertThat(hits.subList(0, 15))
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(bruteForce(live, queries.get(q), 15));
        }
    }

    // Helpers.

    private interface ConfTweak {
        void apply(Configuration conf);
    }

    private static VectorStreamConfig config(
            int dim, String type, String tier, int sealSize, ConfTweak tweak) {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.INDEX_TYPE, type);
        conf.set(VectorStreamOptions.MEMORY_TIER, tier);
        conf.set(VectorStreamOptions.SEAL_SIZE, sealSize);
        tweak.apply(conf);
        return TestData.config(dim, Metric.COSINE, IndexSettings.from(conf));
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(VectorStreamConfig cfg, int parallelism, int subtask) throws Exception {
        return harness(new ShardIndexOperator(cfg), parallelism, subtask);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(ShardIndexOperator operator, int parallelism, int subtask) throws Exception {
        return ShardIndexHarness.of(
                operator, CFG.shards(), CFG.maxParallelism(), parallelism, subtask);
    }

    private static void assertExactAnswers(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            Random rnd,
            int queries,
            int k)
            throws Exception {
        for (int q = 0; q < queries; q++) {
            float[] qv = unit(TestData.randomVector(rnd, live.values().iterator().next().length));
            h.processElement2(new StreamRecord<>(query("exact-" + q, qv, k, false)));
            assertThat(lastPartial(h).hits)
                    .extracting(hit -> hit.id)
                    .containsExactlyElementsOf(bruteForce(live, qv, k));
        }
    }

    /** A query for more than everything returns every live id exactly once, in exact order. */
    private static void assertEverythingReturnedOnce(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            Random rnd)
            throws Exception {
        float[] qv = unit(TestData.randomVector(rnd, DIM));
        int k = live.size() + 10;
        h.processElement2(new StreamRecord<>(query("all", qv, k, false)));
        assertThat(lastPartial(h).hits)
                .extracting(hit -> hit.id)
                .containsExactlyElementsOf(bruteForce(live, qv, k));
    }

    private static List<Integer> shardKeys(KeyedStateBackend<Integer> backend) {
        try (Stream<Integer> keys =
                backend.getKeys(
                        ShardIndexOperator.SHARD_MANIFEST.getName(), VoidNamespace.INSTANCE)) {
            return keys.toList();
        }
    }

    /** The manifest of every shard in state, by shard key. */
    static Map<Integer, SegmentManifest> manifestsByKey(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        KeyedStateBackend<Integer> backend = h.getOperator().getKeyedStateBackend();
        Map<Integer, SegmentManifest> out = new HashMap<>();
        for (Integer key : shardKeys(backend)) {
            backend.setCurrentKey(key);
            ValueState<byte[]> state =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            ShardIndexOperator.SHARD_MANIFEST);
            out.put(key, SegmentManifest.fromBytes(state.value()));
        }
        return out;
    }

    private static List<SegmentManifest> manifests(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        return List.copyOf(manifestsByKey(h).values());
    }

    /** Every (shard key, segment id) named by a manifest. */
    private static Set<String> manifestSegmentIds(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        Set<String> ids = new HashSet<>();
        manifestsByKey(h)
                .forEach((key, m) -> m.segments().forEach(e -> ids.add(key + "/" + e.id())));
        return ids;
    }

    private static Map<Long, Integer> segmentSizes(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        Map<Long, Integer> sizes = new HashMap<>();
        manifestsByKey(h)
                .forEach(
                        (key, m) ->
                                m.segments()
                                        .forEach(
                                                e ->
                                                        sizes.put(
                                                                (long) key << 32 | e.id(),
                                                                e.size())));
        return sizes;
    }

    /** (shard key, segment id) of every blob chunk in state. */
    private static Set<String> blobSegmentIds(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        return chunkOwners(h, true);
    }

    private static Set<String> tombstoneSegmentIds(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        return chunkOwners(h, false);
    }

    private static Set<String> chunkOwners(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            boolean blobs)
            throws Exception {
        KeyedStateBackend<Integer> backend = h.getOperator().getKeyedStateBackend();
        Set<String> ids = new HashSet<>();
        for (Integer key : shardKeys(backend)) {
            backend.setCurrentKey(key);
            MapState<Long, byte[]> state =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            blobs
                                    ? ShardIndexOperator.SEGMENT_BLOBS
                                    : ShardIndexOperator.TOMBSTONES);
            for (Long chunkKey : state.keys()) {
                ids.add(key + "/" + (chunkKey >>> 20));
            }
        }
        return ids;
    }

    /** Dead ordinals per segment ((shard key << 32 | segment id) → count) from tombstone state. */
    private static Map<Long, Long> deadPerSegment(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        KeyedStateBackend<Integer> backend = h.getOperator().getKeyedStateBackend();
        Map<Long, Long> dead = new HashMap<>();
        for (Integer key : shardKeys(backend)) {
            backend.setCurrentKey(key);
            MapState<Long, byte[]> state =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            ShardIndexOperator.TOMBSTONES);
            for (Map.Entry<Long, byte[]> e : state.entries()) {
                long bits = 0;
                for (byte b : e.getValue()) {
                    bits += Integer.bitCount(b & 0xFF);
                }
                dead.merge((long) key << 32 | (e.getKey() >>> 20), bits, Long::sum);
            }
        }
        return dead;
    }

    private static long count(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            org.apache.flink.api.common.state.MapStateDescriptor<String, ?> desc)
            throws Exception {
        KeyedStateBackend<Integer> backend = h.getOperator().getKeyedStateBackend();
        long n = 0;
        for (Integer key : shardKeys(backend)) {
            backend.setCurrentKey(key);
            MapState<String, ?> state =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, desc);
            for (String ignored : state.keys()) {
                n++;
            }
        }
        return n;
    }

    private static PartialResult lastPartial(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h) {
        List<PartialResult> out = ShardIndexHarness.partials(h);
        return out.get(out.size() - 1);
    }

    static VectorWrite upsert(String id, float[] v, int n) {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.vector = v;
        op.metadata = Map.of("n", String.valueOf(n));
        return op;
    }

    static VectorWrite delete(String id) {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = ROUTER.shardOf(id);
        op.shardKey = ROUTER.keyOf(op.shard);
        op.delete = true;
        return op;
    }

    /** A query of the configured collection (cosine, 8 shards). */
    static Query query(String id, float[] v, int k, boolean metadata) {
        Query q = new Query();
        q.queryId = id;
        q.requestKey = id;
        q.collection = "default";
        q.metric = Metric.COSINE;
        q.shardKeys = ROUTER.keys();
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
