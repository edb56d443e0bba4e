package io.vectorstream.operators;

import io.vectorstream.state.vector.Metric;
import java.io.Serializable;
import org.apache.flink.configuration.Configuration;

/**
 * The settings the operators need, read once from a Flink {@link Configuration} and then immutable.
 * Serializable because operators carry it into the cluster.
 */
public record VectorStreamConfig(
        String collection,
        int dimension,
        Metric metric,
        int shards,
        int maxParallelism,
        int maxK,
        long defaultTimeoutMs,
        long maxTimeoutMs,
        int maxRecordBytes,
        int maxIdBytes)
        implements Serializable {

    /** Largest supported vector dimension. */
    public static final int MAX_DIMENSION = 65536;

    public VectorStreamConfig {
        check(
                dimension >= 0 && dimension <= MAX_DIMENSION,
                "collection.dimension must be 0 (taken from the first vector) or 1.."
                        + MAX_DIMENSION
                        + ", got "
                        + dimension);
        check(shards >= 1, "collection.shards must be at least 1, got " + shards);
        check(
                maxParallelism >= shards && maxParallelism % shards == 0,
                "max-parallelism ("
                        + maxParallelism
                        + ") must be a multiple of collection.shards ("
                        + shards
                        + ") so every shard maps to its own key group");
        check(maxK >= 1, "query.max-k must be at least 1");
        check(
                defaultTimeoutMs >= 1 && defaultTimeoutMs <= maxTimeoutMs,
                "query.default-timeout must be positive and at most query.max-timeout");
        check(maxRecordBytes >= 64, "limits.max-record-bytes must be at least 64");
        check(maxIdBytes >= 1, "limits.max-id-bytes must be at least 1");
    }

    public static VectorStreamConfig from(Configuration conf) {
        return new VectorStreamConfig(
                conf.get(VectorStreamOptions.COLLECTION),
                conf.get(VectorStreamOptions.DIMENSION),
                Metric.parse(conf.get(VectorStreamOptions.METRIC)),
                conf.get(VectorStreamOptions.SHARDS),
                conf.get(VectorStreamOptions.MAX_PARALLELISM),
                conf.get(VectorStreamOptions.MAX_K),
                conf.get(VectorStreamOptions.DEFAULT_TIMEOUT).toMillis(),
                conf.get(VectorStreamOptions.MAX_TIMEOUT).toMillis(),
                conf.get(VectorStreamOptions.MAX_RECORD_BYTES),
                conf.get(VectorStreamOptions.MAX_ID_BYTES));
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid vectorstream setting: " + message);
        }
    }
}
