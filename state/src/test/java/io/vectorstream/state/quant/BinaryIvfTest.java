package io.vectorstream.state.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BinaryIvfTest {

    private static final int DIM = 96;
    private static final int N = 4000;

    /**
     * Estimates ranked over every list, then the best 10 × oversampling rescored exactly, find the
     * exact top 10 (brute force by the metric's own score) for every metric.
     */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void rescoredEstimatesFindTheExactTopTen(Metric metric) {
        float[] data = flat(SyntheticData.clustered(N, DIM, 40, 0.5, metric.normalises(), 3));
        if (metric == Metric.DOT) {
            // Varied lengths: a dot product is not a cosine.
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < DIM; j++) {
                    data[i * DIM + j] *= 0.5f + (i % 7) * 0.25f;
                }
            }
        }
        BinaryIvf codes = BinaryIvf.train(data, N, DIM, metric, 16, 5, 9);
        float[][] queries = SyntheticData.clustered(30, DIM, 40, 0.5, metric.normalises(), 3);
        int found = 0;
        for (float[] q : queries) {
            int[] truth = topExact(data, q, metric, N, 10);
            ScoredNodes candidates = codes.search(q, 160, 16, null);
            int[] rescored =
                    IntStream.of(candidates.nodes())
                            .boxed()
                            .sorted(
                                    Comparator.comparingDouble(
                                            i -> -metric.score(q, data, i * DIM, DIM)))
                            .limit(10)
                            .mapToInt(Integer::intValue)
                            .toArray();
            for (int t : truth) {
                found += IntStream.of(rescored).anyMatch(r -> r == t) ? 1 : 0;
            }
        }
        assertThat(found / (10.0 * queries.length))
                .as("recall@10, 16x oversampling")
                .isGreaterThan(0.95);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void aReadIndexAnswersExactlyAsTheWrittenOne(Metric metric) throws Exception {
        float[] data = flat(SyntheticData.clustered(1000, DIM, 10, 0.5, metric.normalises(), 4));
        BinaryIvf codes = BinaryIvf.train(data, 1000, DIM, metric, 12, 5, 9);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codes.write(out);
        BinaryIvf read =
                BinaryIvf.read(new ByteArrayInputStream(out.toByteArray()), DIM, metric, 1000);
        BitSet even = new BitSet();
        for (int i = 0; i < 1000; i += 2) {
            even.set(i);
        }
        for (float[] q : SyntheticData.clustered(5, DIM, 10, 0.5, metric.normalises(), 5)) {
            assertThat(read.search(q, 50, 4, null)).isEqualTo(codes.search(q, 50, 4, null));
            ScoredNodes filtered = read.search(q, 50, 4, AcceptSet.of(even));
            assertThat(filtered).isEqualTo(codes.search(q, 50, 4, AcceptSet.of(even)));
            assertThat(IntStream.of(filtered.nodes()).allMatch(node -> node % 2 == 0)).isTrue();
        }
        assertThat(read.memoryBytes()).isEqualTo(codes.memoryBytes());
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void aSelectiveFilterProbesEveryList(Metric metric) {
        float[] data = flat(SyntheticData.clustered(2000, DIM, 20, 0.5, metric.normalises(), 6));
        BinaryIvf codes = BinaryIvf.train(data, 2000, DIM, metric, 40, 5, 9);
        BitSet few = new BitSet();
        for (int i = 0; i < 2000; i += 100) {
            few.set(i);
        }
        float[] q = SyntheticData.clustered(1, DIM, 20, 0.5, metric.normalises(), 7)[0];
        // 20 matches in 40 lists: one probe would hold about one of them.
        assertThat(codes.search(q, 20, 1, AcceptSet.of(few)).nodes())
                .containsExactlyInAnyOrder(few.stream().toArray());
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void truncatedOrAlteredBytesAreRefused(Metric metric) throws Exception {
        float[] data = flat(SyntheticData.clustered(300, DIM, 5, 0.5, metric.normalises(), 8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryIvf.train(data, 300, DIM, metric, 6, 5, 9).write(out);
        byte[] bytes = out.toByteArray();
        assertThatThrownBy(
                        () ->
                                BinaryIvf.read(
                                        new ByteArrayInputStream(
                                                Arrays.copyOf(bytes, bytes.length - 5)),
                                        DIM,
                                        metric,
                                        300))
                .isInstanceOf(java.io.EOFException.class);
        byte[] badOrdinal = bytes.clone();
        // The first ordinal, after the header (4+4+4+1+8+4+4), centroids and list bounds.
        int at = 29 + 6 * DIM * 4 + 7 * 4;
        badOrdinal[at] = 0x7f;
        assertThatThrownBy(
                        () ->
                                BinaryIvf.read(
                                        new ByteArrayInputStream(badOrdinal), DIM, metric, 300))
                .isInstanceOf(CorruptIndexException.class);
        // A header that is not the segment's is refused before a rotation is drawn for it.
        assertThatThrownBy(
                        () -> BinaryIvf.read(new ByteArrayInputStream(bytes), 2 * DIM, metric, 300))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("where the segment has 300 of " + 2 * DIM);
        byte[] hugeDim = bytes.clone();
        hugeDim[8] = 0x01; // dimension 16,777,312: never drawn
        assertThatThrownBy(
                        () ->
                                BinaryIvf.read(
                                        new ByteArrayInputStream(hugeDim),
                                        (1 << 24) + DIM,
                                        metric,
                                        300))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("dimension");
        // The first vector's factor set to 0: its estimates would be infinite.
        byte[] zeroFactor = bytes.clone();
        int factorAt = bytes.length - 3 * 4 * 300 + 4;
        for (int i = 0; i < 4; i++) {
            zeroFactor[factorAt + i] = 0;
        }
        assertThatThrownBy(
                        () ->
                                BinaryIvf.read(
                                        new ByteArrayInputStream(zeroFactor), DIM, metric, 300))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("correction terms");
    }

    private static int[] topExact(float[] data, float[] q, Metric metric, int n, int k) {
        return IntStream.range(0, n)
                .boxed()
                .sorted(Comparator.comparingDouble(i -> -metric.score(q, data, i * DIM, DIM)))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * DIM];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * DIM, DIM);
        }
        return out;
    }
}
