package io.vectorstream.state.format;

import io.vectorstream.state.vector.Metric;

/**
 * The one-byte metric codes of the IVF and segment formats: 0 cosine, 1 dot, 2 euclidean. (The HNSW
 * format, pinned earlier, uses 1, 2, 3 and keeps its own.)
 */
public final class MetricCodes {

    private MetricCodes() {}

    public static int code(Metric metric) {
        switch (metric) {
            case COSINE:
                return 0;
            case DOT:
                return 1;
            case EUCLIDEAN:
                return 2;
            default:
                throw new AssertionError(metric);
        }
    }

    /**
     * @param what names the data in the error, e.g. "corrupt IVF header"
     * @throws CorruptIndexException for a code no metric has
     */
    public static Metric metric(byte code, String what) throws CorruptIndexException {
        switch (code) {
            case 0:
                return Metric.COSINE;
            case 1:
                return Metric.DOT;
            case 2:
                return Metric.EUCLIDEAN;
            default:
                throw new CorruptIndexException(what + ": unknown metric code " + code);
        }
    }
}
