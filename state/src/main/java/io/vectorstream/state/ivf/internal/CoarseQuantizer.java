package io.vectorstream.state.ivf.internal;

import io.vectorstream.state.kmeans.KMeans;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;

/**
 * The coarse quantiser of an inverted-file index: {@code nlist} centroids that decide which list a
 * vector goes to and which lists a query probes.
 *
 * <p>Closeness is the index metric's internal score, so cosine and dot indices pick the centroid
 * with the largest inner product (cosine centroids are trained spherical, i.e. unit length, which
 * makes that the nearest one) and euclidean indices the nearest. Immutable and thread-safe.
 */
public final class CoarseQuantizer {

    private final Metric metric;
    private final int dim;
    private final int nlist;
    private final float[] centroids;

    /**
     * @param centroids {@code nlist * dim} components, centroid {@code l} at offset {@code l * dim}
     */
    public CoarseQuantizer(Metric metric, int dim, float[] centroids) {
        if (dim < 1 || centroids.length == 0 || centroids.length % dim != 0) {
            throw new IllegalArgumentException(
                    centroids.length + " centroid components do not form " + dim + "-d centroids");
        }
        this.metric = metric;
        this.dim = dim;
        this.nlist = centroids.length / dim;
        this.centroids = centroids;
    }

    /** Trains {@code nlist} centroids with k-means on {@code n} row-major vectors. */
    public static CoarseQuantizer train(
            float[] data, int n, int dim, Metric metric, int nlist, int iterations, long seed) {
        boolean spherical = metric == Metric.COSINE;
        float[] centroids = new KMeans(nlist, iterations, spherical, seed).train(data, n, dim);
        return new CoarseQuantizer(metric, dim, centroids);
    }

    public int nlist() {
        return nlist;
    }

    public int dimension() {
        return dim;
    }

    /** The centroids (not copied: do not modify). */
    public float[] centroids() {
        return centroids;
    }

    /** Internal score (higher is closer) of centroid {@code list} for {@code v[off..off+dim)}. */
    public float score(float[] v, int off, int list) {
        int cOff = list * dim;
        return metric == Metric.EUCLIDEAN
                ? -VectorMath.squaredDistance(v, off, centroids, cOff, dim)
                : VectorMath.dot(v, off, centroids, cOff, dim);
    }

    /** Inner product of {@code v[off..off+dim)} with centroid {@code list}. */
    public float dot(float[] v, int off, int list) {
        return VectorMath.dot(v, off, centroids, list * dim, dim);
    }

    /** The list whose centroid is closest to {@code v[off..off+dim)}; ties keep the lower list. */
    public int assign(float[] v, int off) {
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < nlist; l++) {
            float s = score(v, off, l);
            if (s > bestScore) {
                bestScore = s;
                best = l;
            }
        }
        return best;
    }

    /**
     * Writes the {@code top.capacity()} lists closest to {@code query} into {@code lists}, closest
     * first, with their internal scores in {@code scores}, and returns how many were written.
     *
     * @param top scratch heap; its capacity is the number of lists probed
     */
    public int probe(float[] query, TopK top, int[] lists, float[] scores) {
        top.clear();
        for (int l = 0; l < nlist; l++) {
            top.offer(score(query, 0, l), l);
        }
        long[] best = top.drainBestFirst();
        for (int i = 0; i < best.length; i++) {
            lists[i] = TopK.unpackNode(best[i]);
            scores[i] = TopK.unpackScore(best[i]);
        }
        return best.length;
    }

    /** Writes {@code v[vOff..vOff+dim)} minus centroid {@code list} to {@code out[0..dim)}. */
    public void residual(float[] v, int vOff, int list, float[] out) {
        int cOff = list * dim;
        for (int j = 0; j < dim; j++) {
            out[j] = v[vOff + j] - centroids[cOff + j];
        }
    }

    public long memoryBytes() {
        return (long) centroids.length * Float.BYTES;
    }
}
