package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A collection whose dimension comes from its first vector: each shard keeps the one it got first,
 * and refuses writes and queries of another, whatever the validators let through.
 */
class ShardIndexDimensionTest {

    private static final VectorStreamConfig AUTO = TestData.config(0, Metric.DOT);
    private static final ShardRouter ROUTER = new ShardRouter(AUTO.shards(), AUTO.maxParallelism());

    @Test
    void aShardRefusesWritesAndQueriesOfAnotherDimensionThanItsFirstVector() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(write("a", 1, 2, 3)));
            VectorWrite other = write("b", 1, 2);
            other.sourceTopic = "vectors";
            other.sourcePartition = 1;
            other.sourceOffset = 77;
            h.processElement1(new StreamRecord<>(other));

            List<DeadLetter> dead =
                    h.getSideOutput(ShardIndexOperator.DEAD_LETTERS).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(dead)
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getCode()).isEqualTo("WRONG_DIMENSION");
                                assertThat(d.getReason()).contains("dimension 2", "dimension 3");
                                assertThat(d.getTopic()).isEqualTo("vectors");
                                assertThat(d.getPartition()).isEqualTo(1);
                                assertThat(d.getOffset()).isEqualTo(77);
                            });

            h.processElement2(new StreamRecord<>(query("two", 1, 2)));
            h.processElement2(new StreamRecord<>(query("three", 1, 0, 0)));
            List<IndexReply> out = h.extractOutputValues();
            assertThat(out.get(0))
                    .isInstanceOfSatisfying(
                            PartialError.class,
                            e -> {
                                assertThat(e.code).isEqualTo("WRONG_DIMENSION");
                                assertThat(e.message).contains("dimension 2", "3-d");
                            });
            assertThat(out.get(1))
                    .isInstanceOfSatisfying(
                            PartialResult.class,
                            p -> assertThat(p.hits).extracting(hit -> hit.id).containsExactly("a"));
        }
    }

    /** A write whose embedding failed is dead-lettered by its shard and changes nothing. */
    @Test
    void aWriteWhoseEmbeddingFailedIsDeadLetteredAndNotIndexed() throws Exception {
        try (var h = harness()) {
            h.processElement1(new StreamRecord<>(write("a", 1, 2, 3)));
            VectorWrite failed =
                    write("b", 1, 2, 3).failed("the embedder failed on the text: boom");
            h.processElement1(new StreamRecord<>(failed));
            assertThat(
                            h.getSideOutput(ShardIndexOperator.DEAD_LETTERS).stream()
                                    .map(StreamRecord::getValue)
                                    .toList())
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getCode()).isEqualTo("EMBEDDING_FAILED");
                                assertThat(d.getReason()).contains("boom");
                            });
            h.processElement2(new StreamRecord<>(query("all", 1, 0, 0)));
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .isInstanceOfSatisfying(
                            PartialResult.class,
                            p -> assertThat(p.hits).extracting(hit -> hit.id).containsExactly("a"));
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<Integer, ShardMessage, Query, IndexReply>
            harness() throws Exception {
        var h =
                ShardIndexHarness.of(
                        new ShardIndexOperator(AUTO), AUTO.shards(), AUTO.maxParallelism(), 1, 0);
        h.open();
        return h;
    }

    /** A write of {@code id}, into shard 0 whatever its id, so both writes meet one shard. */
    private static VectorWrite write(String id, float... v) {
        VectorWrite w = ShardIndexOperatorTest.upsert(id, v, 0);
        w.shard = 0;
        w.shardKey = ROUTER.keyOf(0);
        return w;
    }

    private static Query query(String id, float... v) {
        return ShardIndexOperatorTest.query(id, v, 1, false);
    }
}
