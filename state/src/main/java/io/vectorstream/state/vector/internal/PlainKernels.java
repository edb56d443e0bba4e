package io.vectorstream.state.vector.internal;

import io.vectorstream.state.vector.VectorKernels;

/**
 * The reference kernel: one accumulator, components in order. Every addition depends on the one
 * before, so it runs at one multiply-add per floating point latency; kept to test and benchmark the
 * fast kernels against, never chosen automatically.
 */
public final class PlainKernels implements VectorKernels {

    public static final String NAME = "plain";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public float squaredDistance(float[] a, int aOff, float[] b, int bOff, int dim) {
        float sum = 0f;
        for (int i = 0; i < dim; i++) {
            float d = a[aOff + i] - b[bOff + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
