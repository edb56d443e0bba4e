package io.vectorstream.state.hnsw;

import java.util.Arrays;

/**
 * Inserts nodes into an {@link HnswGraph} (Algorithm 1 of the paper, with the neighbour-selection
 * heuristic of Algorithm 4; see {@link io.vectorstream.state.hnsw}).
 *
 * <p>Levels come from a SplitMix64 stream keyed by the seed and indexed by node ordinal, so a
 * node's level depends on nothing but (seed, ordinal): a build is reproducible, and an index read
 * from storage continues the same stream without carrying random-generator state. Scratch arrays
 * are reused across inserts. Single-threaded.
 */
final class HnswGraphBuilder {

    private final HnswGraph graph;
    private final VectorStore vectors;
    private final int efConstruction;
    private final long seed;
    private final double levelMultiplier;
    private final HnswGraphSearcher searcher;

    private final float[] query;

    /** The beam's results of the current layer, best first. */
    private final int[] beamNodes;

    private final float[] beamScores;

    /** Output of the selection heuristic. */
    private final int[] selectedNodes;

    private final float[] selectedScores;

    /** A full neighbour list plus the new node, packed for sorting when a list overflows. */
    private final long[] overflow;

    private final int[] overflowNodes;
    private final float[] overflowScores;

    /** What survives an overflow (apart from the selection, which the caller is still reading). */
    private final int[] keptNodes;

    private final float[] keptScores;

    HnswGraphBuilder(HnswGraph graph, VectorStore vectors, int efConstruction, long seed) {
        this.graph = graph;
        this.vectors = vectors;
        this.efConstruction = efConstruction;
        this.seed = seed;
        this.levelMultiplier = 1 / Math.log(graph.m());
        this.searcher = new HnswGraphSearcher(graph, vectors);
        this.query = new float[vectors.dimension()];
        int maxConn0 = graph.maxConn(0);
        this.beamNodes = new int[efConstruction];
        this.beamScores = new float[efConstruction];
        this.selectedNodes = new int[maxConn0 + 1];
        this.selectedScores = new float[maxConn0 + 1];
        this.overflow = new long[maxConn0 + 1];
        this.overflowNodes = new int[maxConn0 + 1];
        this.overflowScores = new float[maxConn0 + 1];
        this.keptNodes = new int[maxConn0 + 1];
        this.keptScores = new float[maxConn0 + 1];
    }

    /**
     * The level of {@code node}: floor(-ln(U) * mL) with mL = 1/ln(M) and U uniform in (0, 1] drawn
     * from the {@code node}-th SplitMix64 output for {@code seed} (the generator behind {@link
     * java.util.SplittableRandom}), capped at {@link HnswGraph#MAX_LEVEL}.
     */
    static int level(long seed, int node, double levelMultiplier) {
        long z = seed + (node + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = ((z >>> 11) + 1) * 0x1.0p-53;
        return (int) Math.min(HnswGraph.MAX_LEVEL, -Math.log(u) * levelMultiplier);
    }

    /** Links {@code node}, whose vector is already stored, into the graph. */
    void insert(int node) {
        int level = level(seed, node, levelMultiplier);
        vectors.copyInto(node, query);
        graph.add(node, level);
        int entry = graph.entryPoint();
        if (entry < 0) {
            graph.setEntryPoint(node, level);
            return;
        }
        int top = graph.maxLevel();
        // 1. Greedy descent through the layers above the node's own level.
        int nearest = searcher.descend(query, entry, top, level);
        // 2. On each of the node's layers: beam search, select neighbours, link both ways.
        for (int lc = Math.min(level, top); lc >= 0; lc--) {
            searcher.searchLayer(query, nearest, lc, efConstruction, null, null, Integer.MAX_VALUE);
            int found = drainBestFirst(searcher.results());
            nearest = beamNodes[0];
            int selected =
                    selectDiverse(
                            beamNodes, beamScores, found, graph.m(), selectedNodes, selectedScores);
            NeighborLayer layer = graph.layer(lc);
            layer.setNeighbours(node, selectedNodes, selected);
            for (int i = 0; i < selected; i++) {
                linkBack(layer, selectedNodes[i], node, selectedScores[i]);
            }
        }
        // 3. Only a fully linked node may become the entry point.
        if (level > top) {
            graph.setEntryPoint(node, level);
        }
    }

    private int drainBestFirst(NodeQueue results) {
        int n = results.size();
        for (int i = n - 1; i >= 0; i--) {
            long packed = results.pop();
            beamNodes[i] = NodeQueue.unpackNode(packed);
            beamScores[i] = NodeQueue.unpackScore(packed);
        }
        return n;
    }

    /**
     * Adds {@code node} to {@code target}'s list; a full list is re-selected with the heuristic
     * from its old members plus {@code node}, as hnswlib does.
     */
    private void linkBack(NeighborLayer layer, int target, int node, float score) {
        int[] links = layer.links();
        int base = layer.offset(target);
        int count = links[base];
        if (count < layer.maxConn()) {
            links[base + 1 + count] = node;
            links[base] = count + 1;
            return;
        }
        overflow[0] = NodeQueue.pack(score, node);
        for (int i = 0; i < count; i++) {
            int neighbour = links[base + 1 + i];
            overflow[i + 1] = NodeQueue.pack(vectors.score(target, neighbour), neighbour);
        }
        int n = count + 1;
        Arrays.sort(overflow, 0, n);
        for (int i = 0; i < n; i++) {
            long packed = overflow[n - 1 - i];
            overflowNodes[i] = NodeQueue.unpackNode(packed);
            overflowScores[i] = NodeQueue.unpackScore(packed);
        }
        int kept =
                selectDiverse(
                        overflowNodes, overflowScores, n, layer.maxConn(), keptNodes, keptScores);
        links[base] = kept;
        System.arraycopy(keptNodes, 0, links, base + 1, kept);
    }

    /**
     * The neighbour-selection heuristic (Algorithm 4, without extending or keeping pruned
     * candidates): walking the candidates best first, keep one only if it is closer to the base
     * node than to every neighbour kept so far. This favours neighbours in different directions,
     * which keeps clusters connected to each other.
     *
     * @param nodes candidates, best first
     * @param scores their scores against the base node
     * @return how many were written to {@code outNodes}/{@code outScores}
     */
    private int selectDiverse(
            int[] nodes, float[] scores, int count, int max, int[] outNodes, float[] outScores) {
        if (count <= max) { // nothing to prune: keep every candidate
            System.arraycopy(nodes, 0, outNodes, 0, count);
            System.arraycopy(scores, 0, outScores, 0, count);
            return count;
        }
        int selected = 0;
        for (int i = 0; i < count && selected < max; i++) {
            int candidate = nodes[i];
            float score = scores[i];
            boolean diverse = true;
            for (int j = 0; j < selected; j++) {
                if (vectors.score(candidate, outNodes[j]) > score) {
                    diverse = false;
                    break;
                }
            }
            if (diverse) {
                outNodes[selected] = candidate;
                outScores[selected] = score;
                selected++;
            }
        }
        return selected;
    }
}
