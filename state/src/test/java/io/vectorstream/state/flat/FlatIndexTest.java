package io.vectorstream.state.flat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FlatIndexTest {

    private static final int DIM = 24;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void searchEqualsSortedOracleAfterUpsertsAndDeletes(Metric metric) {
        Random rnd = new Random(42);
        FlatIndex index = new FlatIndex(DIM, metric);
        Map<String, float[]> live = new LinkedHashMap<>();
        for (int i = 0; i < 2000; i++) {
            String id = "id-" + rnd.nextInt(1500);
            if (rnd.nextInt(5) == 0) {
                assertThat(index.delete(id)).isEqualTo(live.remove(id) != null);
            } else {
                float[] v = randomVector(rnd, metric);
                index.upsert(id, v);
                live.put(id, v);
            }
        }
        assertThat(index.size()).isEqualTo(live.size());

        for (int q = 0; q < 50; q++) {
            float[] query = randomVector(rnd, metric);
            SearchHits hits = index.search(query, 10);
            List<String> expected = oracle(live, query, metric, 10);
            assertThat(hits.ids()).containsExactlyElementsOf(expected);
            for (int i = 0; i < hits.size(); i++) {
                assertThat(hits.scores()[i])
                        .isCloseTo(
                                externalScore(metric, query, live.get(hits.ids()[i])),
                                org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }

    @Test
    void deletedIdsAreNeverReturned() {
        FlatIndex index = new FlatIndex(2, Metric.EUCLIDEAN);
        index.upsert("a", new float[] {0, 0});
        index.upsert("b", new float[] {1, 0});
        index.upsert("c", new float[] {2, 0});
        assertThat(index.delete("a")).isTrue();
        assertThat(index.delete("a")).isFalse();
        assertThat(index.search(new float[] {0, 0}, 5).ids()).containsExactly("b", "c");
    }

    @Test
    void upsertReplacesInsteadOfDuplicating() {
        FlatIndex index = new FlatIndex(2, Metric.DOT);
        index.upsert("a", new float[] {1, 0});
        index.upsert("a", new float[] {0, 1});
        assertThat(index.size()).isEqualTo(1);
        SearchHits hits = index.search(new float[] {0, 1}, 3);
        assertThat(hits.ids()).containsExactly("a");
        assertThat(hits.scores()).containsExactly(1f);
    }

    @Test
    void euclideanScoreIsTheDistance() {
        FlatIndex index = new FlatIndex(2, Metric.EUCLIDEAN);
        index.upsert("p", new float[] {3, 4});
        assertThat(index.search(new float[] {0, 0}, 1).scores()[0]).isEqualTo(5f);
    }

    @Test
    void wrongDimensionIsRejected() {
        FlatIndex index = new FlatIndex(3, Metric.DOT);
        assertThatThrownBy(() -> index.upsert("x", new float[2]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 2");
    }

    private static float[] randomVector(Random rnd, Metric metric) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        if (metric.normalises()) {
            VectorMath.normalize(v);
        }
        return v;
    }

    /**
     * Independent oracle: doubles, a full sort, ties by id order of insertion irrelevant at random
     * data.
     */
    private static List<String> oracle(Map<String, float[]> live, float[] q, Metric metric, int k) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(live.entrySet());
        Comparator<Map.Entry<String, float[]>> closer =
                Comparator.comparingDouble(e -> -closeness(metric, q, e.getValue()));
        all.sort(closer);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, all.size()); i++) {
            out.add(all.get(i).getKey());
        }
        return out;
    }

    private static double closeness(Metric metric, float[] q, float[] v) {
        double dot = 0;
        double l2 = 0;
        for (int i = 0; i < q.length; i++) {
            dot += (double) q[i] * v[i];
            l2 += ((double) q[i] - v[i]) * ((double) q[i] - v[i]);
        }
        return metric == Metric.EUCLIDEAN ? -l2 : dot;
    }

    private static float externalScore(Metric metric, float[] q, float[] v) {
        double c = closeness(metric, q, v);
        return (float) (metric == Metric.EUCLIDEAN ? Math.sqrt(-c) : c);
    }
}
