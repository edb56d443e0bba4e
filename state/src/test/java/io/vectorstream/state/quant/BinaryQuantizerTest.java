package io.vectorstream.state.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BinaryQuantizerTest {

    private static final int DIM = 128;
    private static final int N = 3000;

    @Test
    void estimatesTrackExactInnerProductsAndRescoringRecoversTheTopTen() {
        Random random = new Random(7);
        float[] data = clustered(random, N);
        BinaryQuantizer quantizer = BinaryQuantizer.train(data, N, DIM, 11);
        BinaryQuantizer.Codes codes = quantizer.encode(data, N);
        assertThat(quantizer.bytesPerVector()).isEqualTo(2 * 8 + 12);

        double error = 0;
        double spread = 0;
        int found = 0;
        int queries = 40;
        for (int q = 0; q < queries; q++) {
            float[] query = Arrays.copyOfRange(clustered(random, 1), 0, DIM);
            BinaryQuantizer.Estimator estimator = quantizer.estimator(query);
            float[] exact = new float[N];
            float[] estimate = new float[N];
            for (int i = 0; i < N; i++) {
                exact[i] = dot(data, i, query);
                estimate[i] = estimator.estimate(codes, i);
                error += Math.abs(estimate[i] - exact[i]);
                spread += Math.abs(exact[i]);
            }
            int[] truth = top(exact, 10);
            // The best 32 x 10 by estimate (of 3,000), rescored exactly.
            int[] candidates = top(estimate, 320);
            int[] rescored =
                    IntStream.of(candidates)
                            .boxed()
                            .sorted(Comparator.comparingDouble(i -> -exact[i]))
                            .limit(10)
                            .mapToInt(Integer::intValue)
                            .toArray();
            for (int t : truth) {
                found += IntStream.of(rescored).anyMatch(r -> r == t) ? 1 : 0;
            }
        }
        // RaBitQ bounds the error by about ‖x − c‖·‖q‖/√dim, a quarter of these products here.
        assertThat(error / spread).as("mean relative error of the estimates").isLessThan(0.35);
        assertThat(found / (10.0 * queries))
                .as("recall@10 after rescoring 32x")
                .isGreaterThan(0.95);
    }

    @Test
    void aVectorAtTheCentreEstimatesTheCentresProduct() {
        float[] data = new float[2 * DIM];
        Arrays.fill(data, 0, DIM, 1f);
        Arrays.fill(data, DIM, 2 * DIM, 3f);
        BinaryQuantizer quantizer = BinaryQuantizer.train(data, 2, DIM, 3);
        float[] centre = new float[DIM];
        Arrays.fill(centre, 2f);
        BinaryQuantizer.Codes codes = quantizer.encode(centre, 1);
        float[] query = new float[DIM];
        query[0] = 1;
        assertThat(quantizer.estimator(query).estimate(codes, 0)).isEqualTo(2f);
    }

    private static float[] clustered(Random random, int n) {
        float[][] centres = new float[8][DIM];
        Random c = new Random(99);
        for (float[] centre : centres) {
            for (int j = 0; j < DIM; j++) {
                centre[j] = (float) c.nextGaussian() * 2;
            }
        }
        float[] out = new float[n * DIM];
        for (int i = 0; i < n; i++) {
            float[] centre = centres[random.nextInt(centres.length)];
            for (int j = 0; j < DIM; j++) {
                out[i * DIM + j] = centre[j] + (float) random.nextGaussian();
            }
        }
        return out;
    }

    private static float dot(float[] data, int i, float[] q) {
        double s = 0;
        for (int j = 0; j < DIM; j++) {
            s += (double) data[i * DIM + j] * q[j];
        }
        return (float) s;
    }

    private static int[] top(float[] scores, int k) {
        return IntStream.range(0, scores.length)
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -scores[i]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
