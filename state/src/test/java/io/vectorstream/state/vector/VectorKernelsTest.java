package io.vectorstream.state.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VectorKernelsTest {

    private static final int[] DIMS = {1, 3, 7, 8, 15, 16, 17, 100, 128, 384, 768, 1000};

    /**
     * Float sums in any order stay within a few hundred ulps of the exact sum of magnitudes for
     * these lengths; a wrong index or a dropped tail is off by whole components.
     */
    private static final double RELATIVE_TOLERANCE = 1e-5;

    static List<Arguments> kernelsAndDims() {
        List<Arguments> cases = new ArrayList<>();
        for (VectorKernels kernel : VectorKernels.available()) {
            for (int dim : DIMS) {
                cases.add(Arguments.of(kernel, dim));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} dim {1}")
    @MethodSource("kernelsAndDims")
    void everyKernelAgreesWithDoublePrecisionAtAnyOffset(VectorKernels kernel, int dim) {
        Random rnd = new Random(31L * dim + kernel.name().hashCode());
        for (int trial = 0; trial < 20; trial++) {
            int aOff = rnd.nextInt(40);
            int bOff = rnd.nextInt(40);
            // NaN around each vector: a kernel reading outside its slice returns NaN.
            float[] a = nanPadded(rnd, aOff, dim, rnd.nextInt(40));
            float[] b = nanPadded(rnd, bOff, dim, rnd.nextInt(40));

            double dot = 0;
            double dotMagnitude = 0;
            double squared = 0;
            for (int i = 0; i < dim; i++) {
                double x = a[aOff + i];
                double y = b[bOff + i];
                dot += x * y;
                dotMagnitude += Math.abs(x * y);
                squared += (x - y) * (x - y);
            }

            assertThat((double) kernel.dot(a, aOff, b, bOff, dim))
                    .as("%s dot, dim %d, offsets %d and %d", kernel, dim, aOff, bOff)
                    .isCloseTo(dot, offset(RELATIVE_TOLERANCE * dotMagnitude));
            assertThat((double) kernel.squaredDistance(a, aOff, b, bOff, dim))
                    .as("%s squaredDistance, dim %d, offsets %d and %d", kernel, dim, aOff, bOff)
                    .isCloseTo(squared, offset(RELATIVE_TOLERANCE * squared));
        }
    }

    @Test
    void zeroLengthVectorsHaveZeroDistance() {
        float[] a = {1f, 2f};
        for (VectorKernels kernel : VectorKernels.available()) {
            assertThat(kernel.dot(a, 1, a, 0, 0)).isZero();
            assertThat(kernel.squaredDistance(a, 2, a, 0, 0)).isZero();
        }
    }

    /**
     * Surefire runs with {@code --add-modules jdk.incubator.vector}: a silent fallback fails here.
     */
    @Test
    void simdKernelIsActiveWhenTheVectorModuleIsPresent() {
        assertThat(ModuleLayer.boot().findModule("jdk.incubator.vector"))
                .as("surefire's argLine must contain --add-modules jdk.incubator.vector")
                .isPresent();
        assertThat(System.getProperty(VectorKernels.KERNEL_PROPERTY)).isNull();

        assertThat(VectorKernels.active().name()).isEqualTo("panama");
        assertThat(VectorKernels.available())
                .extracting(VectorKernels::name)
                .containsExactly("plain", "scalar", "panama");
    }

    @Test
    void vectorMathAndMetricUseTheActiveKernel() {
        Random rnd = new Random(5);
        float[] q = randomVector(rnd, 384);
        float[] base = randomVector(rnd, 3 * 384);
        VectorKernels active = VectorKernels.active();

        assertThat(VectorMath.dot(q, 0, base, 384, 384))
                .isEqualTo(active.dot(q, 0, base, 384, 384));
        assertThat(VectorMath.squaredDistance(q, 0, base, 768, 384))
                .isEqualTo(active.squaredDistance(q, 0, base, 768, 384));
        assertThat(Metric.DOT.score(q, base, 384, 384)).isEqualTo(active.dot(q, 0, base, 384, 384));
        assertThat(Metric.COSINE.score(q, base, 384, 384))
                .isEqualTo(active.dot(q, 0, base, 384, 384));
        assertThat(Metric.EUCLIDEAN.score(q, base, 768, 384))
                .isEqualTo(-active.squaredDistance(q, 0, base, 768, 384));
    }

    @Test
    void kernelsAreFoundByNameAndUnknownNamesAreRejected() {
        assertThat(VectorKernels.named("plain").name()).isEqualTo("plain");
        assertThat(VectorKernels.named("scalar").name()).isEqualTo("scalar");
        assertThatThrownBy(() -> VectorKernels.named("avx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use plain, scalar or panama");
    }

    /** The SIMD class must only be linked reflectively, or a JVM without the module breaks. */
    @Test
    void jvmWithoutTheVectorModuleFallsBackToScalar() throws Exception {
        assertThat(runActiveKernelJvm()).isEqualTo("scalar");
    }

    @Test
    void jvmWithoutTheVectorModuleRejectsForcingPanama() throws Exception {
        assertThat(runActiveKernelJvm("-D" + VectorKernels.KERNEL_PROPERTY + "=panama"))
                .contains("--add-modules jdk.incubator.vector");
    }

    /**
     * Starts a JVM without {@code --add-modules} and returns what {@link PrintActiveKernel}
     * printed.
     */
    private static String runActiveKernelJvm(String... jvmArgs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + "/bin/java");
        command.addAll(Arrays.asList(jvmArgs));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PrintActiveKernel.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** Entry point of the child JVM: prints the active kernel's name, or why there is none. */
    public static final class PrintActiveKernel {
        public static void main(String[] args) {
            try {
                System.out.println(VectorKernels.active().name());
            } catch (LinkageError e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                System.out.println(cause.getMessage());
            }
        }
    }

    private static float[] nanPadded(Random rnd, int before, int dim, int after) {
        float[] v = new float[before + dim + after];
        Arrays.fill(v, Float.NaN);
        for (int i = 0; i < dim; i++) {
            v[before + i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static float[] randomVector(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
