package io.vectorstream.state.vector.internal;

import io.vectorstream.state.vector.VectorKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD kernel, on {@code jdk.incubator.vector}: full vectors of the widest species the CPU
 * supports, four independent vector {@code fma} accumulators, then a scalar tail for the components
 * that do not fill a vector. Four accumulators hide the multiply-add latency: with 256-bit vectors
 * (as on AVX2) they take a 768-d dot from about 130 to 80 ns; with 512-bit vectors they make no
 * consistent difference (BENCHMARKS.md, "Distance kernels").
 *
 * <p>Only {@link KernelSelection} refers to this class, and only reflectively: linking it needs the
 * {@code jdk.incubator.vector} module, which the JVM resolves only with {@code --add-modules
 * jdk.incubator.vector}.
 */
public final class PanamaKernels implements VectorKernels {

    public static final String NAME = "panama";

    /**
     * Must stay a static final constant: the JIT only compiles vector operations to SIMD
     * instructions when it can see the species as a constant. Passed around as a variable, the
     * Vector API runs its Java fallback: measured ten times slower, slower even than the scalar
     * kernel.
     */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Width in bits of the vectors this kernel uses; below 128 it is not worth selecting. */
    public static int vectorBitSize() {
        return SPECIES.vectorBitSize();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        int lanes = SPECIES.length();
        int i = 0;
        float sum = 0f;
        if (dim >= lanes) {
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = FloatVector.zero(SPECIES);
            FloatVector acc2 = FloatVector.zero(SPECIES);
            FloatVector acc3 = FloatVector.zero(SPECIES);
            for (int bound = dim - 4 * lanes; i <= bound; i += 4 * lanes) {
                acc0 = load(a, aOff + i).fma(load(b, bOff + i), acc0);
                acc1 = load(a, aOff + i + lanes).fma(load(b, bOff + i + lanes), acc1);
                acc2 = load(a, aOff + i + 2 * lanes).fma(load(b, bOff + i + 2 * lanes), acc2);
                acc3 = load(a, aOff + i + 3 * lanes).fma(load(b, bOff + i + 3 * lanes), acc3);
            }
            for (int bound = dim - lanes; i <= bound; i += lanes) {
                acc0 = load(a, aOff + i).fma(load(b, bOff + i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            sum = Math.fma(a[aOff + i], b[bOff + i], sum);
        }
        return sum;
    }

    @Override
    public float squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
        int lanes = SPECIES.length();
        int i = 0;
        float sum = 0f;
        if (dim >= lanes) {
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = FloatVector.zero(SPECIES);
            FloatVector acc2 = FloatVector.zero(SPECIES);
            FloatVector acc3 = FloatVector.zero(SPECIES);
            for (int bound = dim - 4 * lanes; i <= bound; i += 4 * lanes) {
                FloatVector d0 = load(a, aOff + i).sub(load(b, bOff + i));
                FloatVector d1 = load(a, aOff + i + lanes).sub(load(b, bOff + i + lanes));
                FloatVector d2 = load(a, aOff + i + 2 * lanes).sub(load(b, bOff + i + 2 * lanes));
                FloatVector d3 = load(a, aOff + i + 3 * lanes).sub(load(b, bOff + i + 3 * lanes));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            for (int bound = dim - lanes; i <= bound; i += lanes) {
                FloatVector d = load(a, aOff + i).sub(load(b, bOff + i));
                acc0 = d.fma(d, acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < dim; i++) {
            float d = a[aOff + i] - b[bOff + i];
            sum = Math.fma(d, d, sum);
        }
        return sum;
    }

    private static FloatVector load(float[] v, int offset) {
        return FloatVector.fromArray(SPECIES, v, offset);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
