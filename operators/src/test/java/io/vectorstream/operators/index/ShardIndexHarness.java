package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.fail;

import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.shard.ShardRouter;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/** Test harnesses of {@link ShardIndexOperator} on RocksDB, shared by its test classes. */
final class ShardIndexHarness {

    private static final long BUILD_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private ShardIndexHarness() {}

    /**
     * A harness of subtask {@code subtask} of {@code parallelism} running {@code operator} on the
     * RocksDB backend (not opened).
     */
    static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> of(
            ShardIndexOperator operator,
            int shards,
            int maxParallelism,
            int parallelism,
            int subtask)
            throws Exception {
        ShardRouter router = new ShardRouter(shards, maxParallelism);
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        operator,
                        (ShardMessage m) -> m.shardKey(),
                        // In the job queries are broadcast, not keyed; the harness needs some key
                        // of this subtask.
                        (Query q) -> router.keyOf(subtask * shards / parallelism),
                        Types.INT,
                        maxParallelism,
                        parallelism,
                        subtask);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    /** Builds that wait for {@code gate} (at most 60 s) before they run: builds held in flight. */
    static SegmentBuildPool.Builder heldBackUntil(CountDownLatch gate) {
        return (build, spec) -> {
            try {
                gate.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return build.run(spec);
        };
    }

    /** Compactions that wait for {@code gate} (at most 60 s) before they run; seals run at once. */
    static SegmentBuildPool.Builder mergesHeldBackUntil(CountDownLatch gate) {
        SegmentBuildPool.Builder held = heldBackUntil(gate);
        return (build, spec) -> build.isSeal() ? build.run(spec) : held.build(build, spec);
    }

    /** What the operator answered, all of it hits (no {@code PartialError}). */
    static List<PartialResult> partials(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h) {
        return h.extractOutputValues().stream().map(r -> (PartialResult) r).toList();
    }

    static ShardIndexOperator operator(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h) {
        return (ShardIndexOperator) h.getOperator();
    }

    /**
     * Advances processing time, so the operator's drain timer fires, until no build is in flight or
     * being installed and the sealed vectors' growing entries are swept.
     */
    static void awaitBuilds(
            KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply> h)
            throws Exception {
        ShardIndexOperator op = operator(h);
        long deadline = System.nanoTime() + BUILD_TIMEOUT_NANOS;
        while (op.buildsInFlight() > 0 || op.sweepsLeft() > 0) {
            if (System.nanoTime() > deadline) {
                fail("segment builds still in flight after 60 s");
            }
            Thread.sleep(2);
            h.setProcessingTime(h.getProcessingTime() + 20);
        }
    }
}
