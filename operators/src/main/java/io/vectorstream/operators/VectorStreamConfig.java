package io.vectorstream.operators;

import io.vectorstream.operators.embed.TextEmbedder;
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
        Limits limits,
        IndexSettings index,
        long sealAfterIdleMs,
        TextSettings text,
        MemorySettings memory)
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
        check(limits != null, "limits are missing");
        check(index != null, "index settings are missing");
        check(text != null, "text settings are missing");
        check(
                text.embedder() == null
                        || dimension == 0
                        || dimension == TextEmbedder.dimension(text.embedder()),
                "collection.embedder "
                        + text.embedder()
                        + " makes "
                        + (text.embedder() == null ? 0 : TextEmbedder.dimension(text.embedder()))
                        + "-d vectors, but collection.dimension is "
                        + dimension);
        check(
                sealAfterIdleMs >= 0,
                "index.seal-after-idle must not be negative, got " + sealAfterIdleMs + " ms");
        String problem = boundsProblem(dimension, index, maxEf, maxNprobe, maxRerank, limits);
        check(problem == null, problem);
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

    /**
     * Why a collection of {@code dimension} (0 while not known) indexed with {@code index} is
     * beyond this job's bounds, or null if it is within them: the upper bounds of {@link
     * IndexSettings}, a default search effort no query could ask for, segments over the size limit.
     */
    public String collectionProblem(int dimension, IndexSettings index) {
        return boundsProblem(dimension, index, maxEf, maxNprobe, maxRerank, limits);
    }

    private static String boundsProblem(
            int dimension,
            IndexSettings index,
            int maxEf,
            int maxNprobe,
            int maxRerank,
            Limits limits) {
        String problem = index.boundsProblem();
        if (problem != null) {
            return problem;
        }
        if (index.hnswEfSearch() > maxEf) {
            return "index.hnsw.ef-search / hnswEfSearch ("
                    + index.hnswEfSearch()
                    + ") must not exceed vectorstream.query.max-ef ("
                    + maxEf
                    + ")";
        }
        if (index.ivfNprobe() > maxNprobe) {
            return "index.ivf.nprobe / ivfNprobe ("
                    + index.ivfNprobe()
                    + ") must not exceed vectorstream.query.max-nprobe ("
                    + maxNprobe
                    + ")";
        }
        if (index.ivfRerank() > maxRerank) {
            return "index.ivf.rerank / ivfRerank ("
                    + index.ivfRerank()
                    + ") must not exceed vectorstream.query.max-rerank ("
                    + maxRerank
                    + ")";
        }
        return limits.segmentProblem(dimension, index.sealSize());
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
                Limits.from(conf),
                IndexSettings.from(conf),
                conf.get(VectorStreamOptions.SEAL_AFTER_IDLE).toMillis(),
                TextSettings.from(conf),
                MemorySettings.from(conf));
    }

    /**
     * The heap budget of the index subtasks of one TaskManager ({@code vectorstream.memory.*}).
     *
     * @param budgetBytes bytes, or 0 for {@code budgetFraction} of the JVM heap
     * @param budgetFraction share of the JVM heap when {@code budgetBytes} is 0
     * @param tierDownAt share of the budget above which segments move to the binary tier
     * @param throttlePauseMs wait of each upsert while the budget is exceeded
     */
    public record MemorySettings(
            long budgetBytes, double budgetFraction, double tierDownAt, long throttlePauseMs)
            implements Serializable {

        public MemorySettings {
            check(budgetBytes >= 0, "memory.budget-bytes must not be negative");
            check(
                    budgetFraction > 0 && budgetFraction <= 0.9,
                    "memory.budget-fraction must be in (0, 0.9], got " + budgetFraction);
            check(
                    tierDownAt > 0 && tierDownAt <= 1,
                    "memory.tier-down-at must be in (0, 1], got " + tierDownAt);
            check(
                    throttlePauseMs >= 1 && throttlePauseMs <= 1000,
                    "memory.throttle-pause must be 1 ms .. 1 s, got " + throttlePauseMs + " ms");
        }

        public static MemorySettings defaults() {
            return from(new Configuration());
        }

        public static MemorySettings from(Configuration conf) {
            return new MemorySettings(
                    conf.get(VectorStreamOptions.MEMORY_BUDGET_BYTES),
                    conf.get(VectorStreamOptions.MEMORY_BUDGET_FRACTION),
                    conf.get(VectorStreamOptions.MEMORY_TIER_DOWN_AT),
                    conf.get(VectorStreamOptions.MEMORY_THROTTLE_PAUSE).toMillis());
        }
    }

    /** The configured collection's embedder, or null. */
    public String embedder() {
        return text.embedder();
    }

    /**
     * Text search and embedding settings.
     *
     * @param embedder the configured collection's embedder (canonical name), or null
     * @param embedderThreads model threads of each embedding subtask
     * @param embedderCapacity most messages in flight in one embedding subtask
     * @param maxQueryTextBytes longest query text, UTF-8 bytes
     * @param maxQueryTerms most distinct terms of a keyword or hybrid query
     * @param rankConstant default RRF rank constant of hybrid queries
     */
    public record TextSettings(
            String embedder,
            int embedderThreads,
            int embedderCapacity,
            int maxQueryTextBytes,
            int maxQueryTerms,
            int rankConstant)
            implements Serializable {

        /** Largest rank constant a query may set. */
        public static final int MAX_RANK_CONSTANT = 10_000;

        public TextSettings {
            check(embedderThreads >= 1, "embedder.threads must be at least 1");
            check(embedderCapacity >= 1, "embedder.capacity must be at least 1");
            check(maxQueryTextBytes >= 1, "query.max-text-bytes must be at least 1");
            check(maxQueryTerms >= 1, "query.max-text-terms must be at least 1");
            check(
                    rankConstant >= 1 && rankConstant <= MAX_RANK_CONSTANT,
                    "query.rank-constant must be 1.." + MAX_RANK_CONSTANT);
        }

        /** The defaults of the options, with no embedder. */
        public static TextSettings defaults() {
            return from(new Configuration());
        }

        public static TextSettings from(Configuration conf) {
            String name = conf.get(VectorStreamOptions.EMBEDDER);
            String embedder = TextEmbedder.canonical(name);
            check(
                    name.isBlank() || embedder != null,
                    "vectorstream.collection.embedder: unknown embedder '"
                            + name
                            + "'; the job has "
                            + TextEmbedder.ALL_MINILM_L6_V2);
            return new TextSettings(
                    embedder,
                    conf.get(VectorStreamOptions.EMBEDDER_THREADS),
                    conf.get(VectorStreamOptions.EMBEDDER_CAPACITY),
                    conf.get(VectorStreamOptions.MAX_QUERY_TEXT_BYTES),
                    conf.get(VectorStreamOptions.MAX_QUERY_TERMS),
                    conf.get(VectorStreamOptions.RANK_CONSTANT));
        }
    }

    /**
     * Upper bounds on what one input may cost: payload and id sizes, filters, collections,
     * metadata, answers and dead letters, segment size and the strong queries held. Every one is a
     * {@code vectorstream.limits.*} option.
     *
     * @param maxRecordBytes largest accepted payload on the vectors, queries and collections topics
     * @param maxIdBytes longest vector, query or request id (and correlation id), UTF-8 bytes
     * @param maxFilterBytes longest query filter, UTF-8 bytes
     * @param maxCollections most collections one job serves
     * @param maxMetadataEntries most metadata entries of one vector
     * @param maxAnswerBytes largest encoded answer; larger ones become ANSWER_TOO_LARGE errors
     * @param maxDeadLetterValueBytes longest prefix of a rejected value a dead letter carries
     * @param maxSegmentBytes largest estimated size of a sealed segment
     * @param maxStrongQueriesHeld most strong queries waiting at once
     */
    public record Limits(
            int maxRecordBytes,
            int maxIdBytes,
            int maxFilterBytes,
            int maxCollections,
            int maxMetadataEntries,
            int maxAnswerBytes,
            int maxDeadLetterValueBytes,
            long maxSegmentBytes,
            int maxStrongQueriesHeld)
            implements Serializable {

        /** What an answer's or dead letter's Kafka record adds besides its value and key. */
        public static final int RECORD_OVERHEAD_BYTES = 4096;

        public Limits {
            check(maxRecordBytes >= 64, "limits.max-record-bytes must be at least 64");
            check(maxIdBytes >= 1, "limits.max-id-bytes must be at least 1");
            check(
                    maxFilterBytes >= 2,
                    "limits.max-filter-bytes must be at least 2 (the size of {}), got "
                            + maxFilterBytes);
            check(maxCollections >= 1, "limits.max-collections must be at least 1");
            check(maxMetadataEntries >= 0, "limits.max-metadata-entries must not be negative");
            check(
                    maxAnswerBytes >= 1024,
                    "limits.max-answer-bytes must be at least 1024 (room for an error answer), got "
                            + maxAnswerBytes);
            check(
                    maxDeadLetterValueBytes >= 0,
                    "limits.max-dead-letter-value-bytes must not be negative");
            check(
                    maxSegmentBytes >= 1 << 20 && maxSegmentBytes <= 1L << 30,
                    "limits.max-segment-bytes must be 1 MiB..1 GiB, got " + maxSegmentBytes);
            check(maxStrongQueriesHeld >= 1, "limits.max-strong-queries-held must be at least 1");
        }

        public static Limits from(Configuration conf) {
            return new Limits(
                    conf.get(VectorStreamOptions.MAX_RECORD_BYTES),
                    conf.get(VectorStreamOptions.MAX_ID_BYTES),
                    conf.get(VectorStreamOptions.MAX_FILTER_BYTES),
                    conf.get(VectorStreamOptions.MAX_COLLECTIONS),
                    conf.get(VectorStreamOptions.MAX_METADATA_ENTRIES),
                    conf.get(VectorStreamOptions.MAX_ANSWER_BYTES),
                    conf.get(VectorStreamOptions.MAX_DEAD_LETTER_VALUE_BYTES),
                    conf.get(VectorStreamOptions.MAX_SEGMENT_BYTES),
                    conf.get(VectorStreamOptions.MAX_STRONG_QUERIES_HELD));
        }

        public static Limits defaults() {
            return from(new Configuration());
        }

        /**
         * Why a collection of {@code dimension} (0: not known yet) sealing every {@code sealSize}
         * vectors would build segments over {@link #maxSegmentBytes} from their vectors alone, or
         * null if it would not.
         */
        public String segmentProblem(int dimension, int sealSize) {
            long vectorBytes = 4L * dimension * sealSize;
            if (vectorBytes <= maxSegmentBytes) {
                return null;
            }
            return "dimension "
                    + dimension
                    + " x seal-size "
                    + sealSize
                    + " x 4 bytes = "
                    + vectorBytes
                    + " bytes of vectors per segment exceeds vectorstream.limits.max-segment-bytes="
                    + maxSegmentBytes
                    + "; lower the seal size to at most "
                    + maxSegmentBytes / (4L * dimension);
        }

        /**
         * The largest value of an answer's or dead letter's record (besides key, headers and
         * overhead), to check against the producer's {@code max.request.size}.
         */
        public long largestOutputRecordBytes() {
            long answer = (long) maxAnswerBytes + 2L * maxIdBytes;
            // A dead letter: value prefix, key prefix in the value and as the Kafka key, reason
            // twice (payload and header).
            long deadLetter =
                    (long) maxDeadLetterValueBytes
                            + 2L * maxIdBytes
                            + 2L * Messages.MAX_CHARS * 4
                            + 1024;
            return Math.max(answer, deadLetter) + RECORD_OVERHEAD_BYTES;
        }
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

        /** Most vectors a growing segment may hold before it is sealed. */
        public static final int MAX_SEAL_SIZE = 1_000_000;

        /** Most build threads per index subtask. */
        public static final int MAX_BUILD_THREADS = 64;

        /** Lucene's bound on HNSW connections per node ({@code MAXIMUM_MAX_CONN}). */
        public static final int MAX_HNSW_M = 512;

        /** Lucene's bound on the HNSW build beam ({@code MAXIMUM_BEAM_WIDTH}). */
        public static final int MAX_HNSW_EF_CONSTRUCTION = 3200;

        /** Milvus's bound on IVF lists. */
        public static final int MAX_IVF_NLIST = 65_536;

        /** Most sealed segments per shard before merging. */
        public static final int MAX_COMPACTION_SEGMENTS = 1000;

        /**
         * Why these settings exceed an upper bound, or null. Checked for the configuration and for
         * every CREATE, not for settings restored from state: a collection created under other
         * bounds keeps working.
         */
        public String boundsProblem() {
            if (sealSize > MAX_SEAL_SIZE) {
                return tooLarge("index.seal-size / sealSize", sealSize, MAX_SEAL_SIZE);
            }
            if (buildThreads > MAX_BUILD_THREADS) {
                return tooLarge("index.build-threads", buildThreads, MAX_BUILD_THREADS);
            }
            if (hnswM > MAX_HNSW_M) {
                return tooLarge("index.hnsw.m / hnswM", hnswM, MAX_HNSW_M);
            }
            if (hnswEfConstruction > MAX_HNSW_EF_CONSTRUCTION) {
                return tooLarge(
                        "index.hnsw.ef-construction / hnswEfConstruction",
                        hnswEfConstruction,
                        MAX_HNSW_EF_CONSTRUCTION);
            }
            if (ivfNlist > MAX_IVF_NLIST) {
                return tooLarge("index.ivf.nlist / ivfNlist", ivfNlist, MAX_IVF_NLIST);
            }
            if (compactionMaxSegments > MAX_COMPACTION_SEGMENTS) {
                return tooLarge(
                        "index.compaction.max-segments / compactionMaxSegments",
                        compactionMaxSegments,
                        MAX_COMPACTION_SEGMENTS);
            }
            return null;
        }

        private static String tooLarge(String setting, long value, long max) {
            return setting + " must be at most " + max + ", got " + value;
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

        /**
         * The merge policy of these settings: tiers start at the seal size; merges never build
         * segments over the bound.
         */
        public CompactionPolicy compactionPolicy(long maxSegmentBytes) {
            return new CompactionPolicy(
                    compactionMaxSegments,
                    compactionDeletedRatio,
                    maxSegmentBytes,
                    sealSize,
                    CompactionPolicy.DEFAULT_MERGE_FACTOR);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid vectorstream setting: " + message);
        }
    }
}
