package io.vectorstream.state.vector;

/**
 * Vector arithmetic over flat float arrays: distances, norms and normalisation.
 *
 * <p>{@link #dot} and {@link #squaredDistance} run on {@link VectorKernels#active()}, the fastest
 * kernel this JVM supports (SIMD when it was started with {@code --add-modules
 * jdk.incubator.vector}). The kernel is a constant, so the JIT inlines it into the caller's loop.
 * Stateless and thread-safe.
 */
public final class VectorMath {

    private static final VectorKernels KERNELS = VectorKernels.active();

    private VectorMath() {}

    /** Dot product of {@code a[aOff, aOff + dim)} and {@code b[bOff, bOff + dim)}. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        return KERNELS.dot(a, aOff, b, bOff, dim);
    }

    /** Squared L2 distance of {@code a[aOff, aOff + dim)} and {@code b[bOff, bOff + dim)}. */
    public static float squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
        return KERNELS.squaredDistance(a, aOff, b, bOff, dim);
    }

    /** Euclidean norm, computed in double so long vectors do not lose precision. */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /**
     * Scales {@code v} in place to unit length.
     *
     * @throws IllegalArgumentException if {@code v} is all zeros (it has no direction)
     */
    public static void normalize(float[] v) {
        double n = norm(v);
        if (n == 0) {
            throw new IllegalArgumentException("a zero vector cannot be normalised");
        }
        float inv = (float) (1.0 / n);
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
    }

    /** True when every component is a finite number (no NaN, no infinity). */
    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
