package io.vectorstream.state.ivf;

import io.vectorstream.state.ivf.internal.CoarseQuantizer;
import io.vectorstream.state.ivf.internal.InvertedLists;
import io.vectorstream.state.pq.ProductQuantizer;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * An inverted-file index (IVF-Flat, or IVF-PQ when {@link IvfParams#pqM()} is positive): vectors
 * are bucketed by their nearest coarse centroid and a search scans only the buckets nearest the
 * query, see {@link io.vectorstream.state.ivf the package documentation}.
 *
 * <p>Nodes are ordinals 0, 1, 2, ... in insertion order. Every full vector is kept in one flat
 * {@code float[]} ({@code node * dim} is its offset) for IVF-Flat scans, exact reranking and
 * filtered exact scans; with PQ each list also holds the nodes' codes of their residual to the list
 * centroid. Deletes are tombstones: a deleted node stays in its list and is skipped. Vectors must
 * be prepared for the metric (unit length for cosine) by the caller.
 *
 * <p>An IVF-PQ index can give up its full vectors ({@link #withoutVectors}) when they are stored
 * elsewhere: it then keeps centroids, codebooks, lists and codes, and reranks through a {@link
 * VectorLookup}.
 *
 * <p>Not thread-safe: searches reuse scratch buffers, so one thread at a time may use an instance.
 */
public final class IvfIndex {

    /** Largest array the JVM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Metric metric;
    private final int dim;
    private final IvfParams params;
    private final CoarseQuantizer quantizer;
    private final ProductQuantizer pq;
    private final InvertedLists lists;

    /** The full vectors, node-major; null once dropped by {@link #withoutVectors}. */
    private float[] vectors;

    private int size;

    /** Set once {@link #withoutVectors} shared the lists: adds would change the other index too. */
    private boolean listsShared;

    private long[] deleted;
    private int deletedCount;

    private final float[] residualScratch;
    private final byte[] codeScratch;
    private final float[] encodeScratch;
    private final IvfSearcher searcher;

    IvfIndex(
            Metric metric,
            int dim,
            IvfParams params,
            CoarseQuantizer quantizer,
            ProductQuantizer pq,
            InvertedLists lists,
            float[] vectors,
            int size,
            long[] deleted) {
        this.metric = Objects.requireNonNull(metric, "metric");
        this.dim = dim;
        this.params = params;
        this.quantizer = quantizer;
        this.pq = pq;
        this.lists = lists;
        this.vectors = vectors;
        this.size = size;
        this.deleted = deleted;
        for (long word : deleted) {
            deletedCount += Long.bitCount(word);
        }
        this.residualScratch = new float[dim];
        this.codeScratch = new byte[pq == null ? 0 : pq.m()];
        this.encodeScratch = new float[pq == null ? 0 : ProductQuantizer.CENTROIDS];
        this.searcher = new IvfSearcher(this);
    }

    /**
     * Trains the coarse centroids (and, with {@code params.pqM() > 0}, the product quantiser on
     * residuals to them) on {@code sample} and returns an empty index. The sample is not added.
     *
     * @param sample training vectors, all of one dimension, prepared for the metric
     * @throws IllegalArgumentException on an empty sample, mixed dimensions, or a dimension the PQ
     *     cannot split into {@code pqM} sub-spaces
     */
    public static IvfIndex train(float[][] sample, Metric metric, IvfParams params) {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(params, "params");
        if (sample == null || sample.length == 0) {
            throw new IllegalArgumentException("training needs at least one sample vector");
        }
        int dim = sample[0].length;
        if (dim < 1) {
            throw new IllegalArgumentException("sample vectors have dimension 0");
        }
        if (params.usesPq() && dim % params.pqM() != 0) {
            throw new IllegalArgumentException(
                    "dimension "
                            + dim
                            + " is not divisible by pqM="
                            + params.pqM()
                            + "; choose pqM among the divisors of the dimension");
        }
        int n = sample.length;
        if ((long) n * dim > MAX_ARRAY) {
            throw new IllegalArgumentException(
                    "a sample of " + n + " x " + dim + " is too large; subsample it");
        }
        float[] data = new float[n * dim];
        for (int i = 0; i < n; i++) {
            if (sample[i].length != dim) {
                throw new IllegalArgumentException(
                        "sample vector "
                                + i
                                + " has dimension "
                                + sample[i].length
                                + ", the first has "
                                + dim);
            }
            if (!VectorMath.allFinite(sample[i])) {
                throw new IllegalArgumentException(
                        "sample vector " + i + " has a NaN or infinite component");
            }
            System.arraycopy(sample[i], 0, data, i * dim, dim);
        }
        CoarseQuantizer quantizer =
                CoarseQuantizer.train(
                        data,
                        n,
                        dim,
                        metric,
                        params.nlist(),
                        params.trainIterations(),
                        params.seed());
        ProductQuantizer pq = null;
        if (params.usesPq()) {
            // IVFADC encodes residuals: they are smaller and more alike than raw vectors.
            float[] residuals = new float[n * dim];
            float[] r = new float[dim];
            for (int i = 0; i < n; i++) {
                quantizer.residual(data, i * dim, quantizer.assign(data, i * dim), r);
                System.arraycopy(r, 0, residuals, i * dim, dim);
            }
            pq =
                    ProductQuantizer.train(
                            residuals,
                            n,
                            dim,
                            params.pqM(),
                            params.trainIterations(),
                            params.seed() ^ 0x9E3779B97F4A7C15L);
        }
        return new IvfIndex(
                metric,
                dim,
                params,
                quantizer,
                pq,
                new InvertedLists(quantizer.nlist(), params.pqM()),
                new float[16 * dim],
                0,
                new long[1]);
    }

    /**
     * Adds a copy of {@code vector} to the list of its nearest centroid and returns its node
     * ordinal (the previous {@link #size()}).
     */
    public int add(float[] vector) {
        if (vectors == null || listsShared) {
            throw new IllegalStateException(
                    "this index shares its lists with a copy without vectors and cannot take adds");
        }
        if (vector.length != dim) {
            throw new IllegalArgumentException(
                    "vector has dimension " + vector.length + ", index has " + dim);
        }
        if (!VectorMath.allFinite(vector)) {
            throw new IllegalArgumentException("vector has a NaN or infinite component");
        }
        if ((long) (size + 1) * dim > MAX_ARRAY) {
            throw new IllegalStateException("index is full at " + size + " vectors of " + dim);
        }
        int node = size;
        ensureCapacity(node + 1);
        System.arraycopy(vector, 0, vectors, node * dim, dim);
        int list = quantizer.assign(vector, 0);
        if (pq != null) {
            quantizer.residual(vector, 0, list, residualScratch);
            pq.encode(residualScratch, 0, codeScratch, 0, encodeScratch);
        }
        lists.add(list, node, codeScratch, 0);
        size = node + 1;
        return node;
    }

    /** Marks {@code node} deleted; it is never returned again. Deleting twice is a no-op. */
    public void delete(int node) {
        checkNode(node);
        long bit = 1L << node;
        if ((deleted[node >>> 6] & bit) == 0) {
            deleted[node >>> 6] |= bit;
            deletedCount++;
        }
    }

    public boolean isDeleted(int node) {
        checkNode(node);
        return deletedUnchecked(node);
    }

    /**
     * The {@code k} best live nodes for {@code query}, best first, with internal scores (higher is
     * closer).
     *
     * @param nprobe lists to scan, closest centroids first (capped at nlist)
     * @param rerank with PQ: how many best ADC candidates to rescore exactly with their full
     *     vectors (at least {@code k} are when positive); 0 returns ADC scores. Ignored for
     *     IVF-Flat, which scores exactly anyway.
     * @param accept nodes that may be returned, or null for all. When it accepts no more nodes than
     *     the probed lists would hold, the accepted nodes are scanned exactly instead.
     */
    public ScoredNodes search(float[] query, int k, int nprobe, int rerank, AcceptSet accept) {
        return search(query, k, nprobe, rerank, accept, null);
    }

    /**
     * As {@link #search(float[], int, int, int, AcceptSet)}, reading full vectors through {@code
     * lookup} when this index has none ({@link #withoutVectors}).
     *
     * <p>Without full vectors, a filter small enough for an exact scan makes the search scan the
     * codes of every list instead (the accepted nodes' ADC scores), then rerank as usual; so when
     * {@code rerank} covers every candidate the answer equals that of the index with its vectors.
     *
     * @param lookup full vectors by node, or null if this index holds them; a node it returns null
     *     for is left out
     * @throws IllegalStateException if the search needs full vectors (rerank > 0) and there are
     *     neither vectors here nor a lookup
     */
    public ScoredNodes search(
            float[] query, int k, int nprobe, int rerank, AcceptSet accept, VectorLookup lookup) {
        if (query.length != dim) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", index has " + dim);
        }
        if (k < 1 || nprobe < 1 || rerank < 0) {
            throw new IllegalArgumentException(
                    "need k >= 1, nprobe >= 1 and rerank >= 0, got k="
                            + k
                            + ", nprobe="
                            + nprobe
                            + ", rerank="
                            + rerank);
        }
        if (vectors == null && lookup == null && rerank > 0) {
            throw new IllegalStateException(
                    "this index dropped its full vectors; rerank needs a VectorLookup");
        }
        return searcher.search(
                query, k, Math.min(nprobe, quantizer.nlist()), rerank, accept, lookup);
    }

    /** Nodes ever added, deleted ones included: the next node ordinal. */
    public int size() {
        return size;
    }

    public int liveCount() {
        return size - deletedCount;
    }

    public int dimension() {
        return dim;
    }

    public Metric metric() {
        return metric;
    }

    public IvfParams params() {
        return params;
    }

    /** Number of inverted lists. */
    public int nlist() {
        return quantizer.nlist();
    }

    /**
     * A copy of the stored vector of {@code node} (deleted nodes keep theirs).
     *
     * @throws IllegalStateException if the index dropped its vectors ({@link #withoutVectors})
     */
    public float[] vector(int node) {
        checkNode(node);
        if (vectors == null) {
            throw new IllegalStateException(
                    "this index dropped its full vectors; read node " + node + " from their store");
        }
        return Arrays.copyOfRange(vectors, node * dim, (node + 1) * dim);
    }

    /** Heap bytes of the whole index: full vectors plus {@link #codesMemoryBytes()}. */
    public long memoryBytes() {
        return (vectors == null ? 0 : (long) vectors.length * Float.BYTES) + codesMemoryBytes();
    }

    /** Whether the full vectors are in memory (false after {@link #withoutVectors}). */
    public boolean hasVectors() {
        return vectors != null;
    }

    /**
     * This IVF-PQ index without its full vectors: a new index sharing the (immutable) centroids,
     * codebooks, lists and codes, with a copy of the tombstones and its own search scratch; this
     * one is unchanged. The copy searches through ADC codes and reranks through a {@link
     * VectorLookup}; it cannot {@link #add}, {@link #write} or return {@link #vector}s. Since the
     * two share the lists, neither takes adds afterwards.
     *
     * @throws IllegalStateException for IVF-Flat, which scans full vectors
     */
    public IvfIndex withoutVectors() {
        if (pq == null) {
            throw new IllegalStateException("IVF-Flat scans full vectors and cannot drop them");
        }
        listsShared = true;
        IvfIndex copy =
                new IvfIndex(
                        metric, dim, params, quantizer, pq, lists, null, size, deleted.clone());
        copy.listsShared = true;
        return copy;
    }

    /**
     * Heap bytes of everything but the full vectors: centroids, codebooks, precomputed distance
     * terms, list node ids, codes and tombstones. This is what a PQ-only tier keeps in memory when
     * full vectors live elsewhere.
     */
    public long codesMemoryBytes() {
        return quantizer.memoryBytes()
                + searcher.memoryBytes()
                + (pq == null ? 0 : pq.memoryBytes())
                + lists.memoryBytes()
                + (long) deleted.length * Long.BYTES;
    }

    /**
     * Writes the index (format in {@link IvfFormat}) to {@code out}, which is flushed, not closed.
     *
     * @throws IllegalStateException if the index dropped its vectors ({@link #withoutVectors})
     */
    public void write(OutputStream out) throws IOException {
        if (vectors == null) {
            throw new IllegalStateException(
                    "this index dropped its full vectors (withoutVectors) and cannot be written");
        }
        IvfFormat.write(this, out);
    }

    /**
     * Reads an index written by {@link #write}. Reads exactly the bytes written, so the stream may
     * continue with other data; pass a buffered stream for speed.
     *
     * @throws io.vectorstream.state.format.CorruptIndexException if the data is truncated,
     *     inconsistent, of an unknown version, or not an IVF index
     */
    public static IvfIndex read(InputStream in) throws IOException {
        return IvfFormat.read(in);
    }

    @Override
    public String toString() {
        return "IvfIndex("
                + metric
                + ", dim="
                + dim
                + ", nlist="
                + quantizer.nlist()
                + (pq == null ? ", flat" : ", pq m=" + pq.m())
                + ", "
                + liveCount()
                + "/"
                + size
                + " live)";
    }

    // Package-private views for the searcher and the format; no copies.

    CoarseQuantizer quantizer() {
        return quantizer;
    }

    ProductQuantizer pq() {
        return pq;
    }

    InvertedLists lists() {
        return lists;
    }

    /** The full vectors, or null after {@link #withoutVectors}. */
    float[] vectorData() {
        return vectors;
    }

    long[] deletedWords() {
        return deleted;
    }

    int deletedCount() {
        return deletedCount;
    }

    boolean deletedUnchecked(int node) {
        return (deleted[node >>> 6] & (1L << node)) != 0;
    }

    private void checkNode(int node) {
        if (node < 0 || node >= size) {
            throw new IllegalArgumentException(
                    "node " + node + " is out of range [0, " + size + ")");
        }
    }

    private void ensureCapacity(int nodes) {
        if ((long) nodes * dim > vectors.length) {
            long cap = Math.max((long) nodes, (long) (vectors.length / dim) * 3 / 2) * dim;
            vectors = Arrays.copyOf(vectors, (int) Math.min(cap, (long) MAX_ARRAY / dim * dim));
        }
        int words = (nodes + 63) >>> 6;
        if (words > deleted.length) {
            deleted = Arrays.copyOf(deleted, Math.max(words, deleted.length * 2));
        }
    }
}
