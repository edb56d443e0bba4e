package io.vectorstream.state.quant;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One-bit codes with per-vector correction terms, after RaBitQ (Gao and Long, SIGMOD 2024): a
 * vector x is centred on c (the data's mean, or its IVF list's centroid), turned by a random
 * rotation R, and kept as the signs of R(x − c) (one bit a dimension) plus three floats: ‖x − c‖,
 * ⟨b, x̂⟩ (x̂ the unit rotated residual, b its sign vector scaled to unit length) and ⟨x − c, c⟩.
 * For a query q,
 *
 * <pre>
 *   ⟨x, q⟩ = ‖x − c‖ · ⟨x̂, R(q − c)⟩ + ⟨x − c, c⟩ + ⟨c, q⟩
 *   ⟨x̂, R(q − c)⟩ ≈ ⟨b, R(q − c)⟩ / ⟨b, x̂⟩
 * </pre>
 *
 * an unbiased estimate whose error is about ‖x − c‖ · ‖q − c‖ / √dim: the query is centred too, so
 * a query near the centre is estimated well however far both are from the origin. Candidates ranked
 * by it are rescored exactly from the full vectors. The rotation spreads the residual's energy over
 * all dimensions, so no sign carries much more than another. Pure JDK, immutable after {@link
 * #train}; {@link #estimator} is per query and not thread-safe.
 */
public final class BinaryQuantizer {

    private final int dim;
    private final int words;
    private final float[] center;

    /** Row-major dim × dim orthogonal matrix. */
    private final float[] rotation;

    private BinaryQuantizer(int dim, float[] center, float[] rotation) {
        this.dim = dim;
        this.words = (dim + 63) / 64;
        this.center = center;
        this.rotation = rotation;
    }

    /**
     * A quantizer for {@code n} vectors of {@code dim} in {@code vectors} (row after row): their
     * mean as the centre and a rotation drawn from {@code seed} (Gram-Schmidt on a Gaussian
     * matrix).
     */
    public static BinaryQuantizer train(float[] vectors, int n, int dim, long seed) {
        if (n < 1 || (long) n * dim > vectors.length) {
            throw new IllegalArgumentException(n + " vectors of " + dim + " do not fit the array");
        }
        double[] mean = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                mean[j] += vectors[i * dim + j];
            }
        }
        float[] center = new float[dim];
        for (int j = 0; j < dim; j++) {
            center[j] = (float) (mean[j] / n);
        }
        return new BinaryQuantizer(dim, center, randomRotation(dim, seed));
    }

    /**
     * This quantizer around another centre, with the same rotation: the codes of one IVF list
     * around its centroid, as RaBitQ keeps them, so that a code describes where a vector lies in
     * its list rather than which list it is in.
     */
    public BinaryQuantizer withCenter(float[] center) {
        if (center.length != dim) {
            throw new IllegalArgumentException(
                    "a centre of dimension " + center.length + " for " + dim + "-d codes");
        }
        return new BinaryQuantizer(dim, center.clone(), rotation);
    }

    public int dimension() {
        return dim;
    }

    /** Bytes of one vector's code and correction terms. */
    public int bytesPerVector() {
        return words * Long.BYTES + 3 * Float.BYTES;
    }

    /** The codes of {@code n} vectors (row after row). */
    public Codes encode(float[] vectors, int n) {
        long[] bits = new long[n * words];
        float[] norms = new float[n];
        float[] factors = new float[n];
        float[] offsets = new float[n];
        float[] residual = new float[dim];
        float[] rotated = new float[dim];
        for (int i = 0; i < n; i++) {
            double offset = 0;
            for (int j = 0; j < dim; j++) {
                residual[j] = vectors[i * dim + j] - center[j];
                offset += (double) residual[j] * center[j];
            }
            offsets[i] = (float) offset;
            rotate(residual, rotated);
            long signs = signs(rotated, dim, bits, i * words);
            norms[i] = Float.intBitsToFloat((int) (signs >>> 32));
            factors[i] = Float.intBitsToFloat((int) signs);
        }
        return new Codes(n, words, bits, norms, factors, offsets);
    }

    /**
     * Sets the sign bits of the rotated residual {@code rotated} from {@code bits[word]} on, and
     * returns its two correction terms packed as float bits: ‖rotated‖ in the high 32 bits and ⟨b,
     * x̂⟩ = Σ|x̂_j| / √dim in the low 32. A zero residual sits on the centre: any factor works (1
     * here), its estimate is ⟨c, q⟩.
     */
    static long signs(float[] rotated, int dim, long[] bits, int word) {
        double norm = 0;
        double abs = 0;
        for (int j = 0; j < dim; j++) {
            norm += (double) rotated[j] * rotated[j];
            abs += Math.abs(rotated[j]);
            if (rotated[j] > 0) {
                bits[word + (j >>> 6)] |= 1L << (j & 63);
            }
        }
        float length = (float) Math.sqrt(norm);
        float factor = norm == 0 ? 1f : (float) (abs / Math.sqrt(norm) / Math.sqrt(dim));
        return (long) Float.floatToRawIntBits(length) << 32
                | (Float.floatToRawIntBits(factor) & 0xffffffffL);
    }

    /** An estimator of ⟨x, query⟩ for every code, with its tables built once for the query. */
    public Estimator estimator(float[] query) {
        float[] residual = new float[dim];
        double centerDot = 0;
        for (int j = 0; j < dim; j++) {
            residual[j] = query[j] - center[j];
            centerDot += (double) center[j] * query[j];
        }
        float[] rotated = new float[dim];
        rotate(residual, rotated);
        return new Estimator(rotated, (float) centerDot, dim, words);
    }

    private void rotate(float[] v, float[] out) {
        for (int r = 0; r < dim; r++) {
            double s = 0;
            int row = r * dim;
            for (int j = 0; j < dim; j++) {
                s += (double) rotation[row + j] * v[j];
            }
            out[r] = (float) s;
        }
    }

    /** Rotations drawn so far, by dimension and seed: indices of one shard share theirs. */
    private static final Map<Long, float[]> ROTATIONS = new ConcurrentHashMap<>();

    /** A few shards' worth of distinct rotations; past it the cache starts over. */
    private static final int MAX_CACHED_ROTATIONS = 16;

    /**
     * The row-major dim × dim orthogonal matrix drawn from {@code seed}: always the same matrix for
     * the same arguments, computed once per JVM while it stays cached. Callers must not change it.
     */
    static float[] rotation(int dim, long seed) {
        long key = seed * 31 + dim;
        float[] cached = ROTATIONS.get(key);
        if (cached != null && cached.length == dim * dim) {
            return cached;
        }
        if (ROTATIONS.size() >= MAX_CACHED_ROTATIONS) {
            ROTATIONS.clear();
        }
        float[] drawn = randomRotation(dim, seed);
        ROTATIONS.put(key, drawn);
        return drawn;
    }

    private static float[] randomRotation(int dim, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] rows = new double[dim][dim];
        for (int r = 0; r < dim; r++) {
            for (int j = 0; j < dim; j++) {
                rows[r][j] = gaussian(random);
            }
            for (int p = 0; p < r; p++) {
                double dot = 0;
                for (int j = 0; j < dim; j++) {
                    dot += rows[r][j] * rows[p][j];
                }
                for (int j = 0; j < dim; j++) {
                    rows[r][j] -= dot * rows[p][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                norm += rows[r][j] * rows[r][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) {
                rows[r][j] /= norm;
            }
        }
        float[] flat = new float[dim * dim];
        for (int r = 0; r < dim; r++) {
            for (int j = 0; j < dim; j++) {
                flat[r * dim + j] = (float) rows[r][j];
            }
        }
        return flat;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The codes of a set of vectors, by ordinal. */
    public record Codes(
            int size, int words, long[] bits, float[] norms, float[] factors, float[] offsets) {}

    /**
     * Estimates ⟨x, q⟩ from a code with one table lookup per byte of it: for each byte position,
     * the sum of the rotated query's components whose bit is set, for all 256 byte values.
     */
    public static final class Estimator {
        private final float[] table;
        private final float total;
        private final float centerDot;
        private final float scale;
        private final int bytes;
        private final int words;

        Estimator(float[] rotated, float centerDot, int dim, int words) {
            this.bytes = (dim + 7) / 8;
            this.words = words;
            this.table = new float[bytes * 256];
            double sum = 0;
            for (int k = 0; k < bytes; k++) {
                for (int value = 1; value < 256; value++) {
                    int low = Integer.numberOfTrailingZeros(value);
                    int j = k * 8 + low;
                    table[k * 256 + value] =
                            table[k * 256 + (value & (value - 1))] + (j < dim ? rotated[j] : 0);
                }
            }
            for (float r : rotated) {
                sum += r;
            }
            this.total = (float) sum;
            this.centerDot = centerDot;
            this.scale = (float) (1 / Math.sqrt(dim));
        }

        /** The estimate of ⟨x, q⟩ for code {@code i}. */
        public float estimate(Codes codes, int i) {
            float set = 0;
            int base = i * words;
            for (int k = 0; k < bytes; k++) {
                int value = (int) (codes.bits()[base + (k >>> 3)] >>> ((k & 7) * 8)) & 0xff;
                set += table[k * 256 + value];
            }
            // <b, R(q − c)> with b_j = ±1/√dim: (set − (total − set)) / √dim.
            float signedDot = (2 * set - total) * scale;
            return codes.norms()[i] * signedDot / codes.factors()[i]
                    + codes.offsets()[i]
                    + centerDot;
        }
    }

    @Override
    public String toString() {
        return "BinaryQuantizer(" + dim + " dims, " + bytesPerVector() + " bytes/vector)";
    }
}
