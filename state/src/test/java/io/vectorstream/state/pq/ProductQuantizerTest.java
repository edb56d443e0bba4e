package io.vectorstream.state.pq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.vector.VectorMath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProductQuantizerTest {

    private static final int DIM = 32;
    private static final int M = 8;
    private static final int N = 3000;

    private static float[] data;
    private static ProductQuantizer pq;
    private final float[] scratch = new float[ProductQuantizer.CENTROIDS];

    @BeforeAll
    static void train() {
        float[][] rows = SyntheticData.clustered(N, DIM, 20, 0.4, false, 17);
        data = new float[N * DIM];
        for (int i = 0; i < N; i++) {
            System.arraycopy(rows[i], 0, data, i * DIM, DIM);
        }
        pq = ProductQuantizer.train(data, N, DIM, M, 15, 23);
    }

    @Test
    void dimensionNotDivisibleByMIsRejectedClearly() {
        assertThatThrownBy(() -> ProductQuantizer.train(new float[30 * 10], 10, 30, 8, 5, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 30 is not divisible by m=8");
    }

    @Test
    void adcScoresEqualExactScoresOfTheDecodedVector() {
        byte[] code = new byte[M];
        float[] decoded = new float[DIM];
        float[] ipTable = pq.newTable();
        float[] l2Table = pq.newTable();
        float[] query = new float[DIM];
        for (int q = 0; q < 50; q++) {
            System.arraycopy(data, (N - 1 - q) * DIM, query, 0, DIM);
            pq.innerProductTable(query, 0, ipTable);
            pq.squaredDistanceTable(query, 0, l2Table);
            for (int i = 0; i < 20; i++) {
                pq.encode(data, i * DIM, code, 0, scratch);
                pq.decode(code, 0, decoded, 0);
                assertThat(ProductQuantizer.score(ipTable, code, 0, M))
                        .isCloseTo(VectorMath.dot(query, 0, decoded, 0, DIM), offset(1e-3f));
                assertThat(ProductQuantizer.score(l2Table, code, 0, M))
                        .isCloseTo(
                                VectorMath.squaredDistance(query, 0, decoded, 0, DIM),
                                offset(1e-3f));
            }
        }
    }

    @Test
    void reconstructionIsMuchCloserThanTheDataSpread() {
        byte[] code = new byte[M];
        float[] decoded = new float[DIM];
        double error = 0;
        double spread = 0;
        for (int i = 0; i < N; i++) {
            pq.encode(data, i * DIM, code, 0, scratch);
            pq.decode(code, 0, decoded, 0);
            error += VectorMath.squaredDistance(data, i * DIM, decoded, 0, DIM);
            int other = (i * 7919 + 13) % N;
            spread += VectorMath.squaredDistance(data, i * DIM, data, other * DIM, DIM);
        }
        assertThat(error / spread).isLessThan(0.1);
    }

    @Test
    void encodingPicksTheNearestSubCentroid() {
        // Decoding a code and encoding the result must give the same code back.
        byte[] code = new byte[M];
        byte[] again = new byte[M];
        float[] decoded = new float[DIM];
        for (int i = 0; i < 100; i++) {
            pq.encode(data, i * DIM, code, 0, scratch);
            pq.decode(code, 0, decoded, 0);
            pq.encode(decoded, 0, again, 0, scratch);
            assertThat(again).containsExactly(code);
        }
    }

    @Test
    void sameSeedTrainsTheSameCodebooks() {
        ProductQuantizer a = ProductQuantizer.train(data, 600, DIM, M, 5, 1);
        ProductQuantizer b = ProductQuantizer.train(data, 600, DIM, M, 5, 1);
        assertThat(a).isEqualTo(b);
        assertThat(a.codebooks()).hasSize(ProductQuantizer.CENTROIDS * DIM);
    }
}
