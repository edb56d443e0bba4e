package io.vectorstream.state.pq;

import io.vectorstream.state.kmeans.KMeans;
import java.util.Arrays;

/**
 * A product quantiser with {@code m} sub-quantisers of 256 centroids each: it encodes a vector into
 * {@code m} bytes and scores codes against a query with {@code m} table lookups (asymmetric
 * distance computation), see {@link io.vectorstream.state.pq the package documentation}.
 *
 * <p>The codebooks are one flat array: centroid {@code c} of sub-space {@code j} starts at {@code
 * (j * 256 + c) * subDim}. Query tables use the same order: entry {@code j * 256 + c}. Immutable
 * once built and thread-safe; the caller owns every output and scratch buffer.
 */
public final class ProductQuantizer {

    /** Centroids per sub-quantiser: one byte of code each. */
    public static final int CENTROIDS = 256;

    private final int dim;
    private final int m;
    private final int subDim;
    private final float[] codebooks;

    /**
     * The codebooks component-major per sub-space: component {@code t} of centroid {@code c} in
     * sub-space {@code j} at {@code (j * subDim + t) * 256 + c}. Derived from {@link #codebooks} so
     * the per-centroid loops below run over 256 contiguous floats, which the JIT vectorises.
     */
    private final float[] transposed;

    /**
     * Wraps trained codebooks (for instance read back from storage).
     *
     * @param codebooks {@code 256 * dim} components in the layout described on the class
     * @throws IllegalArgumentException if {@code dim} is not divisible by {@code m} or the array
     *     has the wrong length
     */
    public ProductQuantizer(int dim, int m, float[] codebooks) {
        checkShape(dim, m);
        if (codebooks.length != CENTROIDS * dim) {
            throw new IllegalArgumentException(
                    "codebooks of a "
                            + dim
                            + "-d quantiser need "
                            + CENTROIDS * dim
                            + " components, got "
                            + codebooks.length);
        }
        this.dim = dim;
        this.m = m;
        this.subDim = dim / m;
        this.codebooks = codebooks;
        this.transposed = new float[codebooks.length];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < CENTROIDS; c++) {
                for (int t = 0; t < subDim; t++) {
                    transposed[(j * subDim + t) * CENTROIDS + c] =
                            codebooks[(j * CENTROIDS + c) * subDim + t];
                }
            }
        }
    }

    /**
     * Trains one 256-centroid k-means per sub-space on {@code n} row-major vectors (raw vectors or
     * residuals from a coarse quantiser).
     *
     * @param iterations Lloyd iterations per sub-quantiser
     * @param seed sub-space {@code j} is trained with seed {@code seed + j}
     */
    public static ProductQuantizer train(
            float[] data, int n, int dim, int m, int iterations, long seed) {
        checkShape(dim, m);
        if (n < 1 || (long) n * dim > data.length) {
            throw new IllegalArgumentException(
                    "need n >= 1 vectors of "
                            + dim
                            + " components in data, got n="
                            + n
                            + " and "
                            + data.length
                            + " components");
        }
        int subDim = dim / m;
        float[] sub = new float[n * subDim];
        float[] codebooks = new float[CENTROIDS * dim];
        for (int j = 0; j < m; j++) {
            // Gather sub-space j into a contiguous array so k-means sees plain subDim-d points.
            for (int i = 0; i < n; i++) {
                System.arraycopy(data, i * dim + j * subDim, sub, i * subDim, subDim);
            }
            float[] centroids =
                    new KMeans(CENTROIDS, iterations, false, seed + j).train(sub, n, subDim);
            System.arraycopy(centroids, 0, codebooks, j * CENTROIDS * subDim, centroids.length);
        }
        return new ProductQuantizer(dim, m, codebooks);
    }

    private static void checkShape(int dim, int m) {
        if (m < 1) {
            throw new IllegalArgumentException("m (sub-quantisers) must be at least 1, got " + m);
        }
        if (dim < 1 || dim % m != 0) {
            throw new IllegalArgumentException(
                    "dimension "
                            + dim
                            + " is not divisible by m="
                            + m
                            + "; choose m among the divisors of the dimension");
        }
    }

    public int dimension() {
        return dim;
    }

    /** Number of sub-quantisers, which is also the code length in bytes. */
    public int m() {
        return m;
    }

    public int subDimension() {
        return subDim;
    }

    /** The codebooks (not copied: do not modify). */
    public float[] codebooks() {
        return codebooks;
    }

    /** Bytes held by the codebooks (and their transposed copy). */
    public long memoryBytes() {
        return 2L * codebooks.length * Float.BYTES;
    }

    /**
     * Writes the {@code m}-byte code of {@code v[vOff..vOff+dim)} to {@code codes[cOff..]}: per
     * sub-space the nearest sub-centroid (ties keep the lower index).
     *
     * @param scratch at least {@link #CENTROIDS} floats, overwritten (reuse it across calls)
     */
    public void encode(float[] v, int vOff, byte[] codes, int cOff, float[] scratch) {
        for (int j = 0; j < m; j++) {
            Arrays.fill(scratch, 0, CENTROIDS, 0f);
            for (int t = 0; t < subDim; t++) {
                float x = v[vOff + j * subDim + t];
                int row = (j * subDim + t) * CENTROIDS;
                for (int c = 0; c < CENTROIDS; c++) {
                    float d = x - transposed[row + c];
                    scratch[c] += d * d;
                }
            }
            int best = 0;
            float bestDist = scratch[0];
            for (int c = 1; c < CENTROIDS; c++) {
                if (scratch[c] < bestDist) {
                    bestDist = scratch[c];
                    best = c;
                }
            }
            codes[cOff + j] = (byte) best;
        }
    }

    /** Writes the reconstruction of the code at {@code codes[cOff..]} to {@code out[outOff..]}. */
    public void decode(byte[] codes, int cOff, float[] out, int outOff) {
        for (int j = 0; j < m; j++) {
            int c = codes[cOff + j] & 0xff;
            System.arraycopy(
                    codebooks, (j * CENTROIDS + c) * subDim, out, outOff + j * subDim, subDim);
        }
    }

    /**
     * Fills {@code table[0 .. m*256)} with the inner product of each query sub-vector with each
     * sub-centroid, so that {@link #score} of a code is the query's inner product with its
     * reconstruction.
     */
    public void innerProductTable(float[] query, int qOff, float[] table) {
        Arrays.fill(table, 0, m * CENTROIDS, 0f);
        for (int j = 0; j < m; j++) {
            int tOff = j * CENTROIDS;
            for (int t = 0; t < subDim; t++) {
                float x = query[qOff + j * subDim + t];
                int row = (j * subDim + t) * CENTROIDS;
                for (int c = 0; c < CENTROIDS; c++) {
                    table[tOff + c] += x * transposed[row + c];
                }
            }
        }
    }

    /**
     * Fills {@code table[0 .. m*256)} with the squared L2 distance of each query sub-vector to each
     * sub-centroid, so that {@link #score} of a code is the squared distance to its reconstruction.
     */
    public void squaredDistanceTable(float[] query, int qOff, float[] table) {
        Arrays.fill(table, 0, m * CENTROIDS, 0f);
        for (int j = 0; j < m; j++) {
            int tOff = j * CENTROIDS;
            for (int t = 0; t < subDim; t++) {
                float x = query[qOff + j * subDim + t];
                int row = (j * subDim + t) * CENTROIDS;
                for (int c = 0; c < CENTROIDS; c++) {
                    float d = x - transposed[row + c];
                    table[tOff + c] += d * d;
                }
            }
        }
    }

    /**
     * Fills {@code out[outOff .. outOff + m*256)} with {@code |y|^2 + 2 <x, y>} for every
     * sub-centroid {@code y} and the matching sub-vector of {@code x = v[vOff..vOff+dim)}.
     *
     * <p>With {@code x} a coarse centroid {@code c} and {@code y} a residual sub-centroid this is
     * the query-independent part of {@code |q - c - y|^2 = |q - c|^2 + (|y|^2 + 2<c, y>) - 2<q,
     * y>}, which lets an IVF index precompute it once per list (FAISS's precomputed tables).
     */
    public void residualTerms(float[] v, int vOff, float[] out, int outOff) {
        Arrays.fill(out, outOff, outOff + m * CENTROIDS, 0f);
        for (int j = 0; j < m; j++) {
            int tOff = outOff + j * CENTROIDS;
            for (int t = 0; t < subDim; t++) {
                float twoX = 2 * v[vOff + j * subDim + t];
                int row = (j * subDim + t) * CENTROIDS;
                for (int c = 0; c < CENTROIDS; c++) {
                    float y = transposed[row + c];
                    out[tOff + c] += y * (y + twoX);
                }
            }
        }
    }

    /** A new table of the right size for {@link #innerProductTable} and friends. */
    public float[] newTable() {
        return new float[m * CENTROIDS];
    }

    /**
     * Sums the {@code m} table entries selected by the code at {@code codes[cOff..]}: the
     * asymmetric distance (or inner product) of the table's query to the code's reconstruction.
     */
    public static float score(float[] table, byte[] codes, int cOff, int m) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int j = 0;
        for (int bound = m & ~3; j < bound; j += 4) {
            int base = j * CENTROIDS;
            s0 += table[base + (codes[cOff + j] & 0xff)];
            s1 += table[base + CENTROIDS + (codes[cOff + j + 1] & 0xff)];
            s2 += table[base + 2 * CENTROIDS + (codes[cOff + j + 2] & 0xff)];
            s3 += table[base + 3 * CENTROIDS + (codes[cOff + j + 3] & 0xff)];
        }
        for (; j < m; j++) {
            s0 += table[j * CENTROIDS + (codes[cOff + j] & 0xff)];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProductQuantizer p
                && p.dim == dim
                && p.m == m
                && Arrays.equals(p.codebooks, codebooks);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dim + m) + Arrays.hashCode(codebooks);
    }

    @Override
    public String toString() {
        return "ProductQuantizer(dim=" + dim + ", m=" + m + " x 8 bits)";
    }
}
