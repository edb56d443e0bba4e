package io.vectorstream.bench.cluster;

/**
 * The rate of a cumulative counter over a window: the least-squares slope of its samples against
 * time. A slope, not (last − first) / time, because the counters read over Flink's REST API are
 * stale by up to one metric fetch, and Flink adds a task's current idle stretch to its accumulated
 * idle (hence busy) time only every 5 s: both errors average out over the samples of a window,
 * where the two end points alone would carry them whole. Stateless.
 */
final class CounterRate {

    private CounterRate() {}

    /**
     * Per second, from {@code values[i]} read at {@code nanos[i]}; NaN with fewer than 3 samples or
     * no time between them.
     */
    static double perSecond(long[] nanos, double[] values) {
        int n = nanos.length;
        if (n < 3) {
            return Double.NaN;
        }
        double meanT = 0;
        double meanV = 0;
        for (int i = 0; i < n; i++) {
            meanT += (nanos[i] - nanos[0]) / 1e9;
            meanV += values[i];
        }
        meanT /= n;
        meanV /= n;
        double cov = 0;
        double var = 0;
        for (int i = 0; i < n; i++) {
            double dt = (nanos[i] - nanos[0]) / 1e9 - meanT;
            cov += dt * (values[i] - meanV);
            var += dt * dt;
        }
        return var == 0 ? Double.NaN : cov / var;
    }
}
