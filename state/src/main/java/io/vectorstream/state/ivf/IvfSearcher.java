package io.vectorstream.state.ivf;

import io.vectorstream.state.ivf.internal.CoarseQuantizer;
import io.vectorstream.state.ivf.internal.InvertedLists;
import io.vectorstream.state.ivf.internal.ResidualTermTable;
import io.vectorstream.state.pq.ProductQuantizer;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;

/**
 * Answers searches over one {@link IvfIndex}: probes the nearest lists, scores their nodes exactly
 * (IVF-Flat) or through ADC tables (IVF-PQ), optionally reranks PQ candidates with full vectors,
 * and falls back to an exact scan of the accepted nodes for selective filters.
 *
 * <p>Holds the per-query scratch (probe heap, list ids, ADC table, residual) so a search allocates
 * only its result heaps. Not thread-safe, like its index.
 */
final class IvfSearcher {

    private final IvfIndex index;
    private final Metric metric;
    private final int dim;
    private final int[] probed;
    private final float[] probeScores;
    private final float[] table;
    private final float[] listTable;
    private final float[] residual;
    private final ResidualTermTable residualTerms;
    private TopK probeHeap;

    IvfSearcher(IvfIndex index) {
        this(index, true);
    }

    /**
     * @param precomputeL2 whether a euclidean IVF-PQ search may use a {@link ResidualTermTable}
     *     (when it is small enough); false always builds per-list distance tables
     */
    IvfSearcher(IvfIndex index, boolean precomputeL2) {
        this.index = index;
        this.metric = index.metric();
        this.dim = index.dimension();
        this.probed = new int[index.nlist()];
        this.probeScores = new float[index.nlist()];
        ProductQuantizer pq = index.pq();
        this.table = pq == null ? new float[0] : pq.newTable();
        this.listTable = pq == null ? new float[0] : pq.newTable();
        this.residual = new float[dim];
        this.residualTerms =
                pq != null && metric == Metric.EUCLIDEAN && precomputeL2
                        ? ResidualTermTable.buildIfSmall(index.quantizer(), pq)
                        : null;
    }

    ScoredNodes search(float[] query, int k, int nprobe, int rerank, AcceptSet accept) {
        return search(query, k, nprobe, rerank, accept, null);
    }

    /**
     * @param lookup full vectors for an index without them ({@link IvfIndex#withoutVectors}), or
     *     null
     */
    ScoredNodes search(
            float[] query, int k, int nprobe, int rerank, AcceptSet accept, VectorLookup lookup) {
        int live = index.liveCount();
        if (live == 0) {
            return ScoredNodes.empty();
        }
        // No heap larger than the nodes that could fill it, however large k or rerank are.
        k = Math.min(k, live);
        rerank = Math.min(rerank, live);
        // A filter accepting no more nodes than the probed lists hold is cheaper to scan exactly,
        // and probing would find too few of its nodes anyway.
        long expectedScanned = (long) index.size() * nprobe / index.nlist();
        if (accept != null && accept.count() <= Math.max(expectedScanned, k)) {
            if (index.vectorData() != null) {
                return exactScan(query, k, accept);
            }
            // Without full vectors an exact scan would read every accepted vector from the
            // lookup; scoring the codes of all lists and reranking the best reads only those.
            nprobe = index.nlist();
        }
        if (probeHeap == null || probeHeap.capacity() != nprobe) {
            probeHeap = new TopK(nprobe);
        }
        int lists = index.quantizer().probe(query, probeHeap, probed, probeScores);
        if (index.pq() == null) {
            return scanFlat(query, k, lists, accept);
        }
        int pool = rerank > 0 ? Math.max(k, rerank) : k;
        TopK candidates = scanCodes(query, pool, lists, accept);
        return rerank > 0 ? rerank(query, k, candidates, lookup) : ScoredNodes.of(candidates);
    }

    private ScoredNodes exactScan(float[] query, int k, AcceptSet accept) {
        float[] vectors = index.vectorData();
        TopK top = new TopK(k);
        int n = index.size();
        for (int node = accept.nextAccepted(0, n);
                node >= 0;
                node = accept.nextAccepted(node + 1, n)) {
            if (!index.deletedUnchecked(node)) {
                top.offer(metric.score(query, vectors, node * dim, dim), node);
            }
        }
        return ScoredNodes.of(top);
    }

    private ScoredNodes scanFlat(float[] query, int k, int lists, AcceptSet accept) {
        InvertedLists inverted = index.lists();
        float[] vectors = index.vectorData();
        TopK top = new TopK(k);
        for (int p = 0; p < lists; p++) {
            int list = probed[p];
            int[] nodes = inverted.nodes(list);
            for (int i = 0, n = inverted.size(list); i < n; i++) {
                int node = nodes[i];
                if (index.deletedUnchecked(node) || (accept != null && !accept.accepts(node))) {
                    continue;
                }
                top.offer(metric.score(query, vectors, node * dim, dim), node);
            }
        }
        return ScoredNodes.of(top);
    }

    /**
     * ADC over the probed lists' residual codes, for a code {@code y} of a vector in list {@code
     * c}:
     *
     * <ul>
     *   <li>inner product: {@code q.(c + y) = q.c + q.y}, so one table of {@code q} against the
     *       sub-centroids serves every list, plus the list's {@code q.c};
     *   <li>squared L2: {@code |q - c - y|^2 = |q - c|^2 + (|y|^2 + 2 c.y) - 2 q.y}; the middle
     *       term is precomputed per list ({@link ResidualTermTable}) when it fits, else each list
     *       gets a distance table from {@code q - c}.
     * </ul>
     */
    private TopK scanCodes(float[] query, int pool, int lists, AcceptSet accept) {
        ProductQuantizer pq = index.pq();
        CoarseQuantizer quantizer = index.quantizer();
        InvertedLists inverted = index.lists();
        int m = pq.m();
        boolean innerProduct = metric != Metric.EUCLIDEAN;
        if (innerProduct || residualTerms != null) {
            pq.innerProductTable(query, 0, table);
        }
        TopK top = new TopK(pool);
        for (int p = 0; p < lists; p++) {
            int list = probed[p];
            int n = inverted.size(list);
            if (n == 0) {
                continue;
            }
            float base;
            float sign;
            float[] scoring;
            if (innerProduct) {
                base = quantizer.dot(query, 0, list);
                sign = 1f;
                scoring = table;
            } else if (residualTerms != null) {
                residualTerms.listTable(list, table, listTable);
                base = probeScores[p]; // -|q - c|^2
                sign = -1f;
                scoring = listTable;
            } else {
                quantizer.residual(query, 0, list, residual);
                pq.squaredDistanceTable(residual, 0, listTable);
                base = 0f;
                sign = -1f;
                scoring = listTable;
            }
            int[] nodes = inverted.nodes(list);
            byte[] codes = inverted.codes(list);
            for (int i = 0, cOff = 0; i < n; i++, cOff += m) {
                int node = nodes[i];
                if (index.deletedUnchecked(node) || (accept != null && !accept.accepts(node))) {
                    continue;
                }
                top.offer(base + sign * ProductQuantizer.score(scoring, codes, cOff, m), node);
            }
        }
        return top;
    }

    /** Bytes held beyond the index's own arrays (the precomputed L2 terms, if built). */
    long memoryBytes() {
        return residualTerms == null ? 0 : residualTerms.memoryBytes();
    }

    /** Rescores the candidates exactly, from memory or else through {@code lookup}. */
    private ScoredNodes rerank(float[] query, int k, TopK candidates, VectorLookup lookup) {
        float[] vectors = index.vectorData();
        long[] pool = candidates.drainBestFirst();
        TopK top = new TopK(k);
        for (long packed : pool) {
            int node = TopK.unpackNode(packed);
            if (vectors != null) {
                top.offer(metric.score(query, vectors, node * dim, dim), node);
                continue;
            }
            float[] v = lookup.vector(node);
            if (v == null) {
                continue;
            }
            if (v.length != dim) {
                throw new IllegalStateException(
                        "lookup returned "
                                + v.length
                                + " components for node "
                                + node
                                + ", index has "
                                + dim);
            }
            top.offer(metric.score(query, v, 0, dim), node);
        }
        return ScoredNodes.of(top);
    }
}
