package io.vectorstream.operators;

import io.vectorstream.state.segment.CompactionPolicy;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SegmentType;
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
        int maxEf,
        int maxNprobe,
        int maxRerank,
        int maxRecordBytes,
        int maxIdBytes,
        int maxFilterBytes,
        int maxCollections,
        IndexSettings index)
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
        check(maxEf >= 1, "query.max-ef must be at least 1, got " + maxEf);
        check(maxNprobe >= 1, "query.max-nprobe must be at least 1, got " + maxNprobe);
        check(maxRerank >= 0, "query.max-rerank must not be negative, got " + maxRerank);
        check(maxRecordBytes >= 64, "limits.max-record-bytes must be at least 64");
        check(maxIdBytes >= 1, "limits.max-id-bytes must be at least 1");
        check(
                maxFilterBytes >= 2,
                "limits.max-filter-bytes must be at least 2 (the size of {}), got "
                        + maxFilterBytes);
        check(maxCollections >= 1, "limits.max-collections must be at least 1");
        check(index != null, "index settings are missing");
        check(
                dimension == 0
                        || index.type() != SegmentType.IVF_PQ
                        || index.ivfPqM() == 0
                        || dimension % index.ivfPqM() == 0,
                "index.ivf.pq-m ("
                        + index.ivfPqM()
                        + ") must divide collection.dimension ("
                        + dimension
                        + "); use a divisor or 0 to pick one");
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
                conf.get(VectorStreamOptions.MAX_EF),
                conf.get(VectorStreamOptions.MAX_NPROBE),
                conf.get(VectorStreamOptions.MAX_RERANK),
                conf.get(VectorStreamOptions.MAX_RECORD_BYTES),
                conf.get(VectorStreamOptions.MAX_ID_BYTES),
                conf.get(VectorStreamOptions.MAX_FILTER_BYTES),
                conf.get(VectorStreamOptions.MAX_COLLECTIONS),
                IndexSettings.from(conf));
    }

    /**
     * How shards index their vectors: the sealed segments' index type and memory tier, when to seal
     * and compact, and the build and search parameters.
     *
     * @param type index of a sealed segment
     * @param memoryTier what sealed segments keep on the heap; PQ_CODES needs IVF_PQ
     * @param sealSize growing vectors per shard at which they are sealed
     * @param buildThreads background build threads per index subtask
     * @param hnswM HNSW neighbours per node on upper layers
     * @param hnswEfConstruction HNSW beam width while building
     * @param hnswEfSearch HNSW beam width while searching (at least k)
     * @param ivfNlist IVF lists per segment, 0 for about sqrt(segment size)
     * @param ivfPqM IVF-PQ sub-spaces, 0 for automatic
     * @param ivfNprobe IVF lists scanned per query
     * @param ivfRerank IVF-PQ candidates rescored with full vectors
     * @param compactionMaxSegments sealed segments per shard above which they are merged
     * @param compactionDeletedRatio dead share of a segment above which it is rewritten
     */
    public record IndexSettings(
            SegmentType type,
            MemoryTier memoryTier,
            int sealSize,
            int buildThreads,
            int hnswM,
            int hnswEfConstruction,
            int hnswEfSearch,
            int ivfNlist,
            int ivfPqM,
            int ivfNprobe,
            int ivfRerank,
            int compactionMaxSegments,
            double compactionDeletedRatio)
            implements Serializable {

        public IndexSettings {
            check(type != null && memoryTier != null, "index.type and index.memory-tier are set");
            check(
                    memoryTier != MemoryTier.PQ_CODES || type == SegmentType.IVF_PQ,
                    "index.memory-tier pq-codes keeps only PQ codes in memory, so it needs"
                            + " index.type ivf-pq (got "
                            + type.configName()
                            + "); set index.type: ivf-pq or index.memory-tier: full");
            check(sealSize >= 1, "index.seal-size must be at least 1, got " + sealSize);
            check(buildThreads >= 1, "index.build-threads must be at least 1, got " + buildThreads);
            check(hnswM >= 2, "index.hnsw.m must be at least 2, got " + hnswM);
            check(
                    hnswEfConstruction >= 1,
                    "index.hnsw.ef-construction must be at least 1, got " + hnswEfConstruction);
            check(
                    hnswEfSearch >= 1,
                    "index.hnsw.ef-search must be at least 1, got " + hnswEfSearch);
            check(ivfNlist >= 0, "index.ivf.nlist must be 0 (automatic) or positive");
            check(ivfPqM >= 0, "index.ivf.pq-m must be 0 (automatic) or positive");
            check(ivfNprobe >= 1, "index.ivf.nprobe must be at least 1, got " + ivfNprobe);
            check(ivfRerank >= 0, "index.ivf.rerank must not be negative, got " + ivfRerank);
            check(
                    compactionMaxSegments >= 1,
                    "index.compaction.max-segments must be at least 1, got "
                            + compactionMaxSegments);
            check(
                    compactionDeletedRatio > 0 && compactionDeletedRatio <= 1,
                    "index.compaction.deleted-ratio must be in (0, 1], got "
                            + compactionDeletedRatio);
        }

        /** The settings in {@code conf}, defaults for those it does not set. */
        public static IndexSettings from(Configuration conf) {
            return new IndexSettings(
                    SegmentType.parse(conf.get(VectorStreamOptions.INDEX_TYPE)),
                    MemoryTier.parse(conf.get(VectorStreamOptions.MEMORY_TIER)),
                    conf.get(VectorStreamOptions.SEAL_SIZE),
                    conf.get(VectorStreamOptions.BUILD_THREADS),
                    conf.get(VectorStreamOptions.HNSW_M),
                    conf.get(VectorStreamOptions.HNSW_EF_CONSTRUCTION),
                    conf.get(VectorStreamOptions.HNSW_EF_SEARCH),
                    conf.get(VectorStreamOptions.IVF_NLIST),
                    conf.get(VectorStreamOptions.IVF_PQ_M),
                    conf.get(VectorStreamOptions.IVF_NPROBE),
                    conf.get(VectorStreamOptions.IVF_RERANK),
                    conf.get(VectorStreamOptions.COMPACTION_MAX_SEGMENTS),
                    conf.get(VectorStreamOptions.COMPACTION_DELETED_RATIO));
        }

        public static IndexSettings defaults() {
            return from(new Configuration());
        }

        public CompactionPolicy compactionPolicy() {
            return new CompactionPolicy(compactionMaxSegments, compactionDeletedRatio);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid vectorstream setting: " + message);
        }
    }
}
