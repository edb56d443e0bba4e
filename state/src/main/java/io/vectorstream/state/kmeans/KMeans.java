package io.vectorstream.state.kmeans;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.vector.VectorMath;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Trains k centroids on flat row-major vectors: k-means++ seeding then Lloyd iterations, see {@link
 * io.vectorstream.state.kmeans the package documentation}.
 *
 * <p>Immutable settings; {@link #train} allocates its own scratch, so one instance may train from
 * several threads. The result depends only on the data and the seed.
 */
public final class KMeans {

    /**
     * At most this many training points per centroid are used, as FAISS does: more points move the
     * centroids very little but cost linear time.
     */
    public static final int MAX_POINTS_PER_CENTROID = 256;

    /** Lloyd stops once an iteration lowers the objective by less than this fraction. */
    public static final double CONVERGENCE_TOLERANCE = 1e-4;

    /** Relative size of the symmetric nudge that splits a centroid to repair an empty cluster. */
    private static final float SPLIT_EPS = 1f / 1024;

    private final int k;
    private final int maxIterations;
    private final boolean spherical;
    private final long seed;

    /**
     * @param k number of centroids
     * @param maxIterations upper bound on Lloyd iterations (0 keeps the k-means++ seeds)
     * @param spherical renormalise centroids to unit length after every update (for cosine data, so
     *     that the largest inner product picks the nearest centroid)
     * @param seed seed of the sampling and of the k-means++ draws
     */
    public KMeans(int k, int maxIterations, boolean spherical, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (maxIterations < 0) {
            throw new IllegalArgumentException(
                    "maxIterations must not be negative, got " + maxIterations);
        }
        this.k = k;
        this.maxIterations = maxIterations;
        this.spherical = spherical;
        this.seed = seed;
    }

    public int k() {
        return k;
    }

    /**
     * Returns {@code k * dim} centroid components, centroid {@code c} at offset {@code c * dim}.
     *
     * <p>With fewer points than centroids every point becomes a centroid and the remaining
     * centroids repeat them (a repeat is never the unique nearest, so it just stays empty).
     *
     * @param data {@code n * dim} components, point {@code i} at offset {@code i * dim}; not
     *     changed
     */
    public float[] train(float[] data, int n, int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        if (n < 1) {
            throw new IllegalArgumentException("k-means needs at least one training vector");
        }
        if ((long) k * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    k + " centroids of dimension " + dim + " do not fit in one array");
        }
        if ((long) n * dim > data.length) {
            throw new IllegalArgumentException(
                    n
                            + " vectors of dimension "
                            + dim
                            + " need "
                            + (long) n * dim
                            + " components, got "
                            + data.length);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] centroids = new float[k * dim];
        if (n <= k) {
            for (int c = 0; c < k; c++) {
                System.arraycopy(data, (c % n) * dim, centroids, c * dim, dim);
            }
            return centroids;
        }
        // 1. Sample: beyond MAX_POINTS_PER_CENTROID per centroid more points add time, not quality.
        float[] points = data;
        int np = n;
        long cap = (long) k * MAX_POINTS_PER_CENTROID;
        if (n > cap) {
            np = (int) cap;
            points = sample(data, n, dim, np, rnd);
        }
        // 2. Seed with k-means++, 3. refine with Lloyd.
        seedPlusPlus(points, np, dim, centroids, rnd);
        if (spherical) {
            normalizeRows(centroids, k, dim);
        }
        lloyd(points, np, dim, centroids, rnd);
        return centroids;
    }

    /**
     * The centroid of {@code centroids} (k of them) nearest to {@code v[off..off+dim)} in squared
     * L2 distance; ties keep the lower index.
     */
    public static int nearest(float[] centroids, int k, int dim, float[] v, int off) {
        int best = 0;
        float bestDist = Float.POSITIVE_INFINITY;
        for (int c = 0, cOff = 0; c < k; c++, cOff += dim) {
            float d = squaredDistance(v, off, centroids, cOff, dim);
            if (d < bestDist) {
                bestDist = d;
                best = c;
            }
        }
        return best;
    }

    /** Squared L2 distance; short vectors (PQ sub-spaces) skip the SIMD kernel's set-up cost. */
    private static float squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
        if (dim >= 16) {
            return VectorMath.squaredDistance(a, aOff, b, bOff, dim);
        }
        float s = 0f;
        for (int j = 0; j < dim; j++) {
            float d = a[aOff + j] - b[bOff + j];
            s = Math.fma(d, d, s);
        }
        return s;
    }

    private static float[] sample(float[] data, int n, int dim, int np, SplittableRandom rnd) {
        // Partial Fisher-Yates: the first np slots of a shuffled index array.
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        float[] out = new float[np * dim];
        for (int i = 0; i < np; i++) {
            int j = i + rnd.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            System.arraycopy(data, order[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    /**
     * k-means++ (Arthur and Vassilvitskii 2007): each next seed is drawn with probability
     * proportional to its squared distance to the nearest seed chosen so far.
     */
    private void seedPlusPlus(
            float[] points, int n, int dim, float[] centroids, SplittableRandom rnd) {
        double[] minDist = new double[n];
        int first = rnd.nextInt(n);
        System.arraycopy(points, first * dim, centroids, 0, dim);
        double total = 0;
        for (int i = 0; i < n; i++) {
            minDist[i] = squaredDistance(points, i * dim, centroids, 0, dim);
            total += minDist[i];
        }
        for (int c = 1; c < k; c++) {
            Interruption.check();
            int pick;
            if (total <= 0) {
                // Every point already coincides with a seed: any point will do.
                pick = rnd.nextInt(n);
            } else {
                double target = rnd.nextDouble() * total;
                pick = n - 1;
                double acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += minDist[i];
                    if (acc > target) {
                        pick = i;
                        break;
                    }
                }
            }
            int cOff = c * dim;
            System.arraycopy(points, pick * dim, centroids, cOff, dim);
            total = 0;
            for (int i = 0; i < n; i++) {
                double d = squaredDistance(points, i * dim, centroids, cOff, dim);
                if (d < minDist[i]) {
                    minDist[i] = d;
                }
                total += minDist[i];
            }
        }
    }

    private void lloyd(float[] points, int n, int dim, float[] centroids, SplittableRandom rnd) {
        int[] assign = new int[n];
        int[] counts = new int[k];
        double[] sums = new double[k * dim];
        float[] transposed = new float[dim * k];
        float[] dist = new float[k];
        double previous = Double.POSITIVE_INFINITY;
        for (int iter = 0; iter < maxIterations; iter++) {
            // a. Assign every point to its nearest centroid. With the centroids transposed
            // (component-major) the inner loop runs over all k centroids at once, which the JIT
            // vectorises; that matters for the 2- to 8-d sub-spaces of a product quantiser, where a
            // distance call per centroid would be mostly call overhead.
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < dim; j++) {
                    transposed[j * k + c] = centroids[c * dim + j];
                }
            }
            double objective = 0;
            for (int i = 0, off = 0; i < n; i++, off += dim) {
                if ((i & 4095) == 0) {
                    Interruption.check();
                }
                int best = nearestTransposed(points, off, dim, transposed, k, dist);
                float bestDist = dist[best];
                assign[i] = best;
                objective += bestDist;
            }
            // b. Move every centroid to the mean of its points.
            Arrays.fill(counts, 0);
            Arrays.fill(sums, 0);
            for (int i = 0, off = 0; i < n; i++, off += dim) {
                int sOff = assign[i] * dim;
                counts[assign[i]]++;
                for (int j = 0; j < dim; j++) {
                    sums[sOff + j] += points[off + j];
                }
            }
            for (int c = 0; c < k; c++) {
                if (counts[c] > 0) {
                    double inv = 1.0 / counts[c];
                    for (int j = 0, off = c * dim; j < dim; j++) {
                        centroids[off + j] = (float) (sums[off + j] * inv);
                    }
                }
            }
            // c. Give every empty cluster half of a large one.
            splitIntoEmptyClusters(centroids, counts, n, dim, rnd);
            if (spherical) {
                normalizeRows(centroids, k, dim);
            }
            // d. Stop once the objective (measured before this update) has settled.
            if (previous != Double.POSITIVE_INFINITY
                    && previous - objective <= CONVERGENCE_TOLERANCE * previous) {
                break;
            }
            previous = objective;
        }
    }

    /**
     * The centroid nearest to {@code points[off..off+dim)} given the centroids transposed
     * (component {@code j} of centroid {@code c} at {@code j * k + c}); leaves every centroid's
     * squared distance in {@code dist}. A method of its own so the JIT compiles and vectorises it
     * as a whole rather than as part of an on-stack-replaced outer loop.
     */
    private static int nearestTransposed(
            float[] points, int off, int dim, float[] transposed, int k, float[] dist) {
        Arrays.fill(dist, 0f);
        int j = 0;
        // Four components per pass over dist: a quarter of the loads and stores of dist.
        for (; j + 3 < dim; j += 4) {
            float x0 = points[off + j];
            float x1 = points[off + j + 1];
            float x2 = points[off + j + 2];
            float x3 = points[off + j + 3];
            int r0 = j * k;
            int r1 = r0 + k;
            int r2 = r1 + k;
            int r3 = r2 + k;
            for (int c = 0; c < k; c++) {
                float d0 = x0 - transposed[r0 + c];
                float d1 = x1 - transposed[r1 + c];
                float d2 = x2 - transposed[r2 + c];
                float d3 = x3 - transposed[r3 + c];
                dist[c] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3);
            }
        }
        for (; j < dim; j++) {
            float x = points[off + j];
            int row = j * k;
            for (int c = 0; c < k; c++) {
                float d = x - transposed[row + c];
                dist[c] += d * d;
            }
        }
        int best = 0;
        float bestDist = dist[0];
        for (int c = 1; c < k; c++) {
            if (dist[c] < bestDist) {
                bestDist = dist[c];
                best = c;
            }
        }
        return best;
    }

    /**
     * Repairs empty clusters as FAISS does: pick a cluster with probability proportional to its
     * excess size, move a copy of its centroid one way and the original the other way by a tiny
     * symmetric nudge, and split its count between the two. The next assignment separates them.
     */
    private void splitIntoEmptyClusters(
            float[] centroids, int[] counts, int n, int dim, SplittableRandom rnd) {
        for (int empty = 0; empty < k; empty++) {
            if (counts[empty] != 0) {
                continue;
            }
            int donor = 0;
            for (; ; donor = (donor + 1) % k) {
                // Probability of accepting a donor grows with its size beyond one point.
                double p = (counts[donor] - 1.0) / (n - k);
                if (p > 0 && rnd.nextDouble() < p) {
                    break;
                }
            }
            int eOff = empty * dim;
            int dOff = donor * dim;
            for (int j = 0; j < dim; j++) {
                float x = centroids[dOff + j];
                float nudge = (j % 2 == 0 ? SPLIT_EPS : -SPLIT_EPS) * (x == 0 ? 1 : x);
                centroids[eOff + j] = x + nudge;
                centroids[dOff + j] = x - nudge;
            }
            counts[empty] = counts[donor] / 2;
            counts[donor] -= counts[empty];
        }
    }

    private static void normalizeRows(float[] rows, int count, int dim) {
        for (int r = 0, off = 0; r < count; r++, off += dim) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += (double) rows[off + j] * rows[off + j];
            }
            if (s > 0) {
                float inv = (float) (1.0 / Math.sqrt(s));
                for (int j = 0; j < dim; j++) {
                    rows[off + j] *= inv;
                }
            }
        }
    }
}
