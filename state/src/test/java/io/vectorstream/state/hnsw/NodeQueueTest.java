package io.vectorstream.state.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NodeQueueTest {

    @Test
    void bestOnTopPopsInDescendingScoreOrder() {
        Random rnd = new Random(1);
        float[] scores = new float[500];
        NodeQueue queue = NodeQueue.bestOnTop(4);
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) rnd.nextGaussian() * 10;
            queue.push(scores[i], i);
        }
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        for (int i = sorted.length - 1; i >= 0; i--) {
            assertThat(queue.topScore()).isEqualTo(sorted[i]);
            long packed = queue.pop();
            assertThat(scores[NodeQueue.unpackNode(packed)]).isEqualTo(sorted[i]);
        }
        assertThat(queue.size()).isZero();
    }

    @Test
    void boundedWorstOnTopKeepsTheBestAndBreaksTiesTowardsLowerNodes() {
        NodeQueue queue = NodeQueue.worstOnTop(2);
        for (int node = 0; node < 100; node++) {
            queue.offer(node % 10 == 0 ? 5f : -node, node, 3);
        }
        // Ten nodes tie at 5; the lowest three are kept, worst (highest node) on top.
        assertThat(NodeQueue.unpackNode(queue.pop())).isEqualTo(20);
        assertThat(NodeQueue.unpackNode(queue.pop())).isEqualTo(10);
        assertThat(NodeQueue.unpackNode(queue.pop())).isEqualTo(0);
    }

    @Test
    void packingPreservesNegativeScoresAndLargeNodes() {
        long packed = NodeQueue.pack(-1.5e-3f, Integer.MAX_VALUE);
        assertThat(NodeQueue.unpackScore(packed)).isEqualTo(-1.5e-3f);
        assertThat(NodeQueue.unpackNode(packed)).isEqualTo(Integer.MAX_VALUE);
        assertThat(NodeQueue.pack(-2f, 0)).isLessThan(NodeQueue.pack(-1f, 0));
    }
}
