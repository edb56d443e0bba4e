package io.vectorstream.state.hnsw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ExactSearch;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recall of the HNSW index against brute force on seeded clustered data, with deletes and filters.
 * Format tests live in {@link HnswFormatTest}.
 */
class HnswIndexTest {

    private static final int N = 20_000;
    private static final int DIM = 64;
    private static final int QUERIES = 200;
    private static final int K = 10;
    private static final int EF = 64;

    private static float[][] base;
    private static float[][] queries;
    private static HnswIndex cosine;

    @BeforeAll
    static void buildCosineIndex() {
        float[][] data = SyntheticData.clustered(N + QUERIES, DIM, 50, 0.5, true, 1);
        base = Arrays.copyOf(data, N);
        queries = Arrays.copyOfRange(data, N, N + QUERIES);
        cosine = build(base, Metric.COSINE);
    }

    private static HnswIndex build(float[][] vectors, Metric metric) {
        HnswIndex index =
                HnswIndex.builder(DIM, metric)
                        .m(16)
                        .efConstruction(200)
                        .seed(42)
                        .expectedSize(vectors.length)
                        .build();
        for (int i = 0; i < vectors.length; i++) {
            assertThat(index.add(vectors[i])).isEqualTo(i);
        }
        return index;
    }

    /** Mean recall@K over the queries; also checks that every hit may be returned. */
    private static double recall(
            HnswIndex index, float[][] vectors, float[][] qs, Metric metric, AcceptSet accept) {
        double sum = 0;
        for (float[] q : qs) {
            ScoredNodes truth = ExactSearch.search(vectors, q, K, metric, live(index, accept));
            ScoredNodes found = index.search(q, K, EF, accept);
            assertReturnable(index, found, accept);
            assertThat(found.size()).isEqualTo(truth.size());
            sum += ExactSearch.recall(truth.nodes(), found.nodes());
        }
        return sum / qs.length;
    }

    private static void assertReturnable(HnswIndex index, ScoredNodes found, AcceptSet accept) {
        for (int node : found.nodes()) {
            assertThat(index.isDeleted(node)).as("deleted node %d returned", node).isFalse();
            if (accept != null) {
                assertThat(accept.accepts(node)).as("unaccepted node %d returned", node).isTrue();
            }
        }
        for (int i = 1; i < found.size(); i++) {
            assertThat(found.scores()[i]).isLessThanOrEqualTo(found.scores()[i - 1]);
        }
    }

    /** The live nodes of {@code index} that {@code accept} accepts, for the brute-force oracle. */
    private static AcceptSet live(HnswIndex index, AcceptSet accept) {
        BitSet bits = new BitSet(index.size());
        for (int node = 0; node < index.size(); node++) {
            if (!index.isDeleted(node) && (accept == null || accept.accepts(node))) {
                bits.set(node);
            }
        }
        return AcceptSet.of(bits);
    }

    private static AcceptSet randomSubset(int n, double selectivity, long seed) {
        Random rnd = new Random(seed);
        BitSet bits = new BitSet(n);
        for (int i = 0; i < n; i++) {
            if (rnd.nextDouble() < selectivity) {
                bits.set(i);
            }
        }
        return AcceptSet.of(bits);
    }

    private static HnswIndex copy(HnswIndex index) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.write(out);
        return HnswIndex.read(new ByteArrayInputStream(out.toByteArray()));
    }

    /**
     * A copy is a graph of its own: vectors added to it extend it (the start of an incremental
     * merge) with the recall of a graph built in one go, and the original does not change.
     */
    @Test
    void aCopyGrowsOnItsOwnWithTheRecallOfAFreshBuild() {
        int half = N / 2;
        HnswIndex original = build(Arrays.copyOf(base, half), Metric.COSINE);
        ScoredNodes before = original.search(queries[0], K, EF);

        HnswIndex extended = original.copy();
        for (int i = half; i < N; i++) {
            assertThat(extended.add(base[i])).isEqualTo(i);
        }

        assertThat(original.size()).isEqualTo(half);
        assertThat(original.search(queries[0], K, EF)).isEqualTo(before);
        assertThat(extended.size()).isEqualTo(N);
        double recall = recall(extended, base, queries, Metric.COSINE, null);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void recallOnClusteredCosineDataAtDefaultSettings() {
        double recall = recall(cosine, base, queries, Metric.COSINE, null);
        System.out.printf("cosine 20k x 64: recall@%d at ef %d = %.4f%n", K, EF, recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void recallOnUnnormalisedEuclideanData() {
        float[][] data = SyntheticData.clustered(N + QUERIES, DIM, 50, 0.5, false, 2);
        float[][] vectors = Arrays.copyOf(data, N);
        float[][] qs = Arrays.copyOfRange(data, N, N + QUERIES);
        HnswIndex euclidean = build(vectors, Metric.EUCLIDEAN);
        double recall = recall(euclidean, vectors, qs, Metric.EUCLIDEAN, null);
        System.out.printf("euclidean 20k x 64: recall@%d at ef %d = %.4f%n", K, EF, recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
        ScoredNodes hit = euclidean.search(vectors[7], 1, EF);
        assertThat(hit.nodes()).containsExactly(7);
        assertThat(Math.abs(hit.scores()[0])).isEqualTo(0f); // internal score: -squared distance
    }

    @Test
    void deletedIdsAreNeverReturned() throws IOException {
        HnswIndex index = copy(cosine);
        Random rnd = new Random(3);
        int deletes = 0;
        for (int node = 0; node < N; node++) {
            if (rnd.nextDouble() < 0.3) {
                index.delete(node);
                deletes++;
            }
        }
        // The entry point and its neighbourhood go too, so searches must pass through tombstones.
        index.delete(index.graph().entryPoint());
        assertThat(index.liveCount()).isBetween(N - deletes - 1, N - deletes);
        double recall = recall(index, base, queries, Metric.COSINE, null);
        System.out.printf("cosine with 30%% deleted: recall@%d = %.4f%n", K, recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void kResultsComeBackWhileEnoughNodesAreLive() {
        float[][] vectors = SyntheticData.clustered(2_000, 16, 10, 0.5, true, 4);
        HnswIndex index = HnswIndex.builder(16, Metric.COSINE).m(8).efConstruction(64).build();
        for (float[] v : vectors) {
            index.add(v);
        }
        for (int node = 0; node < vectors.length; node++) {
            if (node % 250 != 0) {
                index.delete(node);
            }
        }
        assertThat(index.liveCount()).isEqualTo(8);
        for (int q = 0; q < 20; q++) {
            ScoredNodes found = index.search(vectors[q * 97], K, 16);
            assertThat(found.nodes())
                    .containsExactlyInAnyOrder(0, 250, 500, 750, 1000, 1250, 1500, 1750);
        }
        index.delete(0);
        index.delete(0); // deleting twice changes nothing
        assertThat(index.liveCount()).isEqualTo(7);
        assertThat(index.search(vectors[0], 3, 16).size()).isEqualTo(3);
    }

    @ParameterizedTest(name = "selectivity {0}")
    @ValueSource(doubles = {0.5, 0.1, 0.01, 0.001})
    void filteredSearchKeepsRecallAndReturnsOnlyAcceptedNodes(double selectivity) {
        AcceptSet accept = randomSubset(N, selectivity, 17);
        double recall = recall(cosine, base, queries, Metric.COSINE, accept);
        System.out.printf(
                "filtered %.1f%% (%d nodes, %s): recall@%d = %.4f%n",
                selectivity * 100,
                accept.count(),
                cosine.exactScanIsCheaper(accept.count(), EF) ? "exact scan" : "graph",
                K,
                recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.90);
    }

    /** The planner scans small accept sets; this checks the graph walk alone would also hold. */
    @ParameterizedTest(name = "selectivity {0}")
    @ValueSource(doubles = {0.5, 0.1, 0.01, 0.001})
    void filteredGraphWalkAloneKeepsRecall(double selectivity) {
        AcceptSet accept = randomSubset(N, selectivity, 23);
        double sum = 0;
        for (float[] q : queries) {
            ScoredNodes truth = ExactSearch.search(base, q, K, Metric.COSINE, accept);
            ScoredNodes found = cosine.searchGraph(q, K, EF, accept);
            assertReturnable(cosine, found, accept);
            sum += ExactSearch.recall(truth.nodes(), found.nodes());
        }
        double recall = sum / queries.length;
        System.out.printf(
                "graph walk only, %.1f%%: recall@%d = %.4f%n", selectivity * 100, K, recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void smallAcceptSetsAreScannedAndLargeOnesWalked() {
        assertThat(cosine.exactScanIsCheaper(20, EF)).isTrue(); // 0.1%
        assertThat(cosine.exactScanIsCheaper(200, EF)).isTrue(); // 1%
        assertThat(cosine.exactScanIsCheaper(10_000, EF)).isFalse(); // 50%
        assertThat(cosine.exactScanIsCheaper(14_000, EF)).isFalse(); // 30% deleted
    }

    /** The planner's cost model: an unfiltered walk scores at most VISITS_PER_EF nodes per ef. */
    @Test
    void unfilteredWalkScoresNoMoreNodesThanTheCostModelAssumes() {
        HnswGraphSearcher searcher = new HnswGraphSearcher(cosine.graph(), cosine.vectorStore());
        long visited = 0;
        for (float[] q : queries) {
            HnswGraph graph = cosine.graph();
            int entry = searcher.descend(q, graph.entryPoint(), graph.maxLevel(), 0);
            searcher.searchLayer(q, entry, 0, EF, null, null, Integer.MAX_VALUE);
            visited += searcher.visited();
        }
        double perEf = (double) visited / queries.length / EF;
        System.out.printf(
                "unfiltered walk at ef %d: %.1f nodes scored per unit of ef%n", EF, perEf);
        assertThat(perEf).isLessThanOrEqualTo(HnswIndex.VISITS_PER_EF);
    }

    /**
     * Pruning can drop every in-link of a node, leaving it unreachable on layer 0 (a known HNSW
     * effect, also in hnswlib); it must stay rare. Such nodes still come back from exact scans.
     */
    @Test
    void nearlyEveryNodeIsReachableOnLayerZero() {
        HnswGraph graph = cosine.graph();
        NeighborLayer layer = graph.layer(0);
        int[] links = layer.links();
        BitSet reached = new BitSet(N);
        int[] queue = new int[N];
        int head = 0;
        int tail = 0;
        queue[tail++] = graph.entryPoint();
        reached.set(graph.entryPoint());
        while (head < tail) {
            int base = layer.offset(queue[head++]);
            for (int i = base + 1; i <= base + links[base]; i++) {
                if (!reached.get(links[i])) {
                    reached.set(links[i]);
                    queue[tail++] = links[i];
                }
            }
        }
        System.out.printf("layer 0: %d of %d nodes reachable from the entry point%n", tail, N);
        assertThat(tail).isGreaterThanOrEqualTo(N - N / 1000);
    }

    @Test
    void emptyAcceptSetAndEmptyIndexGiveNoResults() {
        assertThat(cosine.search(queries[0], K, EF, AcceptSet.of(new BitSet())).size()).isZero();
        HnswIndex empty = HnswIndex.builder(DIM, Metric.COSINE).build();
        assertThat(empty.search(queries[0], K, EF).size()).isZero();
        assertThat(empty.size()).isZero();
    }

    @Test
    void concurrentSearchesAgreeWithSequentialOnes() throws Exception {
        ScoredNodes[] expected = new ScoredNodes[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            expected[q] = cosine.search(queries[q], K, EF);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> agreed = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                agreed.add(
                        pool.submit(
                                () -> {
                                    for (int q = 0; q < QUERIES; q++) {
                                        if (!cosine.search(queries[q], K, EF).equals(expected[q])) {
                                            return false;
                                        }
                                    }
                                    return true;
                                }));
            }
            for (Future<Boolean> f : agreed) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sameSeedAndInputGiveTheSameGraph() throws IOException {
        float[][] vectors = SyntheticData.clustered(500, 8, 5, 0.5, false, 9);
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (ByteArrayOutputStream out : Arrays.asList(a, b)) {
            HnswIndex index = HnswIndex.builder(8, Metric.EUCLIDEAN).m(6).seed(99).build();
            for (float[] v : vectors) {
                index.add(v);
            }
            index.write(out);
        }
        assertThat(a.toByteArray()).isEqualTo(b.toByteArray());
    }

    @Test
    void levelsFollowTheGeometricDistribution() {
        double ml = 1 / Math.log(16);
        int[] perLevel = new int[HnswGraph.MAX_LEVEL + 1];
        for (int node = 0; node < 100_000; node++) {
            perLevel[HnswGraphBuilder.level(42, node, ml)]++;
        }
        // P(level >= 1) = 1/M, P(level >= 2) = 1/M^2.
        assertThat(100_000 - perLevel[0]).isBetween(5_800, 6_700);
        assertThat(100_000 - perLevel[0] - perLevel[1]).isBetween(300, 500);
    }

    @Test
    void vectorsAreCopiedInAndOut() {
        HnswIndex index = HnswIndex.builder(3, Metric.DOT).build();
        float[] v = {1f, 2f, 3f};
        index.add(v);
        v[0] = 9f;
        float[] back = index.vector(0);
        assertThat(back).containsExactly(1f, 2f, 3f);
        back[1] = 9f;
        assertThat(index.vector(0)).containsExactly(1f, 2f, 3f);
        assertThat(index.memoryBytes()).isPositive();
    }

    @Test
    void badArgumentsAreRejectedWithClearMessages() {
        assertThatThrownBy(() -> HnswIndex.builder(0, Metric.COSINE).build())
                .hasMessageContaining("dimension");
        assertThatThrownBy(() -> HnswIndex.builder(4, Metric.COSINE).m(1).build())
                .hasMessageContaining("m must be between 2");
        assertThatThrownBy(() -> HnswIndex.builder(4, Metric.COSINE).efConstruction(0).build())
                .hasMessageContaining("efConstruction");
        HnswIndex index = HnswIndex.builder(4, Metric.EUCLIDEAN).build();
        assertThatThrownBy(() -> index.add(new float[3])).hasMessageContaining("dimension 3");
        assertThatThrownBy(() -> index.add(new float[] {0, Float.NaN, 0, 0}))
                .hasMessageContaining("NaN");
        index.add(new float[4]);
        assertThatThrownBy(() -> index.search(new float[4], 0, 10)).hasMessageContaining("k");
        assertThatThrownBy(() -> index.search(new float[5], 1, 10))
                .hasMessageContaining("dimension 5");
        assertThatThrownBy(() -> index.delete(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
