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
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Installing a finished segment in bounded steps ({@link LoadedShard#step}): how much one step of
 * the task thread does, and what a checkpoint taken between steps restores.
 *
 * <p>One shard of IVF-Flat segments searched with every list probed, so answers are exact; a seal
 * of 10,000 64-d vectors has a blob of 3 chunks and 10 sweeps of growing entries.
 */
class ShardIndexInstallTest {

    private static final int DIM = 64;
    private static final int SEAL = 10_000;
    private static final int NLIST = 8;
    private static final VectorStreamConfig CFG = config();
    private static final ShardRouter ROUTER = new ShardRouter(CFG.shards(), CFG.maxParallelism());
    private static final int KEY = ROUTER.keyOf(0);

    @Test
    void eachStepWritesAtMostOneChunkOrTheSwapAndABoundedSweep() throws Exception {
        Random rnd = new Random(1);
        Map<String, float[]> live = new LinkedHashMap<>();
        try (var h = harness(new ShardIndexOperator(CFG))) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < SEAL; i++) {
                upsert(h, live, "v" + i, rnd);
            }
            assertThat(op.buildsInFlight()).isEqualTo(1);

            // Every query is one step (records and timers are steps too). Watch the state grow.
            int chunkSteps = 0;
            int sweepSteps = 0;
            int swapStep = -1;
            int steps = 0;
            long chunksBefore = 0;
            long growingBefore = count(h, ShardIndexOperator.GROWING);
            while (op.buildsInFlight() > 0 || op.sweepsLeft() > 0) {
                if (op.buildsInFlight() > 0 && !installing(h)) {
                    Thread.sleep(5); // still building: the step would only look for it
                }
                assertEverythingOnce(h, live, rnd);
                steps++;
                long chunks = count(h, ShardIndexOperator.SEGMENT_BLOBS);
                long growing = count(h, ShardIndexOperator.GROWING);
                boolean swapped = !manifest(h).segments().isEmpty();
                assertThat(chunks - chunksBefore)
                        .as("chunks written in step %d", steps)
                        .isBetween(0L, (long) LoadedShard.CHUNKS_PER_STEP);
                assertThat(growingBefore - growing)
                        .as("growing entries deleted in step %d", steps)
                        .isBetween(0L, (long) LoadedShard.SWEEPS_PER_STEP);
                if (swapped && swapStep < 0) {
                    swapStep = steps;
                    assertThat(chunks)
                            .as("the swap comes in a step of its own")
                            .isEqualTo(chunksBefore);
                    assertThat(growing).as("the swap deletes no growing entry").isEqualTo(SEAL);
                }
                chunkSteps += chunks > chunksBefore ? 1 : 0;
                sweepSteps += growing < growingBefore ? 1 : 0;
                chunksBefore = chunks;
                growingBefore = growing;
            }
            assertThat(chunkSteps).isEqualTo(3);
            assertThat(manifest(h).segments())
                    .singleElement()
                    .satisfies(
                            e -> {
                                assertThat(e.size()).isEqualTo(SEAL);
                                assertThat(e.blobChunks()).isEqualTo(3);
                            });
            assertThat(swapStep).isPositive();
            assertThat(sweepSteps)
                    .isEqualTo(
                            (SEAL + LoadedShard.SWEEPS_PER_STEP - 1) / LoadedShard.SWEEPS_PER_STEP);
            assertThat(count(h, ShardIndexOperator.GROWING)).isZero();
            assertThat(op.sealedSegments()).isEqualTo(1);
            assertEverythingOnce(h, live, rnd);
        }
    }

    /**
     * Snapshots taken while the blob is written, just after the swap (with sealed vectors deleted
     * and written again while their stale growing entries are still in state), in the middle of the
     * sweep, and after it: each restores every live vector exactly once with its latest value,
     * deleted ones stay deleted, and the restored shard cleans up what the install left.
     */
    @Test
    void aSnapshotInTheMiddleOfAnInstallRestoresEveryVectorExactlyOnce() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        SegmentBuildPool.Builder heldBack = ShardIndexHarness.heldBackUntil(gate);
        Random rnd = new Random(2);
        Map<String, float[]> live = new LinkedHashMap<>();
        List<Snapshot> snapshots = new ArrayList<>();
        try (var h = harness(new ShardIndexOperator(CFG, heldBack))) {
            h.open();
            ShardIndexOperator op = operator(h);
            for (int i = 0; i < SEAL; i++) {
                upsert(h, live, "v" + i, rnd);
            }
            // Writes that race the seal: deletes and rewrites of copies it holds, and new ids.
            for (int i = 0; i < 300; i += 3) {
                delete(h, live, "v" + i);
                upsert(h, live, "v" + (i + 1), rnd);
                upsert(h, live, "new" + i, rnd);
            }
            gate.countDown();
            stepUntil(h, () -> count(h, ShardIndexOperator.SEGMENT_BLOBS) == 1);
            assertThat(manifest(h).segments()).isEmpty();
            snapshots.add(new Snapshot("blob partly written", h.snapshot(1L, 1L), live));

            stepUntil(h, () -> !manifest(h).segments().isEmpty());
            assertThat(op.sweepsLeft()).isPositive();
            assertThat(count(h, ShardIndexOperator.GROWING)).isGreaterThan(SEAL - 300);
            // Each record is a step, and the sweep goes oldest first: the last sealed ids keep
            // their stale entries for a few records.
            for (int i = SEAL - 10; i < SEAL - 4; i += 2) {
                delete(h, live, "v" + i);
                upsert(h, live, "v" + (i + 1), rnd);
            }
            snapshots.add(new Snapshot("swapped, not swept", h.snapshot(2L, 2L), live));

            step(h);
            step(h);
            assertThat(op.sweepsLeft()).isPositive();
            snapshots.add(new Snapshot("half swept", h.snapshot(3L, 3L), live));

            awaitBuilds(h);
            assertThat(op.sealedSegments()).isEqualTo(1);
            assertThat(count(h, ShardIndexOperator.GROWING)).isEqualTo(growingIn(h, live));
            snapshots.add(new Snapshot("swept", h.snapshot(4L, 4L), live));
        }

        for (Snapshot s : snapshots) {
            try (var restored = harness(new ShardIndexOperator(CFG))) {
                restored.initializeState(s.state);
                restored.open();
                ShardIndexOperator op = operator(restored);
                if (manifest(restored).segments().isEmpty()) {
                    // The chunk written before the snapshot, named by no manifest.
                    assertThat(blobSegmentIds(restored)).as(s.name).containsExactly(0L);
                }
                assertThat(op.liveVectors()).as(s.name).isEqualTo(s.live.size());
                assertEverythingOnce(restored, s.live, rnd);
                for (String id : List.of("v1", "v4", "new3", "v" + (SEAL - 9), "v" + (SEAL / 2))) {
                    restored.processElement2(new StreamRecord<>(query(s.live.get(id), 1)));
                    assertThat(lastHits(restored)).as(s.name + ": " + id).containsExactly(id);
                }
                // What the install left is cleaned up: unnamed chunks at load, stale growing
                // entries by the sweep; nothing is built again but the interrupted seal.
                assertThat(blobSegmentIds(restored))
                        .as(s.name)
                        .isEqualTo(
                                manifest(restored).segments().stream().map(e -> e.id()).toList());
                awaitBuilds(restored);
                assertThat(count(restored, ShardIndexOperator.GROWING))
                        .as(s.name)
                        .isEqualTo(growingIn(restored, s.live));
                assertThat(blobSegmentIds(restored))
                        .as(s.name)
                        .isEqualTo(
                                manifest(restored).segments().stream().map(e -> e.id()).toList());
                assertEverythingOnce(restored, s.live, rnd);
            }
        }
    }

    /**
     * A shard seals while a compaction runs (the two lanes), and a snapshot taken while the
     * compaction's blob is half written, after a later seal was installed under a larger segment
     * id, restores every vector once and leaves no chunk the manifest does not name.
     */
    @Test
    void aSealInstallsWhileACompactionRunsAndAHalfWrittenMergeRestoresCleanly() throws Exception {
        CountDownLatch merges = new CountDownLatch(1);
        SegmentBuildPool.Builder mergesHeldBack = ShardIndexHarness.mergesHeldBackUntil(merges);
        Random rnd = new Random(3);
        Map<String, float[]> live = new LinkedHashMap<>();
        Snapshot halfMerged;
        try (var h = harness(new ShardIndexOperator(CFG, mergesHeldBack))) {
            h.open();
            ShardIndexOperator op = operator(h);
            // Four seals fill the first tier, which starts a compaction (held back).
            for (int seal = 0; seal < 4; seal++) {
                for (int i = 0; i < SEAL; i++) {
                    upsert(h, live, "v" + (seal * SEAL + i), rnd);
                }
                int sealed = seal + 1;
                stepUntil(h, () -> op.sealedSegments() == sealed && op.sweepsLeft() == 0);
            }
            stepUntil(h, () -> op.buildsInFlight() == 1);
            // A fifth seal starts, builds and installs beside it.
            for (int i = 0; i < SEAL; i++) {
                upsert(h, live, "w" + i, rnd);
            }
            stepUntil(h, () -> op.sealedSegments() == 5);
            assertThat(op.buildsInFlight()).as("the compaction, still held back").isEqualTo(1);
            assertThat(manifest(h).segments())
                    .extracting(SegmentManifest.Entry::id)
                    .containsExactly(0L, 1L, 2L, 3L, 5L);
            assertEverythingOnce(h, live, rnd);

            merges.countDown();
            stepUntil(h, () -> blobSegmentIds(h).contains(4L));
            assertThat(manifest(h).segments())
                    .extracting(SegmentManifest.Entry::id)
                    .doesNotContain(4L);
            halfMerged = new Snapshot("merge half written", h.snapshot(1L, 1L), live);

            stepUntil(h, () -> op.buildsInFlight() == 0 && op.sweepsLeft() == 0);
            assertThat(manifest(h).segments())
                    .extracting(SegmentManifest.Entry::id)
                    .containsExactly(5L, 4L);
            assertEverythingOnce(h, live, rnd);
        }

        try (var restored = harness(new ShardIndexOperator(CFG))) {
            restored.initializeState(halfMerged.state);
            restored.open();
            ShardIndexOperator op = operator(restored);
            assertThat(op.liveVectors()).isEqualTo(halfMerged.live.size());
            assertEverythingOnce(restored, halfMerged.live, rnd);
            // The merge's chunks were not the latest segment id's: found by the writing marker.
            assertThat(blobSegmentIds(restored)).containsExactly(0L, 1L, 2L, 3L, 5L);
            awaitBuilds(restored);
            assertThat(blobSegmentIds(restored))
                    .isEqualTo(
                            manifest(restored).segments().stream()
                                    .map(SegmentManifest.Entry::id)
                                    .sorted()
                                    .toList());
            assertEverythingOnce(restored, halfMerged.live, rnd);
        }
    }

    private record Snapshot(String name, OperatorSubtaskState state, Map<String, float[]> live) {
        Snapshot {
            live = new HashMap<>(live);
        }
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Runs steps (empty queries to another shard) until {@code done}, waiting for the build. */
    private static void stepUntil(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Condition done)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.holds()) {
            if (System.nanoTime() > deadline) {
                fail("condition not reached after 60 s");
            }
            if (!installing(h)) {
                Thread.sleep(5);
            }
            step(h);
        }
    }

    /** One step of the task thread: a query that searches nothing. */
    private static void step(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        Query q = query(new float[DIM], 1);
        q.shardKeys = new int[0];
        h.processElement2(new StreamRecord<>(q));
    }

    private static boolean installing(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h) {
        return operator(h).installsInProgress() > 0;
    }

    private static void upsert(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            String id,
            Random rnd)
            throws Exception {
        float[] v = TestData.randomVector(rnd, DIM);
        VectorMath.normalize(v);
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = 0;
        op.shardKey = KEY;
        op.vector = v;
        op.metadata = Map.of();
        h.processElement1(new StreamRecord<>(op));
        live.remove(id);
        live.put(id, v);
    }

    private static void delete(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            String id)
            throws Exception {
        VectorWrite op = new VectorWrite();
        op.id = id;
        op.shard = 0;
        op.shardKey = KEY;
        op.delete = true;
        h.processElement1(new StreamRecord<>(op));
        live.remove(id);
    }

    private static Query query(float[] v, int k) {
        Query q = new Query();
        q.queryId = "q";
        q.requestKey = "q";
        q.collection = "default";
        q.metric = Metric.COSINE;
        q.shardKeys = new int[] {KEY};
        q.vector = v;
        q.k = k;
        q.nprobe = NLIST; // every list: exact
        return q;
    }

    /**
     * A query for more than everything returns every live id once. (The order is exact too, but
     * among 10,000 vectors some scores tie within float rounding; the values are checked by
     * querying single vectors.)
     */
    private static void assertEverythingOnce(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live,
            Random rnd)
            throws Exception {
        float[] q = TestData.randomVector(rnd, DIM);
        VectorMath.normalize(q);
        h.processElement2(new StreamRecord<>(query(q, live.size() + 10)));
        List<String> hits = lastHits(h);
        assertThat(new HashSet<>(hits)).isEqualTo(live.keySet());
        assertThat(hits).hasSize(live.size());
    }

    private static List<String> lastHits(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h) {
        List<PartialResult> out = ShardIndexHarness.partials(h);
        return out.get(out.size() - 1).hits.stream().map(hit -> hit.id).toList();
    }

    private static SegmentManifest manifest(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        return ShardIndexOperatorTest.manifestsByKey(h).get(KEY);
    }

    /** Live vectors that are not in a sealed segment: those the growing map must hold. */
    private static long growingIn(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            Map<String, float[]> live)
            throws Exception {
        long sealed = 0;
        for (SegmentManifest.Entry e : manifest(h).segments()) {
            sealed += e.size();
        }
        return live.size() - (sealed - deadInState(h));
    }

    private static long deadInState(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        long dead = 0;
        for (byte[] bits : map(h, ShardIndexOperator.TOMBSTONES).values()) {
            for (byte b : bits) {
                dead += Integer.bitCount(b & 0xFF);
            }
        }
        return dead;
    }

    /** Segment ids of the blob chunks in state, one per chunk, in key order. */
    private static List<Long> blobSegmentIds(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        return map(h, ShardIndexOperator.SEGMENT_BLOBS).keySet().stream()
                .map(k -> k >>> 20)
                .distinct()
                .sorted()
                .toList();
    }

    private static <K> long count(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            MapStateDescriptor<K, ?> desc)
            throws Exception {
        return map(h, desc).size();
    }

    private static <K, V> Map<K, V> map(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h,
            MapStateDescriptor<K, V> desc)
            throws Exception {
        KeyedStateBackend<Integer> backend = h.getOperator().getKeyedStateBackend();
        Object key = backend.getCurrentKey();
        backend.setCurrentKey(KEY);
        try {
            MapState<K, V> state =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, desc);
            Map<K, V> out = new HashMap<>();
            for (Map.Entry<K, V> e : state.entries()) {
                out.put(e.getKey(), e.getValue());
            }
            return out;
        } finally {
            if (key != null) {
                backend.setCurrentKey((Integer) key);
            }
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness(ShardIndexOperator operator) throws Exception {
        return ShardIndexHarness.of(operator, CFG.shards(), CFG.maxParallelism(), 1, 0);
    }

    private static VectorStreamConfig config() {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.INDEX_TYPE, "ivf-flat");
        conf.set(VectorStreamOptions.IVF_NLIST, NLIST);
        conf.set(VectorStreamOptions.SEAL_SIZE, SEAL);
        return TestData.config(DIM, Metric.COSINE, IndexSettings.from(conf));
    }
}
