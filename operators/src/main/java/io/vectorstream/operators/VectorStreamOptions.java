package io.vectorstream.operators;

import static org.apache.flink.configuration.ConfigOptions.key;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;

/**
 * Every VectorStream setting, with its default and meaning; read once into {@link
 * VectorStreamConfig}.
 */
public final class VectorStreamOptions {

    private VectorStreamOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            key("vectorstream.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers of the topics below.");

    public static final ConfigOption<String> GROUP_ID =
            key("vectorstream.kafka.group-id")
                    .stringType()
                    .defaultValue("vectorstream")
                    .withDescription(
                            "Consumer group prefix; offsets are committed on checkpoints.");

    /**
     * Prefix of Kafka client settings passed to every Kafka client of the job (sources, sinks,
     * admin clients): {@code vectorstream.kafka.properties.security.protocol: SASL_SSL} sets {@code
     * security.protocol}. Read by {@code KafkaClientProperties}.
     */
    public static final String KAFKA_PROPERTIES_PREFIX = "vectorstream.kafka.properties.";

    public static final ConfigOption<String> VECTORS_TOPIC =
            key("vectorstream.topics.vectors")
                    .stringType()
                    .defaultValue("vectors")
                    .withDescription("Topic of upserts and deletes (key = vector id).");

    public static final ConfigOption<String> QUERIES_TOPIC =
            key("vectorstream.topics.queries")
                    .stringType()
                    .defaultValue("queries")
                    .withDescription("Topic of query requests.");

    public static final ConfigOption<String> RESULTS_TOPIC =
            key("vectorstream.topics.results")
                    .stringType()
                    .defaultValue("results")
                    .withDescription("Topic of answers when a request has no 'reply-to' header.");

    public static final ConfigOption<String> COLLECTIONS_TOPIC =
            key("vectorstream.topics.collections")
                    .stringType()
                    .defaultValue("collections")
                    .withDescription(
                            "Topic of control requests (CollectionRequest): create and list"
                                    + " collections.");

    public static final ConfigOption<String> COLLECTION_RESULTS_TOPIC =
            key("vectorstream.topics.collection-results")
                    .stringType()
                    .defaultValue("collections.results")
                    .withDescription(
                            "Topic of answers to control requests that have no 'reply-to'"
                                    + " header.");

    public static final ConfigOption<String> DLQ_TOPIC =
            key("vectorstream.topics.dlq")
                    .stringType()
                    .defaultValue("vectors.dlq")
                    .withDescription("Topic of rejected vector records, with the reason.");

    public static final ConfigOption<String> COLLECTION =
            key("vectorstream.collection.name")
                    .stringType()
                    .defaultValue("default")
                    .withDescription("Name of the collection this job serves.");

    public static final ConfigOption<Integer> DIMENSION =
            key("vectorstream.collection.dimension")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Vector dimension of the collection; other dimensions are rejected. 0"
                                    + " takes it from the first accepted vector and keeps it"
                                    + " (it is checkpointed).");

    public static final ConfigOption<String> METRIC =
            key("vectorstream.collection.metric")
                    .stringType()
                    .defaultValue("cosine")
                    .withDescription("cosine (vectors normalised at ingest), dot or euclidean.");

    public static final ConfigOption<String> EMBEDDER =
            key("vectorstream.collection.embedder")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "all-minilm-l6-v2 to embed records and queries of the configured"
                                    + " collection that carry text and no vector, in the job"
                                    + " (the collection's dimension must then be 0 or 384);"
                                    + " empty for none.");

    public static final ConfigOption<Integer> EMBEDDER_THREADS =
            key("vectorstream.embedder.threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Model threads of each embedding subtask (one runs beside each"
                                    + " vectors-source subtask for records and each queries"
                                    + " subtask for queries), off the task threads.");

    public static final ConfigOption<Integer> EMBEDDER_CAPACITY =
            key("vectorstream.embedder.capacity")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "Most messages in flight in one embedding subtask; more wait upstream"
                                    + " (backpressure).");

    public static final ConfigOption<Integer> MAX_QUERY_TEXT_BYTES =
            key("vectorstream.query.max-text-bytes")
                    .intType()
                    .defaultValue(4096)
                    .withDescription("Longest query text, UTF-8 bytes (TEXT_TOO_LONG).");

    public static final ConfigOption<Integer> MAX_QUERY_TERMS =
            key("vectorstream.query.max-text-terms")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "Most distinct terms a keyword or hybrid query text may have"
                                    + " (TOO_MANY_TERMS): each costs a walk of its postings.");

    public static final ConfigOption<Integer> RANK_CONSTANT =
            key("vectorstream.query.rank-constant")
                    .intType()
                    .defaultValue(60)
                    .withDescription(
                            "Hybrid queries' default RRF rank constant c: a hit scores the sum of"
                                    + " 1 / (c + rank) over the keyword and the vector ranking.");

    public static final ConfigOption<Integer> SHARDS =
            key("vectorstream.collection.shards")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Number of shards; fixed for the life of the collection, independent of"
                                + " parallelism. Must divide max-parallelism; spreads evenly when"
                                + " parallelism divides it. Every query searches every shard, so"
                                + " each costs a graph search per query; but at most this many"
                                + " index subtasks hold the collection.");

    public static final ConfigOption<Integer> MAX_PARALLELISM =
            key("vectorstream.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Flink max parallelism (key groups) of the job; fixed once state"
                                    + " exists.");

    public static final ConfigOption<Integer> MAX_K =
            key("vectorstream.query.max-k")
                    .intType()
                    .defaultValue(1000)
                    .withDescription("Largest k a query may ask for.");

    public static final ConfigOption<Duration> DEFAULT_TIMEOUT =
            key("vectorstream.query.default-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("Deadline of a query that sets no timeoutMs.");

    public static final ConfigOption<Duration> MAX_TIMEOUT =
            key("vectorstream.query.max-timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(60))
                    .withDescription("Largest timeoutMs a query may ask for.");

    public static final ConfigOption<Integer> MAX_EF =
            key("vectorstream.query.max-ef")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "Largest HNSW beam width (ef) a query may ask for; bounds the work of"
                                    + " one query on every HNSW segment.");

    public static final ConfigOption<Integer> MAX_NPROBE =
            key("vectorstream.query.max-nprobe")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "Largest number of IVF lists (nprobe) a query may ask to scan per"
                                    + " segment.");

    public static final ConfigOption<Integer> MAX_RERANK =
            key("vectorstream.query.max-rerank")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription(
                            "Largest rerank a query may ask for: IVF-PQ candidates rescored with"
                                    + " full vectors. In the pq-codes tier each is a RocksDB read,"
                                    + " at most max(k, rerank) per shard and query.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            key("vectorstream.limits.max-record-bytes")
                    .intType()
                    .defaultValue(1 << 20)
                    .withDescription(
                            "Largest accepted payload on the vectors and queries topics, in"
                                    + " bytes.");

    public static final ConfigOption<Integer> MAX_ID_BYTES =
            key("vectorstream.limits.max-id-bytes")
                    .intType()
                    .defaultValue(512)
                    .withDescription("Longest accepted vector or query id, in UTF-8 bytes.");

    public static final ConfigOption<Integer> MAX_FILTER_BYTES =
            key("vectorstream.limits.max-filter-bytes")
                    .intType()
                    .defaultValue(16_384)
                    .withDescription(
                            "Longest accepted query filter (its JSON text), in UTF-8 bytes. A"
                                    + " filter also has at most 256 terms.");

    public static final ConfigOption<Integer> MAX_COLLECTIONS =
            key("vectorstream.limits.max-collections")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "Most collections one job serves, the configured one included.");

    public static final ConfigOption<Integer> MAX_METADATA_ENTRIES =
            key("vectorstream.limits.max-metadata-entries")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Most metadata entries one vector may carry; a record with more is"
                                    + " rejected (METADATA_TOO_LARGE).");

    public static final ConfigOption<Integer> MAX_ANSWER_BYTES =
            key("vectorstream.limits.max-answer-bytes")
                    .intType()
                    .defaultValue(1_000_000)
                    .withDescription(
                            "Largest encoded answer (QueryResponse) the job sends; an answer that"
                                    + " would be larger is replaced by an ANSWER_TOO_LARGE error."
                                    + " With key and headers it must fit the producer's"
                                    + " max.request.size (1 MiB unless set under"
                                    + " vectorstream.kafka.properties).");

    public static final ConfigOption<Integer> MAX_DEAD_LETTER_VALUE_BYTES =
            key("vectorstream.limits.max-dead-letter-value-bytes")
                    .intType()
                    .defaultValue(256 * 1024)
                    .withDescription(
                            "A dead letter carries at most this many bytes of the rejected"
                                    + " value (and at most max-id-bytes of its key), plus the"
                                    + " original sizes.");

    public static final ConfigOption<Long> MAX_SEGMENT_BYTES =
            key("vectorstream.limits.max-segment-bytes")
                    .longType()
                    .defaultValue(512L << 20)
                    .withDescription(
                            "Largest sealed segment, estimated from its vectors, ids, metadata and"
                                    + " index: a growing segment is sealed before it passes this,"
                                    + " merges never build a larger one, and dimension x 4 x"
                                    + " seal-size must stay below it. Keeps a segment's blob far"
                                    + " below the 2 GiB a Java array can hold.");

    public static final ConfigOption<Integer> MAX_STRONG_QUERIES_HELD =
            key("vectorstream.limits.max-strong-queries-held")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription(
                            "Most strong queries waiting at once, per index instance, for the index"
                                + " to catch up; more are rejected (TOO_MANY_STRONG_QUERIES) until"
                                + " some are answered.");

    public static final ConfigOption<String> INDEX_TYPE =
            key("vectorstream.index.type")
                    .stringType()
                    .defaultValue("hnsw")
                    .withDescription(
                            "Index a sealed segment is built as: hnsw, ivf-flat or ivf-pq. The"
                                    + " growing segment is always searched exactly.");

    public static final ConfigOption<String> MEMORY_TIER =
            key("vectorstream.index.memory-tier")
                    .stringType()
                    .defaultValue("full")
                    .withDescription(
                            "What sealed segments keep on the heap: full (every float32 vector),"
                                    + " pq-codes (PQ codes only; needs index.type ivf-pq) or"
                                    + " binary (one-bit codes in k-means lists, any index type);"
                                    + " the compressed tiers read full vectors from RocksDB to"
                                    + " rescore the best candidates.");

    public static final ConfigOption<Integer> SEAL_SIZE =
            key("vectorstream.index.seal-size")
                    .intType()
                    .defaultValue(5_000)
                    .withDescription(
                            "Vectors in a shard's growing segment at which it is sealed into an"
                                    + " immutable index, built in the background.");

    public static final ConfigOption<Duration> SEAL_AFTER_IDLE =
            key("vectorstream.index.seal-after-idle")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "A shard that has had no write for this long seals its growing"
                                    + " segment below the seal size (like Lucene's refresh"
                                    + " interval) and then merges its segments, so an index at"
                                    + " rest is searched through one graph per shard."
                                    + " Job-wide (not a collection setting). 0 seals only at the"
                                    + " seal size and merges only by the tiers.");

    public static final ConfigOption<Integer> BUILD_THREADS =
            key("vectorstream.index.build-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Background threads per index subtask that build sealed segments"
                                    + " (seal and compaction).");

    public static final ConfigOption<Integer> HNSW_M =
            key("vectorstream.index.hnsw.m")
                    .intType()
                    .defaultValue(16)
                    .withDescription("HNSW neighbours per node on upper layers (2m on layer 0).");

    public static final ConfigOption<Integer> HNSW_EF_CONSTRUCTION =
            key("vectorstream.index.hnsw.ef-construction")
                    .intType()
                    .defaultValue(100)
                    .withDescription("HNSW beam width while building a segment.");

    public static final ConfigOption<Integer> HNSW_EF_SEARCH =
            key("vectorstream.index.hnsw.ef-search")
                    .intType()
                    .defaultValue(64)
                    .withDescription(
                            "HNSW beam width while searching; raised to k when a query asks for"
                                    + " more.");

    public static final ConfigOption<Integer> IVF_NLIST =
            key("vectorstream.index.ivf.nlist")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "IVF inverted lists per segment; 0 takes about the square root of the"
                                    + " segment's size.");

    public static final ConfigOption<Integer> IVF_PQ_M =
            key("vectorstream.index.ivf.pq-m")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "IVF-PQ sub-spaces (one byte of code each); must divide the"
                                    + " dimension. 0 picks dimension/8 rounded down to a divisor.");

    public static final ConfigOption<Integer> IVF_NPROBE =
            key("vectorstream.index.ivf.nprobe")
                    .intType()
                    .defaultValue(16)
                    .withDescription("IVF lists scanned per segment and query.");

    public static final ConfigOption<Integer> IVF_RERANK =
            key("vectorstream.index.ivf.rerank")
                    .intType()
                    .defaultValue(100)
                    .withDescription(
                            "IVF-PQ candidates rescored with full vectors, 0 ranks by PQ distance"
                                    + " only: per segment from memory in the full tier; per shard"
                                    + " (the best of all its segments) from RocksDB in the"
                                    + " pq-codes tier.");

    public static final ConfigOption<Integer> COMPACTION_MAX_SEGMENTS =
            key("vectorstream.index.compaction.max-segments")
                    .intType()
                    .defaultValue(8)
                    .withDescription("Sealed segments per shard above which segments are merged.");

    public static final ConfigOption<Double> COMPACTION_DELETED_RATIO =
            key("vectorstream.index.compaction.deleted-ratio")
                    .doubleType()
                    .defaultValue(0.3)
                    .withDescription(
                            "Share of deleted vectors in a sealed segment above which it is"
                                    + " rewritten without them (0 < ratio <= 1).");

    public static final ConfigOption<Long> MEMORY_BUDGET_BYTES =
            key("vectorstream.memory.budget-bytes")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Heap bytes the index subtasks of one TaskManager may fill with"
                                    + " segments (growing, sealed and build copies); 0 takes"
                                    + " memory.budget-fraction of the JVM heap instead.");

    public static final ConfigOption<Double> MEMORY_BUDGET_FRACTION =
            key("vectorstream.memory.budget-fraction")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription(
                            "Share of the TaskManager's JVM heap (-Xmx: framework and task heap)"
                                    + " the index subtasks may fill with segments, when"
                                    + " memory.budget-bytes is 0 (0 < fraction <= 0.9).");

    public static final ConfigOption<Double> MEMORY_TIER_DOWN_AT =
            key("vectorstream.memory.tier-down-at")
                    .doubleType()
                    .defaultValue(0.8)
                    .withDescription(
                            "Share of the budget above which the coldest full sealed segments"
                                    + " move to the binary tier and new segments are built binary"
                                    + " (0 < share <= 1).");

    public static final ConfigOption<Duration> MEMORY_THROTTLE_PAUSE =
            key("vectorstream.memory.throttle-pause")
                    .durationType()
                    .defaultValue(Duration.ofMillis(10))
                    .withDescription(
                            "How long each upsert waits before it is applied while the budget is"
                                    + " exceeded: backpressure on the vectors topic; queries are"
                                    + " answered between the waits (1 ms .. 1 s).");
}
