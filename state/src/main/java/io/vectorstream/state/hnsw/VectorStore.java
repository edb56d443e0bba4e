package io.vectorstream.state.hnsw;

import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.util.Arrays;

/**
 * The vectors of an HNSW index in one flat array ({@code node * dim} is a node's offset), and the
 * only code in the package that reads them: every score the graph needs comes from here.
 *
 * <p>Scores are internal (higher is closer, see {@link Metric#score}). Vectors are stored as given;
 * the caller prepares them for the metric (unit length for cosine). Not thread-safe for writes;
 * scoring is read-only.
 */
final class VectorStore {

    private final int dim;
    private final Metric metric;
    private float[] data;
    private int size;

    VectorStore(int dim, Metric metric, int initialCapacity) {
        this.dim = dim;
        this.metric = metric;
        long floats = Math.max(initialCapacity, 16) * (long) dim;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "room for "
                            + initialCapacity
                            + " vectors of dimension "
                            + dim
                            + " exceeds one Java array; split the data into more segments");
        }
        this.data = new float[(int) floats];
    }

    /** Wraps vectors read from storage: {@code data} holds exactly {@code size * dim} floats. */
    VectorStore(int dim, Metric metric, float[] data, int size) {
        assert data.length == size * dim : "flat vectors must hold size * dim floats";
        this.dim = dim;
        this.metric = metric;
        this.data = data;
        this.size = size;
    }

    /** An independent copy holding exactly the stored vectors; {@link #add} grows it. */
    VectorStore copy() {
        return new VectorStore(dim, metric, Arrays.copyOf(data, size * dim), size);
    }

    int dimension() {
        return dim;
    }

    Metric metric() {
        return metric;
    }

    int size() {
        return size;
    }

    /** Appends a copy of {@code vector}; returns its node ordinal. */
    int add(float[] vector) {
        assert vector.length == dim : "vector dimension checked by the index";
        if ((size + 1) * (long) dim > data.length) {
            long wanted = Math.max(size + 1L, size + (size >> 1)) * dim;
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException(
                        "an HNSW index holds at most "
                                + ((Integer.MAX_VALUE - 8) / dim)
                                + " vectors of dimension "
                                + dim
                                + "; split the data into more segments");
            }
            data = Arrays.copyOf(data, (int) wanted);
        }
        System.arraycopy(vector, 0, data, size * dim, dim);
        return size++;
    }

    /** Score of {@code node} against {@code query}. */
    float score(float[] query, int node) {
        return metric.score(query, data, node * dim, dim);
    }

    /** Score between two stored nodes (symmetric). */
    float score(int a, int b) {
        int aOff = a * dim;
        int bOff = b * dim;
        return metric == Metric.EUCLIDEAN
                ? -VectorMath.squaredDistance(data, aOff, data, bOff, dim)
                : VectorMath.dot(data, aOff, data, bOff, dim);
    }

    void copyInto(int node, float[] dst) {
        System.arraycopy(data, node * dim, dst, 0, dim);
    }

    /** The backing array; only the first {@code size * dim} floats are vectors. */
    float[] data() {
        return data;
    }

    long memoryBytes() {
        return 16L + (long) data.length * Float.BYTES;
    }
}
