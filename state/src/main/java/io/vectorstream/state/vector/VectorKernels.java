package io.vectorstream.state.vector;

import io.vectorstream.state.vector.internal.KernelSelection;
import java.util.List;

/**
 * Distance kernels over vectors stored in flat {@code float[]} arrays at an offset: the only code
 * that multiplies vector components.
 *
 * <p>Three implementations, all computing the same sums in a different order:
 *
 * <ul>
 *   <li>{@code plain}: one accumulator, one multiply-add after another. The reference the others
 *       are tested against; slow because every addition waits for the previous one.
 *   <li>{@code scalar}: unrolled with eight independent {@link Math#fma} accumulators, which is
 *       what the JIT can do best without SIMD (about 2.5x {@code plain}).
 *   <li>{@code panama}: {@code jdk.incubator.vector}, as wide as the CPU allows. Only available
 *       when the JVM was started with {@code --add-modules jdk.incubator.vector}; its class is
 *       loaded reflectively so a JVM without the module never touches it.
 * </ul>
 *
 * <p>{@link #active()} is chosen once per JVM: {@code panama} when the module is present, {@code
 * scalar} otherwise (BENCHMARKS.md, "Distance kernels"), unless the system property {@value
 * #KERNEL_PROPERTY} names one. {@link VectorMath} and {@link Metric} dispatch to it, so callers
 * normally never see this interface.
 *
 * <p>Implementations are stateless and thread-safe. Results of different kernels differ in the last
 * bits (summation order), never by more than float rounding.
 */
public interface VectorKernels {

    /**
     * System property forcing a kernel by name ({@code plain}, {@code scalar} or {@code panama}),
     * for benchmarks. Naming one this JVM cannot run fails the first use of a kernel.
     */
    String KERNEL_PROPERTY = "vectorstream.kernels";

    /** Short name: {@code plain}, {@code scalar} or {@code panama}. */
    String name();

    /** Sum of {@code a[aOff + i] * b[bOff + i]} for {@code i < dim}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int dim);

    /** Sum of {@code (a[aOff + i] - b[bOff + i])^2} for {@code i < dim}. */
    float squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim);

    /**
     * The kernel this JVM uses: the fastest available, or the one {@value #KERNEL_PROPERTY} names.
     */
    static VectorKernels active() {
        return KernelSelection.ACTIVE;
    }

    /** Every kernel this JVM can run, reference first. */
    static List<VectorKernels> available() {
        return KernelSelection.available();
    }

    /**
     * The kernel called {@code name}.
     *
     * @throws IllegalArgumentException if there is no such kernel or this JVM cannot run it (the
     *     message says why)
     */
    static VectorKernels named(String name) {
        return KernelSelection.named(name);
    }
}
