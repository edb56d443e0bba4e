package io.vectorstream.bench.jmh;

import io.vectorstream.state.vector.VectorKernels;
import io.vectorstream.state.vector.VectorMath;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per distance for each {@link VectorKernels} implementation, one thread, both vectors
 * in L1 cache: the compute cost of a kernel, not the memory cost of a scan.
 *
 * <p>{@code dot} and {@code squaredDistance} call the kernel named by {@code kernel}; {@code
 * vectorMathDot} calls {@link VectorMath#dot}, the static entry point the indexes use, to show the
 * dispatch to the active kernel costs nothing. Run with {@code bench/run-jmh.sh DistanceBench};
 * results in BENCHMARKS.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class DistanceBench {

    /** Two random vectors of {@code dim} components, the second at an offset in a larger array. */
    @State(Scope.Thread)
    public static class Vectors {
        @Param({"128", "384", "768"})
        int dim;

        float[] query;
        float[] base;
        int offset;

        @Setup
        public void setUp() {
            Random rnd = new Random(42);
            query = new float[dim];
            base = new float[3 * dim];
            for (int i = 0; i < dim; i++) {
                query[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < base.length; i++) {
                base[i] = (float) rnd.nextGaussian();
            }
            offset = dim;
        }
    }

    /** The kernel under test, by name. */
    @State(Scope.Thread)
    public static class Kernel {
        @Param({"plain", "scalar", "panama"})
        String kernel;

        VectorKernels kernels;

        @Setup
        public void setUp() {
            kernels = VectorKernels.named(kernel);
        }
    }

    @Benchmark
    public float dot(Vectors v, Kernel k) {
        return k.kernels.dot(v.query, 0, v.base, v.offset, v.dim);
    }

    @Benchmark
    public float squaredDistance(Vectors v, Kernel k) {
        return k.kernels.squaredDistance(v.query, 0, v.base, v.offset, v.dim);
    }

    @Benchmark
    public float vectorMathDot(Vectors v) {
        return VectorMath.dot(v.query, 0, v.base, v.offset, v.dim);
    }
}
