/**
 * Hierarchical Navigable Small World graphs: approximate nearest-neighbour search over node
 * ordinals.
 *
 * <p>Reference: Yu. A. Malkov and D. A. Yashunin, "Efficient and robust approximate nearest
 * neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4), 2020 (<a
 * href="https://arxiv.org/abs/1603.09320">arXiv:1603.09320</a>). The algorithm numbers below are
 * the paper's.
 *
 * <h2>The algorithm</h2>
 *
 * <p>Every node gets a level {@code floor(-ln(U) * mL)} with U uniform in (0, 1] and {@code mL =
 * 1/ln(M)}, so a fraction 1/M of the nodes reaches layer 1, 1/M² layer 2, and so on. Layer l is a
 * proximity graph over the nodes of level at least l: a thin express network on top of the dense
 * layer 0 that holds every node. A node keeps at most M neighbours on the upper layers and 2M on
 * layer 0 (the paper's recommended Mmax0). U comes from a SplitMix64 stream keyed by the seed and
 * indexed by ordinal ({@link io.vectorstream.state.hnsw.HnswGraphBuilder#level}), so a build is
 * reproducible and an index read back from storage draws the same levels a never-stored one would.
 *
 * <p>Insert (Algorithm 1, {@link io.vectorstream.state.hnsw.HnswGraphBuilder}):
 *
 * <ol>
 *   <li>from the entry point, descend greedily through the layers above the new node's level,
 *       moving to a closer neighbour while there is one;
 *   <li>on each of the node's own layers, beam-search with width efConstruction (Algorithm 2),
 *       choose up to M neighbours among the results with the selection heuristic (Algorithm 4) and
 *       link both ways; a neighbour whose list overflows re-selects its list with the same
 *       heuristic from its old members plus the new node, and the next layer's search starts from
 *       the closest node found (both as in hnswlib);
 *   <li>if the node's level is above the top, it becomes the entry point.
 * </ol>
 *
 * <p>The heuristic walks the candidates best first and keeps one only if it is closer to the new
 * node than to every neighbour already kept. Picking neighbours in different directions rather than
 * the M nearest keeps clusters linked to each other, which is what lets a greedy walk cross from
 * one cluster to another. Neither option of Algorithm 4 is used: extending the candidates with
 * their neighbours rarely pays on real data, and keeping pruned connections only matters for very
 * low M.
 *
 * <p>Search ({@link io.vectorstream.state.hnsw.HnswGraphSearcher}): greedy descent to layer 1, then
 * a beam search of layer 0 with width {@code max(ef, k)}. The beam keeps a best-first frontier of
 * candidates and the ef best results so far, and stops when the best unexpanded candidate is worse
 * than the worst result.
 *
 * <h2>Deletes and filters</h2>
 *
 * <p>A delete sets a tombstone bit. Tombstoned and unaccepted nodes are walked like any other, so
 * the graph stays as connected as it was built, but they never enter the results. While the results
 * hold fewer than ef nodes every reached node stays a candidate, so the walk widens by itself in
 * proportion to 1/selectivity until it has ef acceptable results (hnswlib's approach); no separate
 * ef scaling is needed. What grows is the cost, so {@link
 * io.vectorstream.state.hnsw.HnswIndex#search(float[], int, int,
 * io.vectorstream.state.search.AcceptSet)} compares the predicted walk with an exact scan of the
 * accepted nodes, walks with a visit limit equal to the scan's cost, and scans when that is
 * cheaper, the walk gives up, or it found fewer than k results while more may exist.
 *
 * <h2>Memory layout</h2>
 *
 * <p>No per-node objects:
 *
 * <ul>
 *   <li>vectors: one {@code float[]}, node n at offset {@code n * dim} ({@link
 *       io.vectorstream.state.hnsw.VectorStore});
 *   <li>neighbours: one {@code int[]} per layer with a fixed block of {@code maxConn + 1} ints per
 *       node on it: the count, then the ids ({@link io.vectorstream.state.hnsw.NeighborLayer}).
 *       Layer 0 indexes blocks by node; an upper layer keeps a sorted slot-to-node array and finds
 *       a node's block by binary search (those layers hold 1/M of the nodes or fewer and are only
 *       walked greedily);
 *   <li>levels: one {@code byte[]}; tombstones: one {@link java.util.BitSet};
 *   <li>search scratch, per searching thread: an {@code int[]} of visit stamps (one per node, so
 *       starting a search is an increment rather than clearing a bit set) and two primitive heaps
 *       of (score, node) pairs packed into {@code long}s ({@link
 *       io.vectorstream.state.hnsw.NodeQueue}).
 * </ul>
 *
 * <p>At M = 16 and 64 dimensions that is about 256 bytes of vector, 132 of layer-0 neighbours and 5
 * of upper layers, levels and tombstones per node.
 *
 * <p>The binary format is described in {@link io.vectorstream.state.hnsw.HnswFormat}.
 */
package io.vectorstream.state.hnsw;
