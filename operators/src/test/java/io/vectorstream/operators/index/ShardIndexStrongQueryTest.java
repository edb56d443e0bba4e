package io.vectorstream.operators.index;

import static io.vectorstream.operators.index.ShardIndexHarness.operator;
import static io.vectorstream.operators.index.ShardIndexHarness.partials;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A strong query is answered by an index instance only once the decoders' progress markers cover,
 * on every shard it holds, where the vectors topic ended when the query was read; an eventual query
 * never waits.
 */
class ShardIndexStrongQueryTest {

    private static final int DIM = 4;
    private static final VectorStreamConfig CFG = TestData.config(DIM, Metric.COSINE);
    private static final ShardRouter ROUTER = new ShardRouter(CFG.shards(), CFG.maxParallelism());

    /** Subtask 0 of 2 holds shards 0..3 of 8. */
    private static final int PARALLELISM = 2;

    private static final List<Integer> HELD = List.of(0, 1, 2, 3);

    private static final float[] X = {1, 0, 0, 0};
    private static final float[] Y = {0, 1, 0, 0};

    @Test
    void aStrongQueryWaitsForMarkersOnEveryShardAndSeesTheWritesBeforeThem() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(upsertIn(0, "old", Y)));
            // The topic ends at offset 7 of partition 0 and 3 of partition 1.
            h.processElement2(new StreamRecord<>(strong("q", X, 1_000, 0, 7, 1, 3)));
            for (int shard : HELD.subList(0, 3)) {
                h.processElement1(new StreamRecord<>(marker(shard, 0, 7, 1, 3)));
            }
            h.processElement1(new StreamRecord<>(marker(3, 0, 7, 1, 2)));
            assertThat(h.extractOutputValues()).as("shard 3 is behind on partition 1").isEmpty();

            // Read before the marker that vouches for it: it reaches its shard ahead of it.
            VectorWrite fresh = upsertIn(3, "fresh", X);
            h.processElement1(new StreamRecord<>(fresh));
            h.processElement1(new StreamRecord<>(marker(3, 1, 3)));

            List<PartialResult> out = partials(h);
            assertThat(out).singleElement().satisfies(p -> assertThat(p.queryId).isEqualTo("q"));
            assertThat(out.get(0).shards).isEqualTo(4);
            assertThat(out.get(0).hits).extracting(hit -> hit.id).containsExactly(fresh.id);
            assertThat(operator(h).strongQueriesPending()).isZero();
        }
    }

    @Test
    void markersFromSeveralDecodersAddUpAndAQueryAlreadyCoveredIsAnsweredAtOnce() throws Exception {
        try (var h = harness()) {
            VectorWrite a = upsertIn(2, "a", X);
            h.processElement1(new StreamRecord<>(a));
            for (int shard : HELD) {
                // One decoder reads partition 0, another partition 1; an older marker of the
                // first arrives late and takes nothing back.
                h.processElement1(new StreamRecord<>(marker(shard, 0, 9)));
                h.processElement1(new StreamRecord<>(marker(shard, 1, 4)));
                h.processElement1(new StreamRecord<>(marker(shard, 0, 2)));
            }
            assertThat(h.extractOutputValues()).isEmpty();

            h.processElement2(new StreamRecord<>(strong("q", X, 1_000, 0, 9, 1, 4)));

            assertThat(partials(h))
                    .singleElement()
                    .satisfies(
                            p ->
                                    assertThat(p.hits)
                                            .extracting(hit -> hit.id)
                                            .containsExactly(a.id));
            assertThat(operator(h).strongQueriesPending()).isZero();
        }
    }

    @Test
    void aStrongQueryOnAnEmptyTopicWaitsForNothing() throws Exception {
        try (var h = harness()) {
            h.processElement2(new StreamRecord<>(strong("q", X, 1_000)));
            assertThat(partials(h)).singleElement();
        }
    }

    @Test
    void anEventualQueryIsAnsweredAtOnceWhileAStrongOneWaits() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(upsertIn(1, "a", X)));
            h.processElement2(new StreamRecord<>(strong("strong", X, 1_000, 0, 1)));
            Query eventual = strong("eventual", X, 1_000);
            eventual.strong = false;
            h.processElement2(new StreamRecord<>(eventual));

            assertThat(partials(h)).extracting(p -> p.queryId).containsExactly("eventual");
        }
    }

    @Test
    void aStrongQueryStillWaitingAtItsDeadlineIsForgotten() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(0);
            h.processElement2(new StreamRecord<>(strong("late", X, 100, 0, 5)));
            assertThat(operator(h).strongQueriesPending()).isOne();

            h.setProcessingTime(100);
            assertThat(operator(h).strongQueriesPending()).isZero();

            // The merger answered it without this instance; markers that come later never do.
            for (int shard : HELD) {
                h.processElement1(new StreamRecord<>(marker(shard, 0, 5)));
            }
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void strongQueriesOverTheLimitAreRefusedWithAnError() throws Exception {
        int max = CFG.limits().maxStrongQueriesHeld();
        try (var h = harness()) {
            for (int i = 0; i <= max; i++) {
                h.processElement2(new StreamRecord<>(strong("q" + i, X, 1_000, 0, 5)));
            }
            List<IndexReply> out = h.extractOutputValues();
            assertThat(out)
                    .singleElement()
                    .isInstanceOfSatisfying(
                            PartialError.class,
                            e -> {
                                assertThat(e.queryId).isEqualTo("q" + max);
                                assertThat(e.code).isEqualTo("TOO_MANY_STRONG_QUERIES");
                            });
            assertThat(operator(h).strongQueriesPending()).isEqualTo(max);
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness() throws Exception {
        var h =
                ShardIndexHarness.of(
                        new ShardIndexOperator(CFG),
                        CFG.shards(),
                        CFG.maxParallelism(),
                        PARALLELISM,
                        0);
        h.open();
        return h;
    }

    /** An upsert of the first id {@code name-<i>} that falls into {@code shard}. */
    private static VectorWrite upsertIn(int shard, String name, float[] v) {
        for (int i = 0; ; i++) {
            String id = name + "-" + i;
            if (ROUTER.shardOf(id) == shard) {
                return ShardIndexOperatorTest.upsert(id, v.clone(), i);
            }
        }
    }

    /** A marker for {@code shard}: partition, offset, partition, offset, ... */
    private static ProgressMarker marker(int shard, long... partitionOffsets) {
        int n = partitionOffsets.length / 2;
        int[] partitions = new int[n];
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            partitions[i] = (int) partitionOffsets[2 * i];
            offsets[i] = partitionOffsets[2 * i + 1];
        }
        return new ProgressMarker(ROUTER.keyOf(shard), partitions, offsets);
    }

    /** A strong query; the topic's end as partition, last offset, partition, last offset, ... */
    private static Query strong(String id, float[] v, long deadlineMs, long... ends) {
        Query q = ShardIndexOperatorTest.query(id, v, 1, false);
        q.requestKey = id;
        q.strong = true;
        q.deadlineMs = deadlineMs;
        ProgressMarker m = marker(0, ends);
        q.endPartitions = m.partitions;
        q.endOffsets = m.offsets;
        return q;
    }
}
