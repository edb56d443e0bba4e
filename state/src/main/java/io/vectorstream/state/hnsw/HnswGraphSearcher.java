package io.vectorstream.state.hnsw;

import io.vectorstream.state.search.AcceptSet;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Searches an {@link HnswGraph}: greedy descent through the upper layers and the ef-bounded beam
 * search of one layer (Algorithm 2 of the paper, see {@link io.vectorstream.state.hnsw}).
 *
 * <p>All scratch is reused across calls: a best-on-top candidate queue, a worst-on-top result queue
 * and an {@code int[]} of visit stamps (a node is visited in this search when its stamp equals the
 * current one, so starting a search costs one increment instead of clearing a bit set). One
 * searcher serves one thread at a time.
 */
final class HnswGraphSearcher {

    private final HnswGraph graph;
    private final VectorStore vectors;
    private final NodeQueue candidates = NodeQueue.bestOnTop(256);
    private final NodeQueue results = NodeQueue.worstOnTop(256);
    private int[] stamps = new int[0];
    private int stamp;
    private int visited;

    HnswGraphSearcher(HnswGraph graph, VectorStore vectors) {
        this.graph = graph;
        this.vectors = vectors;
    }

    /**
     * Greedy descent (the ef = 1 search of the paper): from {@code entry} on layer {@code
     * fromLevel}, moves to a closer neighbour while there is one, then drops a layer; stops after
     * layer {@code toLevel + 1} and returns the node reached.
     */
    int descend(float[] query, int entry, int fromLevel, int toLevel) {
        int current = entry;
        float currentScore = vectors.score(query, current);
        for (int level = fromLevel; level > toLevel; level--) {
            NeighborLayer layer = graph.layer(level);
            int[] links = layer.links();
            boolean moved = true;
            while (moved) {
                moved = false;
                int base = layer.offset(current);
                int end = base + 1 + links[base];
                for (int i = base + 1; i < end; i++) {
                    int neighbour = links[i];
                    float score = vectors.score(query, neighbour);
                    if (score > currentScore) {
                        currentScore = score;
                        current = neighbour;
                        moved = true;
                    }
                }
            }
        }
        return current;
    }

    /**
     * Beam search of one layer from {@code entry}, leaving the (up to) {@code ef} best result nodes
     * in {@link #results()}.
     *
     * <p>Deleted and unaccepted nodes are traversed like any other (so the graph stays connected
     * for the search) but never enter the results; while fewer than {@code ef} results are held,
     * every reached node stays a candidate, which widens the search exactly as much as the filter
     * is selective. This is hnswlib's treatment of deletions and filters.
     *
     * @param deleted tombstones, or null
     * @param accept nodes that may be results, or null for all
     * @param visitLimit give up after scoring this many nodes
     * @return false if the search gave up at {@code visitLimit}
     */
    boolean searchLayer(
            float[] query,
            int entry,
            int level,
            int ef,
            BitSet deleted,
            AcceptSet accept,
            int visitLimit) {
        NeighborLayer layer = graph.layer(level);
        int[] links = layer.links();
        startSearch();
        candidates.clear();
        results.clear();
        float entryScore = vectors.score(query, entry);
        stamps[entry] = stamp;
        visited = 1;
        candidates.push(entryScore, entry);
        if (isResult(entry, deleted, accept)) {
            results.push(entryScore, entry);
        }
        while (candidates.size() > 0) {
            if (results.size() >= ef && candidates.topScore() < results.topScore()) {
                break; // the best unexpanded candidate cannot improve the results
            }
            int current = NodeQueue.unpackNode(candidates.pop());
            int base = layer.offset(current);
            int end = base + 1 + links[base];
            for (int i = base + 1; i < end; i++) {
                int neighbour = links[i];
                if (stamps[neighbour] == stamp) {
                    continue;
                }
                stamps[neighbour] = stamp;
                if (++visited > visitLimit) {
                    return false;
                }
                float score = vectors.score(query, neighbour);
                if (results.size() < ef || score > results.topScore()) {
                    candidates.push(score, neighbour);
                    if (isResult(neighbour, deleted, accept)) {
                        results.offer(score, neighbour, ef);
                    }
                }
            }
        }
        return true;
    }

    /** The results of the last {@link #searchLayer}, worst on top. */
    NodeQueue results() {
        return results;
    }

    /** Nodes scored by the last {@link #searchLayer}. */
    int visited() {
        return visited;
    }

    private static boolean isResult(int node, BitSet deleted, AcceptSet accept) {
        return (deleted == null || !deleted.get(node)) && (accept == null || accept.accepts(node));
    }

    private void startSearch() {
        if (stamps.length < graph.size()) {
            stamps =
                    Arrays.copyOf(
                            stamps, Math.max(graph.size(), stamps.length + (stamps.length >> 1)));
        }
        if (++stamp == 0) { // wrapped after 2^32 searches: old stamps could collide
            Arrays.fill(stamps, 0);
            stamp = 1;
        }
    }
}
