package io.vectorstream.state.hnsw;

import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.BitSet;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An HNSW approximate nearest-neighbour index over node ordinals 0, 1, 2, ... (see {@link
 * io.vectorstream.state.hnsw} for the algorithm and memory layout).
 *
 * <p>Deletes are tombstones: a deleted node keeps its place in the graph, so searches still pass
 * through it, but it is never returned. Searches may filter their results with an {@link
 * AcceptSet}; see {@link #search(float[], int, int, AcceptSet)} for how a search chooses between
 * the graph and an exact scan.
 *
 * <p>Thread-safety: {@link #add} and {@link #delete} need one writer and no concurrent searches;
 * once writes have stopped (and their effects are published, e.g. by handing the index to another
 * thread through a concurrent queue), any number of threads may search at once: each borrows its
 * own scratch.
 */
public final class HnswIndex {

    /**
     * Nodes an unfiltered layer-0 search scores per unit of beam width: measured 7 at ef 64 and 5
     * at ef 100 on 20k clustered 64-d vectors with M=16, rounded up because a graph visit (random
     * access, heap work) costs more than a step of a sequential scan. Predicts the cost of a
     * filtered graph walk.
     */
    static final int VISITS_PER_EF = 8;

    private final int dimension;
    private final Metric metric;
    private final int m;
    private final int efConstruction;
    private final long seed;
    private final VectorStore vectors;
    private final HnswGraph graph;
    private final BitSet deleted;
    private int liveCount;
    private HnswGraphBuilder builder;
    private final ConcurrentLinkedQueue<HnswGraphSearcher> idleSearchers =
            new ConcurrentLinkedQueue<>();

    HnswIndex(
            int dimension,
            Metric metric,
            int m,
            int efConstruction,
            long seed,
            VectorStore vectors,
            HnswGraph graph,
            BitSet deleted) {
        this.dimension = dimension;
        this.metric = metric;
        this.m = m;
        this.efConstruction = efConstruction;
        this.seed = seed;
        this.vectors = vectors;
        this.graph = graph;
        this.deleted = deleted;
        this.liveCount = graph.size() - deleted.cardinality();
    }

    /** Starts an index of {@code dimension}-component vectors compared by {@code metric}. */
    public static Builder builder(int dimension, Metric metric) {
        return new Builder(dimension, metric);
    }

    /**
     * Adds a copy of {@code vector}, which must be prepared for the metric (unit length for
     * cosine), and links it into the graph.
     *
     * @return the new node's ordinal: 0 for the first vector, then 1, 2, ...
     */
    public int add(float[] vector) {
        Objects.requireNonNull(vector, "vector");
        if (vector.length != dimension) {
            throw new IllegalArgumentException(
                    "vector has dimension " + vector.length + ", index has " + dimension);
        }
        if (!VectorMath.allFinite(vector)) {
            throw new IllegalArgumentException("vector has NaN or infinite components");
        }
        assert !metric.normalises() || Math.abs(VectorMath.norm(vector) - 1) < 1e-3
                : "cosine vectors must be unit length; normalise before add";
        if (builder == null) {
            builder = new HnswGraphBuilder(graph, vectors, efConstruction, seed);
        }
        int node = vectors.add(vector);
        builder.insert(node);
        liveCount++;
        return node;
    }

    /** Marks {@code node} deleted: it stays in the graph for traversal but is never returned. */
    public void delete(int node) {
        checkNode(node);
        if (!deleted.get(node)) {
            deleted.set(node);
            liveCount--;
        }
    }

    public boolean isDeleted(int node) {
        checkNode(node);
        return deleted.get(node);
    }

    /** The (up to) k live nodes closest to {@code query}, best first; see the filtered variant. */
    public ScoredNodes search(float[] query, int k, int ef) {
        return search(query, k, ef, null);
    }

    /**
     * The (up to) k live, accepted nodes closest to {@code query}, best first, with internal scores
     * (higher is closer; -squared distance for euclidean).
     *
     * <p>The search walks the graph with a beam of {@code max(ef, k)} results, passing through
     * deleted and unaccepted nodes but returning only live accepted ones. A filter of selectivity s
     * makes that walk score roughly {@code VISITS_PER_EF * ef / s} nodes before it holds ef
     * results, while scanning the accepted nodes exactly scores {@code s * size}. So:
     *
     * <ol>
     *   <li>if the exact scan is predicted to be cheaper, scan (this catches small accept sets);
     *   <li>otherwise walk the graph, but give up once it has scored as many nodes as the scan
     *       would (Lucene's visit limit), so a wrong prediction costs at most twice the scan;
     *   <li>if the walk gave up, or found fewer than k results although more nodes may match, scan.
     * </ol>
     *
     * @param accept the nodes that may be returned, or null for all; its count should be exact
     */
    public ScoredNodes search(float[] query, int k, int ef, AcceptSet accept) {
        checkQuery(query, k, ef);
        int eligible = accept == null ? liveCount : Math.min(accept.count(), liveCount);
        if (eligible <= 0) {
            return ScoredNodes.empty();
        }
        boolean filtered = accept != null || liveCount < graph.size();
        int beam = Math.max(ef, k);
        if (filtered && exactScanIsCheaper(eligible, beam)) {
            return searchExact(query, k, accept);
        }
        ScoredNodes found =
                walkGraph(query, k, beam, accept, filtered ? eligible : Integer.MAX_VALUE);
        if (found == null || found.size() < Math.min(k, eligible)) {
            return searchExact(query, k, accept);
        }
        return found;
    }

    /** Whether scanning {@code eligible} nodes beats a graph walk with that selectivity. */
    boolean exactScanIsCheaper(int eligible, int beam) {
        double selectivity = (double) eligible / graph.size();
        return eligible <= VISITS_PER_EF * (double) beam / selectivity;
    }

    /** The graph walk alone, with no visit limit and no exact fallback (for tests). */
    ScoredNodes searchGraph(float[] query, int k, int ef, AcceptSet accept) {
        checkQuery(query, k, ef);
        if (graph.size() == 0) {
            return ScoredNodes.empty();
        }
        return walkGraph(query, k, Math.max(ef, k), accept, Integer.MAX_VALUE);
    }

    /** Scores every live accepted node, visiting only the accepted ones when there is a set. */
    ScoredNodes searchExact(float[] query, int k, AcceptSet accept) {
        TopK top = new TopK(k);
        int size = graph.size();
        if (accept == null) {
            for (int node = deleted.nextClearBit(0);
                    node < size;
                    node = deleted.nextClearBit(node + 1)) {
                top.offer(vectors.score(query, node), node);
            }
        } else {
            for (int node = accept.nextAccepted(0, size);
                    node >= 0;
                    node = accept.nextAccepted(node + 1, size)) {
                if (!deleted.get(node)) {
                    top.offer(vectors.score(query, node), node);
                }
            }
        }
        return ScoredNodes.of(top);
    }

    /** Null if the walk gave up at {@code visitLimit}. */
    private ScoredNodes walkGraph(
            float[] query, int k, int beam, AcceptSet accept, int visitLimit) {
        HnswGraphSearcher searcher = idleSearchers.poll();
        if (searcher == null) {
            searcher = new HnswGraphSearcher(graph, vectors);
        }
        try {
            int entry = searcher.descend(query, graph.entryPoint(), graph.maxLevel(), 0);
            BitSet tombstones = liveCount < graph.size() ? deleted : null;
            if (!searcher.searchLayer(query, entry, 0, beam, tombstones, accept, visitLimit)) {
                return null;
            }
            NodeQueue results = searcher.results();
            TopK top = new TopK(k);
            while (results.size() > 0) {
                long packed = results.pop();
                top.offer(NodeQueue.unpackScore(packed), NodeQueue.unpackNode(packed));
            }
            return ScoredNodes.of(top);
        } finally {
            idleSearchers.offer(searcher);
        }
    }

    /** Number of nodes, deleted ones included: the next ordinal {@link #add} returns. */
    public int size() {
        return graph.size();
    }

    /** Number of nodes not deleted. */
    public int liveCount() {
        return liveCount;
    }

    public int dimension() {
        return dimension;
    }

    public Metric metric() {
        return metric;
    }

    /** Maximum neighbours per node on the upper layers (2M on layer 0). */
    public int m() {
        return m;
    }

    public int efConstruction() {
        return efConstruction;
    }

    /**
     * Heap bytes held by vectors, neighbour arrays, levels and tombstones (allocated capacity, not
     * just the used part). Excludes search scratch, one {@code int} per node per searching thread.
     */
    public long memoryBytes() {
        return 64L + vectors.memoryBytes() + graph.memoryBytes() + deleted.size() / 8;
    }

    /** A copy of {@code node}'s vector, deleted or not. */
    public float[] vector(int node) {
        checkNode(node);
        float[] copy = new float[dimension];
        vectors.copyInto(node, copy);
        return copy;
    }

    /**
     * An independent copy that more vectors can be {@link #add added} to, with the same nodes,
     * links, deletes and seed: the start of a merge that keeps this graph (Lucene's incremental
     * graph merge). It only reads this index's arrays, so it may run on another thread while this
     * index is searched, but not while vectors are added to it.
     */
    public HnswIndex copy() {
        return new HnswIndex(
                dimension,
                metric,
                m,
                efConstruction,
                seed,
                vectors.copy(),
                graph.copy(),
                (BitSet) deleted.clone());
    }

    /** Writes the index in the binary format described in {@link HnswFormat}; leaves out open. */
    public void write(OutputStream out) throws IOException {
        HnswFormat.write(this, out);
    }

    /**
     * Reads an index written by {@link #write}, consuming exactly its bytes; nothing is rebuilt.
     *
     * @throws io.vectorstream.state.format.CorruptIndexException if the data is not a valid index
     */
    public static HnswIndex read(InputStream in) throws IOException {
        return HnswFormat.read(in);
    }

    long seed() {
        return seed;
    }

    VectorStore vectorStore() {
        return vectors;
    }

    HnswGraph graph() {
        return graph;
    }

    BitSet deleted() {
        return deleted;
    }

    private void checkNode(int node) {
        if (node < 0 || node >= graph.size()) {
            throw new IndexOutOfBoundsException(
                    "node " + node + " is not in the index (size " + graph.size() + ")");
        }
    }

    private void checkQuery(float[] query, int k, int ef) {
        Objects.requireNonNull(query, "query");
        if (query.length != dimension) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", index has " + dimension);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (ef < 1) {
            throw new IllegalArgumentException("ef must be at least 1, got " + ef);
        }
    }

    @Override
    public String toString() {
        return "HnswIndex("
                + graph.size()
                + " nodes, "
                + liveCount
                + " live, dim "
                + dimension
                + ", "
                + metric
                + ", M "
                + m
                + ")";
    }

    /** Settings of a new index; {@link #build} checks them. */
    public static final class Builder {

        /** Bounds the format reader enforces too. */
        static final int MAX_M = 512;

        private final int dimension;
        private final Metric metric;
        private int m = 16;
        private int efConstruction = 200;
        private long seed = 42;
        private int expectedSize = 0;

        private Builder(int dimension, Metric metric) {
            this.dimension = dimension;
            this.metric = Objects.requireNonNull(metric, "metric");
        }

        /** Neighbours per node on the upper layers, 2M on layer 0 (default 16). */
        public Builder m(int m) {
            this.m = m;
            return this;
        }

        /** Beam width while inserting (default 200); raised to M if lower. */
        public Builder efConstruction(int efConstruction) {
            this.efConstruction = efConstruction;
            return this;
        }

        /**
         * Seed of the level generator (default 42): the same seed and input give the same graph.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Vectors to allocate room for up front (default 0: grow as needed). */
        public Builder expectedSize(int expectedSize) {
            this.expectedSize = expectedSize;
            return this;
        }

        public HnswIndex build() {
            if (dimension < 1) {
                throw new IllegalArgumentException(
                        "dimension must be at least 1, got " + dimension);
            }
            if (m < 2 || m > MAX_M) {
                throw new IllegalArgumentException(
                        "m must be between 2 and " + MAX_M + " (16 is a good default), got " + m);
            }
            if (efConstruction < 1) {
                throw new IllegalArgumentException(
                        "efConstruction must be at least 1 (100 to 400 is usual), got "
                                + efConstruction);
            }
            if (expectedSize < 0) {
                throw new IllegalArgumentException(
                        "expectedSize must not be negative, got " + expectedSize);
            }
            int beam = Math.max(efConstruction, m);
            return new HnswIndex(
                    dimension,
                    metric,
                    m,
                    beam,
                    seed,
                    new VectorStore(dimension, metric, expectedSize),
                    new HnswGraph(m, expectedSize),
                    new BitSet());
        }
    }
}
