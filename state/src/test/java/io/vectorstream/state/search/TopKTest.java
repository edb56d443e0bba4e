package io.vectorstream.state.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void keepsTheHighestScoresBestFirstIncludingNegatives() {
        Random rnd = new Random(7);
        float[] scores = new float[1000];
        TopK top = new TopK(10);
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) rnd.nextGaussian() * 100;
            top.offer(scores[i], i);
        }
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        long[] best = top.drainBestFirst();
        assertThat(best).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(TopK.unpackScore(best[i])).isEqualTo(sorted[sorted.length - 1 - i]);
            assertThat(scores[TopK.unpackNode(best[i])]).isEqualTo(TopK.unpackScore(best[i]));
        }
    }

    @Test
    void equalScoresKeepTheLowerNode() {
        TopK top = new TopK(2);
        top.offer(1f, 5);
        top.offer(1f, 3);
        top.offer(1f, 9);
        top.offer(1f, 1);
        long[] best = top.drainBestFirst();
        assertThat(TopK.unpackNode(best[0])).isEqualTo(1);
        assertThat(TopK.unpackNode(best[1])).isEqualTo(3);
    }

    @Test
    void thresholdIsTheWorstKeptOnceFull() {
        TopK top = new TopK(2);
        assertThat(top.threshold()).isEqualTo(Float.NEGATIVE_INFINITY);
        top.offer(-3f, 0);
        top.offer(2f, 1);
        assertThat(top.threshold()).isEqualTo(-3f);
        assertThat(top.offer(-4f, 2)).isFalse();
        assertThat(top.offer(0f, 3)).isTrue();
        assertThat(top.threshold()).isEqualTo(0f);
    }
}
