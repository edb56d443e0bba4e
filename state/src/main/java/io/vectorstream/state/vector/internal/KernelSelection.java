package io.vectorstream.state.vector.internal;

import io.vectorstream.state.vector.VectorKernels;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Chooses the {@link VectorKernels} of this JVM once, when the class is initialised.
 *
 * <p>Steps:
 *
 * <ol>
 *   <li>Try the SIMD kernel: only if {@code jdk.incubator.vector} is in the boot layer is {@link
 *       PanamaKernels} loaded, by name, and any failure to link it is caught and remembered, so a
 *       JVM without the module (or with an incompatible one) keeps working on the scalar kernel.
 *   <li>If {@link VectorKernels#KERNEL_PROPERTY} names a kernel, use it; naming one this JVM cannot
 *       run is an error rather than a quiet fallback, since it is only set to benchmark.
 *   <li>Otherwise use SIMD if it loaded, else the unrolled scalar kernel.
 * </ol>
 */
public final class KernelSelection {

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String PANAMA_CLASS =
            "io.vectorstream.state.vector.internal.PanamaKernels";

    private static final VectorKernels PLAIN = new PlainKernels();
    private static final VectorKernels SCALAR = new ScalarKernels();

    private static final Simd SIMD = Simd.load();

    public static final VectorKernels ACTIVE =
            choose(System.getProperty(VectorKernels.KERNEL_PROPERTY));

    private KernelSelection() {}

    public static List<VectorKernels> available() {
        return SIMD.kernel == null ? List.of(PLAIN, SCALAR) : List.of(PLAIN, SCALAR, SIMD.kernel);
    }

    public static VectorKernels named(String name) {
        switch (name.trim()) {
            case PlainKernels.NAME:
                return PLAIN;
            case ScalarKernels.NAME:
                return SCALAR;
            case PanamaKernels.NAME:
                if (SIMD.kernel == null) {
                    throw new IllegalArgumentException(
                            "the panama kernel is unavailable in this JVM: " + SIMD.problem);
                }
                return SIMD.kernel;
            default:
                throw new IllegalArgumentException(
                        "unknown vector kernel '" + name + "'; use plain, scalar or panama");
        }
    }

    private static VectorKernels choose(String forced) {
        if (forced != null && !forced.isBlank()) {
            return named(forced);
        }
        return SIMD.kernel != null ? SIMD.kernel : SCALAR;
    }

    /** The SIMD kernel, or (kernel null) why this JVM cannot run it. */
    private record Simd(VectorKernels kernel, String problem) {

        static Simd load() {
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                return unavailable("start the JVM with --add-modules " + VECTOR_MODULE, null);
            }
            try {
                Class<?> type = Class.forName(PANAMA_CLASS);
                int bits = (int) type.getMethod("vectorBitSize").invoke(null);
                if (bits < 128) {
                    return unavailable("the CPU's widest vector is only " + bits + " bits", null);
                }
                return new Simd((VectorKernels) type.getConstructor().newInstance(), null);
            } catch (LinkageError | ReflectiveOperationException | RuntimeException e) {
                return unavailable("it failed to load: " + e, e);
            }
        }

        private static Simd unavailable(String why, Throwable cause) {
            System.getLogger(KernelSelection.class.getName())
                    .log(Level.DEBUG, "SIMD distance kernel unavailable: " + why, cause);
            return new Simd(null, why);
        }
    }
}
