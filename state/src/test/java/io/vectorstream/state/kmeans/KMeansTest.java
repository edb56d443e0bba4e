package io.vectorstream.state.kmeans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.vector.VectorMath;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeansTest {

    private static final int DIM = 8;

    @Test
    void findsWellSeparatedClusters() {
        Random rnd = new Random(3);
        int clusters = 10;
        float[] centres = new float[clusters * DIM];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (rnd.nextGaussian() * 10);
        }
        int n = 2000;
        float[] data = new float[n * DIM];
        for (int i = 0; i < n; i++) {
            int c = i % clusters;
            for (int j = 0; j < DIM; j++) {
                data[i * DIM + j] = centres[c * DIM + j] + (float) (rnd.nextGaussian() * 0.1);
            }
        }

        float[] centroids = new KMeans(clusters, 25, false, 11).train(data, n, DIM);

        for (int c = 0; c < clusters; c++) {
            int nearest = KMeans.nearest(centroids, clusters, DIM, centres, c * DIM);
            float d = VectorMath.squaredDistance(centres, c * DIM, centroids, nearest * DIM, DIM);
            assertThat(d).as("true centre %d has a centroid nearby", c).isLessThan(0.05f);
        }
    }

    @Test
    void moreLloydIterationsLowerTheObjective() {
        int n = 4000;
        float[] data = randomData(n, 8);
        double seedsOnly = objective(data, n, new KMeans(32, 0, false, 3).train(data, n, DIM), 32);
        double oneStep = objective(data, n, new KMeans(32, 1, false, 3).train(data, n, DIM), 32);
        double converged = objective(data, n, new KMeans(32, 50, false, 3).train(data, n, DIM), 32);
        assertThat(oneStep).isLessThan(seedsOnly);
        assertThat(converged).isLessThan(oneStep * 0.98);
    }

    @Test
    void sameSeedGivesSameCentroids() {
        float[] data = randomData(500, 1);
        float[] a = new KMeans(16, 10, false, 5).train(data, 500, DIM);
        float[] b = new KMeans(16, 10, false, 5).train(data, 500, DIM);
        float[] c = new KMeans(16, 10, false, 6).train(data, 500, DIM);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void everyCentroidKeepsPointsWhenTheDataAllowsIt() {
        // Half the points are one repeated vector: seeding lands several centroids on it, and the
        // duplicates must be repaired by splitting rather than left empty.
        int n = 1000;
        float[] data = randomData(n, 2);
        for (int i = 0; i < n / 2; i++) {
            System.arraycopy(data, 0, data, i * DIM, DIM);
        }
        int k = 64;
        float[] centroids = new KMeans(k, 20, false, 9).train(data, n, DIM);

        int[] counts = new int[k];
        for (int i = 0; i < n; i++) {
            counts[KMeans.nearest(centroids, k, DIM, data, i * DIM)]++;
        }
        int empty = 0;
        for (int count : counts) {
            empty += count == 0 ? 1 : 0;
        }
        // Centroids may still coincide on the repeated vector, but no more than a handful.
        assertThat(empty).isLessThanOrEqualTo(4);
    }

    @Test
    void sphericalCentroidsHaveUnitLength() {
        float[] data = randomData(400, 4);
        for (int i = 0; i < 400; i++) {
            double norm = 0;
            for (int j = 0; j < DIM; j++) {
                norm += data[i * DIM + j] * data[i * DIM + j];
            }
            for (int j = 0; j < DIM; j++) {
                data[i * DIM + j] /= (float) Math.sqrt(norm);
            }
        }
        float[] centroids = new KMeans(8, 10, true, 1).train(data, 400, DIM);
        for (int c = 0; c < 8; c++) {
            float norm = VectorMath.dot(centroids, c * DIM, centroids, c * DIM, DIM);
            assertThat(norm).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    @Test
    void fewerPointsThanCentroidsReusesThePoints() {
        float[] data = randomData(3, 7);
        float[] centroids = new KMeans(5, 10, false, 1).train(data, 3, DIM);
        for (int c = 0; c < 5; c++) {
            for (int j = 0; j < DIM; j++) {
                assertThat(centroids[c * DIM + j]).isEqualTo(data[(c % 3) * DIM + j]);
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new KMeans(0, 10, false, 1)).hasMessageContaining("k must be");
        assertThatThrownBy(() -> new KMeans(4, 10, false, 1).train(new float[10], 2, DIM))
                .hasMessageContaining("need 16 components");
    }

    private static double objective(float[] data, int n, float[] centroids, int k) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            int c = KMeans.nearest(centroids, k, DIM, data, i * DIM);
            sum += VectorMath.squaredDistance(data, i * DIM, centroids, c * DIM, DIM);
        }
        return sum;
    }

    private static float[] randomData(int n, long seed) {
        Random rnd = new Random(seed);
        float[] data = new float[n * DIM];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextGaussian();
        }
        return data;
    }
}
