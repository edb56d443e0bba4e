package io.vectorstream.state.ivf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.ivf.internal.InvertedLists;
import io.vectorstream.state.pq.ProductQuantizer;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ExactSearch;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IvfIndexTest {

    private static final int N = 20_000;
    private static final int DIM = 64;
    private static final int QUERIES = 100;
    private static final int K = 10;
    private static final int NLIST = 141; // ~ sqrt(N)
    private static final int ITERATIONS = 10;

    /** Base vectors, queries and exact top-10 per metric, shared by the recall tests. */
    private static final Map<Metric, float[][]> BASE = new EnumMap<>(Metric.class);

    private static final Map<Metric, float[][]> QUERY = new EnumMap<>(Metric.class);
    private static final Map<Metric, int[][]> TRUTH = new EnumMap<>(Metric.class);

    @BeforeAll
    static void data() {
        for (Metric metric : new Metric[] {Metric.COSINE, Metric.EUCLIDEAN}) {
            float[][] all =
                    SyntheticData.clustered(N + QUERIES, DIM, 1000, 0.5, metric.normalises(), 2011);
            float[][] base = Arrays.copyOf(all, N);
            float[][] queries = Arrays.copyOfRange(all, N, N + QUERIES);
            int[][] truth = new int[QUERIES][];
            for (int q = 0; q < QUERIES; q++) {
                truth[q] = ExactSearch.search(base, queries[q], K, metric, null).nodes();
            }
            BASE.put(metric, base);
            QUERY.put(metric, queries);
            TRUTH.put(metric, truth);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Metric.class,
            names = {"COSINE", "EUCLIDEAN"})
    void ivfFlatRecallAt10IsAtLeast95Percent(Metric metric) {
        IvfIndex index = build(metric, 0);
        double recall = recall(index, metric, 16, 0);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    @ParameterizedTest
    @EnumSource(
            value = Metric.class,
            names = {"COSINE", "EUCLIDEAN"})
    void ivfPqWithRerankRecallAt10IsAtLeast90Percent(Metric metric) {
        IvfIndex index = build(metric, 16);
        double withRerank = recall(index, metric, 16, 100);
        double adcOnly = recall(index, metric, 16, 0);
        assertThat(withRerank).isGreaterThanOrEqualTo(0.90);
        assertThat(withRerank).isGreaterThan(adcOnly);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void adcScoresAreExactScoresOfTheReconstructedVectors(Metric metric) {
        IvfIndex index = tinyIndex(metric, 4, 1000);
        float[][] reconstructions = reconstructions(index);
        for (int q = 0; q < 1000; q += 37) {
            float[] query = index.vector(q);
            ScoredNodes hits = index.search(query, 20, 3, 0, null);
            assertThat(hits.size()).isEqualTo(20);
            for (int i = 0; i < hits.size(); i++) {
                float exact = metric.score(query, reconstructions[hits.nodes()[i]], 0, 8);
                assertThat(hits.scores()[i])
                        .isCloseTo(exact, within(1e-4f * (1 + Math.abs(exact))));
            }
        }
    }

    @Test
    void precomputedAndPerListL2TablesGiveTheSameScores() {
        IvfIndex index = tinyIndex(Metric.EUCLIDEAN, 4, 1000);
        IvfSearcher perList = new IvfSearcher(index, false);
        for (int q = 0; q < 1000; q += 37) {
            float[] query = index.vector(q);
            float[] precomputed = index.search(query, 20, 3, 0, null).scores();
            float[] direct = perList.search(query, 20, 3, 0, null).scores();
            assertThat(direct).hasSameSizeAs(precomputed);
            for (int i = 0; i < direct.length; i++) {
                assertThat(direct[i])
                        .isCloseTo(precomputed[i], within(1e-4f * (1 + Math.abs(direct[i]))));
            }
        }
    }

    @Test
    void deletedNodesAreNeverReturned() {
        IvfIndex index = tinyIndex(Metric.EUCLIDEAN, 4, 300);
        BitSet gone = new BitSet();
        for (int node = 0; node < index.size(); node += 3) {
            index.delete(node);
            gone.set(node);
        }
        index.delete(0); // twice is a no-op
        assertThat(index.liveCount()).isEqualTo(300 - gone.cardinality());
        assertThat(index.isDeleted(3)).isTrue();
        assertThat(index.isDeleted(4)).isFalse();
        for (int q = 0; q < 300; q += 7) {
            for (int rerank : new int[] {0, 50}) {
                ScoredNodes hits = index.search(index.vector(q), 20, 8, rerank, null);
                assertThat(hits.size()).isEqualTo(20);
                for (int node : hits.nodes()) {
                    assertThat(gone.get(node)).as("node %d is deleted", node).isFalse();
                }
            }
        }
    }

    @Test
    void everyNodeDeletedGivesNoResults() {
        IvfIndex index = tinyIndex(Metric.DOT, 0, 50);
        for (int node = 0; node < 50; node++) {
            index.delete(node);
        }
        assertThat(index.search(index.vector(1), 5, 4, 0, null).size()).isZero();
    }

    @Test
    void kLargerThanTheIndexReturnsEveryLiveNodeOnce() {
        IvfIndex index = tinyIndex(Metric.EUCLIDEAN, 4, 60);
        index.delete(10);
        ScoredNodes all =
                index.search(index.vector(0), Integer.MAX_VALUE, 4, Integer.MAX_VALUE, null);
        assertThat(all.nodes()).hasSize(59).doesNotHaveDuplicates().doesNotContain(10);
        assertThat(all.nodes()[0]).isEqualTo(0);
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void filteredResultsAreAllAcceptedAndMatchTheOracle(Metric metric) {
        IvfIndex index = tinyIndex(metric, 4, 2000);
        float[][] base = new float[index.size()][];
        for (int i = 0; i < base.length; i++) {
            base[i] = index.vector(i);
        }
        // A selective filter (scanned exactly) and a broad one (applied while probing).
        for (int every : new int[] {50, 2}) {
            BitSet bits = new BitSet();
            for (int node = 0; node < base.length; node += every) {
                bits.set(node);
            }
            AcceptSet accept = AcceptSet.of(bits);
            for (int q = 1; q < 200; q += 13) {
                ScoredNodes hits = index.search(base[q], K, 4, 40, accept);
                assertThat(hits.size()).isEqualTo(K);
                for (int node : hits.nodes()) {
                    assertThat(bits.get(node)).as("node %d is accepted", node).isTrue();
                }
                if (every == 50) {
                    int[] truth = ExactSearch.search(base, base[q], K, metric, accept).nodes();
                    assertThat(hits.nodes()).containsExactly(truth);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void roundTripGivesIdenticalSearchResults(Metric metric) throws IOException {
        for (int pqM : new int[] {0, 4}) {
            IvfIndex index = tinyIndex(metric, pqM, 500);
            index.delete(17);
            index.delete(400);
            IvfIndex back = IvfIndex.read(new ByteArrayInputStream(bytes(index)));

            assertThat(back.size()).isEqualTo(index.size());
            assertThat(back.liveCount()).isEqualTo(index.liveCount());
            assertThat(back.metric()).isEqualTo(metric);
            assertThat(back.params()).isEqualTo(index.params());
            assertThat(back.isDeleted(17)).isTrue();
            assertThat(back.vector(123)).containsExactly(index.vector(123));
            for (int q = 0; q < 500; q += 11) {
                float[] query = index.vector(q);
                for (int rerank : new int[] {0, 30}) {
                    assertThat(back.search(query, 10, 3, rerank, null))
                            .isEqualTo(index.search(query, 10, 3, rerank, null));
                }
            }
            // Adding after reading goes on from the stored state.
            float[] extra = index.vector(5);
            assertThat(back.add(extra)).isEqualTo(index.add(extra));
            assertThat(bytes(back)).isEqualTo(bytes(index));
        }
    }

    /**
     * The stored snapshot pins format version 1: a change that breaks reading old indices fails
     * here. It holds {@link #tinyIndex} (euclidean, PQ m=4, 40 vectors) with node 3 deleted.
     */
    @Test
    void readsTheStoredVersion1Snapshot() throws IOException {
        byte[] stored = snapshot();
        IvfIndex index = IvfIndex.read(new ByteArrayInputStream(stored));

        float[][] expected = SyntheticData.clustered(40, 8, 4, 0.3, false, 5);
        assertThat(index.size()).isEqualTo(40);
        assertThat(index.liveCount()).isEqualTo(39);
        assertThat(index.dimension()).isEqualTo(8);
        assertThat(index.metric()).isEqualTo(Metric.EUCLIDEAN);
        assertThat(index.params()).isEqualTo(new IvfParams(4, 4, 99, 5));
        assertThat(index.isDeleted(3)).isTrue();
        assertThat(index.vector(7)).containsExactly(expected[7]);
        ScoredNodes hits = index.search(expected[7], 3, 4, 10, null);
        assertThat(hits.nodes()[0]).isEqualTo(7);
        assertThat(hits.scores()[0]).isZero();
        assertThat(bytes(index)).isEqualTo(stored);
    }

    @Test
    void everyTruncationIsRejectedAsCorrupt() throws IOException {
        byte[] good = snapshot();
        for (int cut = 0; cut < good.length; cut++) {
            ByteArrayInputStream in = new ByteArrayInputStream(good, 0, cut);
            assertThatThrownBy(() -> IvfIndex.read(in))
                    .as("cut at %d of %d", cut, good.length)
                    .isInstanceOf(CorruptIndexException.class);
        }
    }

    @Test
    void badMagicUnknownVersionAndFlippedBitsAreRejectedClearly() throws IOException {
        byte[] good = snapshot();
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertThatThrownBy(() -> read(badMagic))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("magic");
        byte[] version = good.clone();
        version[7] = 9;
        assertThatThrownBy(() -> read(version))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("version 9");
        byte[] metric = good.clone();
        metric[8] = 7;
        assertThatThrownBy(() -> read(metric)).hasMessageContaining("metric code 7");
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        assertThatThrownBy(() -> read(flipped)).isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void inconsistentCountsAreRejectedWithoutHugeAllocations() throws IOException {
        byte[] good = snapshot();
        int dim = 8;
        int nlist = 4;
        int sizeAt = 33 + nlist * dim * 4 + 256 * dim * 4;
        int firstListAt = sizeAt + 4 + 40 * dim * 4 + 8;

        byte[] hugeSize = good.clone();
        putInt(hugeSize, sizeAt, Integer.MAX_VALUE / dim - 1);
        assertThatThrownBy(() -> read(hugeSize)).isInstanceOf(CorruptIndexException.class);

        byte[] hugeList = good.clone();
        putInt(hugeList, firstListAt, Integer.MAX_VALUE);
        assertThatThrownBy(() -> read(hugeList))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("list 0 claims");

        byte[] hugeNlist = good.clone();
        putInt(hugeNlist, 13, 1 << 30);
        assertThatThrownBy(() -> read(hugeNlist))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("too large");

        byte[] badPq = good.clone();
        putInt(badPq, 17, 3);
        assertThatThrownBy(() -> read(badPq)).hasMessageContaining("not divisible by pqM 3");
    }

    @Test
    void argumentsAreCheckedWithClearMessages() {
        IvfIndex index = tinyIndex(Metric.EUCLIDEAN, 0, 30);
        assertThatThrownBy(() -> index.add(new float[3])).hasMessageContaining("dimension 3");
        assertThatThrownBy(() -> index.search(new float[8], 0, 1, 0, null))
                .hasMessageContaining("k >= 1");
        assertThatThrownBy(() -> index.delete(30)).hasMessageContaining("out of range");
        float[][] sample = SyntheticData.clustered(300, 10, 3, 0.3, false, 1);
        assertThatThrownBy(
                        () -> IvfIndex.train(sample, Metric.EUCLIDEAN, new IvfParams(4, 4, 1, 2)))
                .hasMessageContaining("dimension 10 is not divisible by pqM=4");
        assertThatThrownBy(() -> new IvfParams(0, 0, 1, 2)).hasMessageContaining("nlist");
    }

    @Test
    void memoryAccountingSeparatesCodesFromVectors() {
        IvfIndex flat = tinyIndex(Metric.EUCLIDEAN, 0, 1000);
        IvfIndex pq = tinyIndex(Metric.EUCLIDEAN, 4, 1000);
        assertThat(pq.memoryBytes()).isGreaterThan(1000L * 8 * Float.BYTES);
        assertThat(pq.codesMemoryBytes()).isLessThan(pq.memoryBytes());
        assertThat(pq.codesMemoryBytes() - flat.codesMemoryBytes())
                .as("codes and codebooks")
                .isGreaterThanOrEqualTo(1000L * 4 + 256L * 8 * Float.BYTES);
    }

    @ParameterizedTest
    @EnumSource(
            value = Metric.class,
            names = {"COSINE", "EUCLIDEAN"})
    void withoutVectorsRerankingThroughALookupGivesTheSameAnswers(Metric metric) {
        IvfIndex full = tinyIndex(metric, 4, 1000);
        full.delete(3);
        IvfIndex codes = full.withoutVectors();
        VectorLookup lookup = node -> full.vector(node);
        BitSet few = new BitSet();
        few.set(10, 40);
        AcceptSet selective = AcceptSet.of(few);

        assertThat(codes.hasVectors()).isFalse();
        assertThat(full.hasVectors()).isTrue();
        assertThat(codes.isDeleted(3)).isTrue();
        assertThat(codes.memoryBytes()).isEqualTo(codes.codesMemoryBytes());
        assertThat(codes.memoryBytes()).isLessThan(full.memoryBytes() - 1000L * 8 * Float.BYTES);
        for (int q = 0; q < 1000; q += 37) {
            float[] query = full.vector(q);
            // Rerank covering every node: the same answer as with vectors in memory.
            assertThat(codes.search(query, 10, 4, 1000, null, lookup))
                    .isEqualTo(full.search(query, 10, 4, 1000, null));
            assertThat(codes.search(query, 10, 2, 1000, selective, lookup))
                    .isEqualTo(full.search(query, 10, 2, 1000, selective));
            // ADC only needs no lookup.
            assertThat(codes.search(query, 10, 2, 0, null))
                    .isEqualTo(full.search(query, 10, 2, 0, null));
        }
        // A node the lookup no longer has is left out.
        float[] query = full.vector(7);
        ScoredNodes hits =
                codes.search(query, 5, 4, 100, null, node -> node == 7 ? null : full.vector(node));
        assertThat(hits.nodes()).hasSize(5).doesNotContain(7);
    }

    @Test
    void withoutVectorsRefusesWhatNeedsThem() {
        IvfIndex full = tinyIndex(Metric.EUCLIDEAN, 4, 100);
        IvfIndex codes = full.withoutVectors();
        float[] v = full.vector(0);
        assertThatThrownBy(() -> codes.vector(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> codes.write(new ByteArrayOutputStream()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> codes.search(v, 5, 2, 10, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("VectorLookup");
        // The two share their lists, so neither takes adds any more.
        assertThatThrownBy(() -> codes.add(v)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> full.add(v)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tinyIndex(Metric.EUCLIDEAN, 0, 50).withoutVectors())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("IVF-Flat");
        // Deletes on one do not reach the other.
        codes.delete(1);
        assertThat(full.isDeleted(1)).isFalse();
    }

    private static IvfIndex build(Metric metric, int pqM) {
        float[][] base = BASE.get(metric);
        // Train on a quarter of the data, as a streaming index would on its first vectors.
        float[][] sample = Arrays.copyOf(base, N / 4);
        IvfIndex index = IvfIndex.train(sample, metric, new IvfParams(NLIST, pqM, 7, ITERATIONS));
        for (float[] v : base) {
            index.add(v);
        }
        return index;
    }

    private static double recall(IvfIndex index, Metric metric, int nprobe, int rerank) {
        float[][] queries = QUERY.get(metric);
        int[][] truth = TRUTH.get(metric);
        double sum = 0;
        for (int q = 0; q < QUERIES; q++) {
            sum +=
                    ExactSearch.recall(
                            truth[q], index.search(queries[q], K, nprobe, rerank, null).nodes());
        }
        return sum / QUERIES;
    }

    /** Every node's PQ reconstruction: its list centroid plus its decoded residual. */
    private static float[][] reconstructions(IvfIndex index) {
        InvertedLists lists = index.lists();
        ProductQuantizer pq = index.pq();
        float[] centroids = index.quantizer().centroids();
        int dim = index.dimension();
        float[][] out = new float[index.size()][];
        for (int l = 0; l < lists.nlist(); l++) {
            for (int i = 0; i < lists.size(l); i++) {
                float[] r = new float[dim];
                pq.decode(lists.codes(l), i * pq.m(), r, 0);
                for (int j = 0; j < dim; j++) {
                    r[j] += centroids[l * dim + j];
                }
                out[lists.nodes(l)[i]] = r;
            }
        }
        return out;
    }

    /** A small deterministic index: {@code n} 8-d vectors in 4 clusters, nlist 4. */
    static IvfIndex tinyIndex(Metric metric, int pqM, int n) {
        float[][] vectors = SyntheticData.clustered(n, 8, 4, 0.3, metric.normalises(), 5);
        IvfIndex index = IvfIndex.train(vectors, metric, new IvfParams(4, pqM, 99, 5));
        for (float[] v : vectors) {
            index.add(v);
        }
        return index;
    }

    private static byte[] snapshot() throws IOException {
        try (InputStream in = IvfIndexTest.class.getResourceAsStream("/formats/ivf-index-v1.bin")) {
            return in.readAllBytes();
        }
    }

    private static byte[] bytes(IvfIndex index) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.write(out);
        return out.toByteArray();
    }

    private static IvfIndex read(byte[] bytes) throws IOException {
        return IvfIndex.read(new ByteArrayInputStream(bytes));
    }

    private static void putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }
}
