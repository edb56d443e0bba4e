package io.vectorstream.operators.shard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardRouterTest {

    @Test
    void murmur3MatchesTheReferenceVectors() {
        assertThat(Murmur3.hash32(new byte[0])).isEqualTo(0);
        assertThat(Murmur3.hash32("hello".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x248bfa47);
        assertThat(
                        Murmur3.hash32(
                                "The quick brown fox jumps over the lazy dog"
                                        .getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(0x2e4ff723);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void everyParallelismThatDividesTheShardsGetsTheSameNumberPerSubtask(int parallelism) {
        ShardRouter router = new ShardRouter(8, 128);
        int[] perSubtask = new int[parallelism];
        for (int s = 0; s < 8; s++) {
            perSubtask[
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            router.keyOf(s), 128, parallelism)]++;
        }
        assertThat(perSubtask).containsOnly(8 / parallelism);
    }

    @Test
    void idsSpreadOverAllShards() {
        ShardRouter router = new ShardRouter(8, 128);
        int[] count = new int[8];
        for (int i = 0; i < 8000; i++) {
            count[router.shardOf("doc-" + i)]++;
        }
        for (int c : count) {
            assertThat(c).isBetween(850, 1150);
        }
    }
}
