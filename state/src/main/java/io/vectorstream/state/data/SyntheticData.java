package io.vectorstream.state.data;

import io.vectorstream.state.vector.VectorMath;
import java.util.Random;

/**
 * Seeded synthetic vectors that look like embeddings more than uniform noise does: points drawn
 * around random cluster centres, so that nearest neighbours are meaningful and graph indices face
 * the same locality they meet on real data.
 */
public final class SyntheticData {

    private SyntheticData() {}

    /**
     * {@code n} vectors of {@code dim} components around {@code clusters} centres.
     *
     * @param spread standard deviation of a point around its centre, relative to the centres' own
     *     spread of 1 (0.3 to 0.6 gives realistic overlap)
     * @param normalize scale every vector to unit length (for cosine and dot)
     */
    public static float[][] clustered(
            int n, int dim, int clusters, double spread, boolean normalize, long seed) {
        Random rnd = new Random(seed);
        float[][] centres = new float[clusters][dim];
        for (float[] c : centres) {
            for (int i = 0; i < dim; i++) {
                c[i] = (float) rnd.nextGaussian();
            }
        }
        float[][] out = new float[n][dim];
        for (int v = 0; v < n; v++) {
            float[] c = centres[rnd.nextInt(clusters)];
            for (int i = 0; i < dim; i++) {
                out[v][i] = c[i] + (float) (spread * rnd.nextGaussian());
            }
            if (normalize) {
                VectorMath.normalize(out[v]);
            }
        }
        return out;
    }
}
