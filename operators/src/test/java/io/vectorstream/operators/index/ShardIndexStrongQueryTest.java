package io.vectorstream.operators.index;

import static io.vectorstream.operators.index.ShardIndexHarness.operator;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A strong query is answered by an index instance only after the barriers of all the shards it
 * holds, whichever comes first; an eventual query never waits.
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
    void aStrongQueryThatArrivesFirstWaitsForTheLastBarrierAndSeesTheWritesBeforeIt()
            throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(upsertIn(0, "old", Y)));
            h.processElement2(new StreamRecord<>(strong("q", X, 1_000)));
            for (int shard : HELD.subList(0, 3)) {
                h.processElement1(new StreamRecord<>(barrier(shard, "q", 1_000)));
            }
            assertThat(h.extractOutputValues()).as("three of four barriers").isEmpty();

            // Published before the query: it reaches its shard ahead of that shard's barrier.
            VectorOp fresh = upsertIn(3, "fresh", X);
            h.processElement1(new StreamRecord<>(fresh));
            h.processElement1(new StreamRecord<>(barrier(3, "q", 1_000)));

            List<PartialResult> out = h.extractOutputValues();
            assertThat(out).singleElement().satisfies(p -> assertThat(p.queryId).isEqualTo("q"));
            assertThat(out.get(0).shards).isEqualTo(4);
            assertThat(out.get(0).hits).extracting(hit -> hit.id).containsExactly(fresh.id);
            assertThat(operator(h).strongQueriesPending()).isZero();
        }
    }

    @Test
    void aStrongQueryWhoseBarriersArrivedFirstIsAnsweredAtOnce() throws Exception {
        try (var h = harness()) {
            VectorOp a = upsertIn(2, "a", X);
            h.processElement1(new StreamRecord<>(a));
            for (int shard : HELD) {
                h.processElement1(new StreamRecord<>(barrier(shard, "q", 1_000)));
            }
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(operator(h).strongQueriesPending()).isOne();

            h.processElement2(new StreamRecord<>(strong("q", X, 1_000)));

            assertThat(h.extractOutputValues())
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
    void twoStrongQueriesWithOneIdKeepTheirBarriersApart() throws Exception {
        try (var h = harness()) {
            Query first = strong("same", X, 1_000);
            first.requestKey = "k1";
            Query second = strong("same", X, 1_000);
            second.requestKey = "k2";
            h.processElement2(new StreamRecord<>(first));
            h.processElement2(new StreamRecord<>(second));
            for (int shard : HELD) {
                h.processElement1(
                        new StreamRecord<>(
                                VectorOp.barrier(shard, ROUTER.keyOf(shard), "same", "k1", 1_000)));
            }
            assertThat(h.extractOutputValues())
                    .as("only the first query's barriers all arrived")
                    .singleElement()
                    .satisfies(p -> assertThat(p.requestKey).isEqualTo("k1"));
            assertThat(operator(h).strongQueriesPending()).isOne();
        }
    }

    @Test
    void anEventualQueryIsAnsweredAtOnceWhileAStrongOneWaits() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(upsertIn(1, "a", X)));
            h.processElement2(new StreamRecord<>(strong("strong", X, 1_000)));
            Query eventual = strong("eventual", X, 1_000);
            eventual.strong = false;
            h.processElement2(new StreamRecord<>(eventual));

            assertThat(h.extractOutputValues())
                    .extracting(p -> p.queryId)
                    .containsExactly("eventual");
        }
    }

    @Test
    void aStrongQueryStillWaitingAtItsDeadlineIsForgotten() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(0);
            h.processElement2(new StreamRecord<>(strong("query-first", X, 100)));
            h.processElement1(new StreamRecord<>(barrier(0, "barriers-first", 200)));
            assertThat(operator(h).strongQueriesPending()).isEqualTo(2);

            h.setProcessingTime(100);
            assertThat(operator(h).strongQueriesPending()).isOne();
            h.setProcessingTime(200);
            assertThat(operator(h).strongQueriesPending()).isZero();

            // The merger answered the expired query without this instance; late barriers for it
            // start over and expire again, and never answer it.
            for (int shard : HELD) {
                h.processElement1(new StreamRecord<>(barrier(shard, "query-first", 100)));
            }
            h.setProcessingTime(300);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(operator(h).strongQueriesPending()).isZero();
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, VectorOp, Query, PartialResult>
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
    private static VectorOp upsertIn(int shard, String name, float[] v) {
        for (int i = 0; ; i++) {
            String id = name + "-" + i;
            if (ROUTER.shardOf(id) == shard) {
                return ShardIndexOperatorTest.upsert(id, v.clone(), i);
            }
        }
    }

    private static VectorOp barrier(int shard, String queryId, long deadlineMs) {
        return VectorOp.barrier(shard, ROUTER.keyOf(shard), queryId, queryId, deadlineMs);
    }

    private static Query strong(String id, float[] v, long deadlineMs) {
        Query q = ShardIndexOperatorTest.query(id, v, 1, false);
        q.strong = true;
        q.deadlineMs = deadlineMs;
        return q;
    }
}
