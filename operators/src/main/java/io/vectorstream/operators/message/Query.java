package io.vectorstream.operators.message;

import io.vectorstream.state.vector.Metric;

/**
 * A validated query, broadcast to every index instance and registered at the merger. Flink POJO.
 */
public final class Query implements QueryOutcome {
    public String queryId;

    /**
     * Unique per accepted query, unlike {@link #queryId}, which clients choose and may reuse: the
     * merger and the index instances' strong-query bookkeeping key by it, so two queries with the
     * same id never mix their partial answers or strong-query waits.
     */
    public String requestKey;

    /** The collection searched. */
    public String collection;

    /** Its metric, which orders the hits. */
    public Metric metric;

    /**
     * The Flink keys of its shards, by shard number: every index instance searches those it holds.
     */
    public int[] shardKeys;

    /** Metric-prepared query vector. */
    public float[] vector;

    public int k;

    /** Hits skipped before the k answered (paging). */
    public int offset;

    /**
     * How many best hits the search finds, on every index instance and over the collection: k +
     * offset, or the candidates groups are formed from. Read it through {@link #searchDepth()}.
     */
    public int depth;

    /** The metadata key hits are grouped by (then k counts groups); null for no grouping. */
    public String groupBy;

    /** Hits per group with {@link #groupBy}. */
    public int groupSize = 1;

    /**
     * The score a hit must reach, in the metric's user-facing terms: at least this similarity under
     * cosine and dot, at most this L2 distance under euclidean. NaN for none.
     */
    public float threshold = Float.NaN;

    /** What the query ranks by: nearest vectors, BM25 over the texts, or both fused. */
    public SearchMode mode = SearchMode.VECTOR;

    /** The query text; null for none. Embedded when {@link #embedder} is set. */
    public String text;

    /** The distinct terms of {@link #text} that keyword and hybrid search score; null for none. */
    public String[] terms;

    /** Hybrid: the RRF rank constant c (a hit scores the sum of 1 / (c + rank)). */
    public int rankConstant = 60;

    /**
     * The embedder that is to make {@link #vector} from {@link #text} before the query reaches the
     * index (its collection's); null once it has, or when the query needs no embedding.
     */
    public String embedder;

    public boolean includeText;

    public boolean includeMetadata;
    public boolean includeVectors;

    /** HNSW beam width; 0 = the job's default. */
    public int ef;

    /** IVF lists scanned per segment; 0 = the job's default. */
    public int nprobe;

    /** IVF-PQ candidates rescored exactly (0 = none); -1 = the job's default. */
    public int rerank = -1;

    /** The request's metadata filter (JSON text), checked by the query decoder; null for none. */
    public String filter;

    /** Processing time at which the job read the query. */
    public long receivedAtMs;

    /** Processing time after which the merger answers with whatever it has. */
    public long deadlineMs;

    public String replyTo;
    public byte[] correlationId;

    /** Answer in JSON (the request was JSON) instead of Avro. */
    public boolean jsonReply;

    /**
     * Read-your-writes: an index instance answers only once progress markers ({@link
     * ProgressMarker}) have covered {@link #endOffsets} on every shard of the query it holds.
     */
    public boolean strong;

    /**
     * For a strong query, where the vectors topic ended when the query was read: the last offset of
     * each partition that had records, index by index with {@link #endPartitions}. Null otherwise.
     */
    public int[] endPartitions;

    public long[] endOffsets;

    public Query() {}

    /** A copy of this query with {@code vector}, embedded: no longer waiting for the embedder. */
    public Query embedded(float[] vector) {
        Query q = new Query();
        q.queryId = queryId;
        q.requestKey = requestKey;
        q.collection = collection;
        q.metric = metric;
        q.shardKeys = shardKeys;
        q.vector = vector;
        q.k = k;
        q.offset = offset;
        q.depth = depth;
        q.groupBy = groupBy;
        q.groupSize = groupSize;
        q.threshold = threshold;
        q.mode = mode;
        q.text = text;
        q.terms = terms;
        q.rankConstant = rankConstant;
        q.includeText = includeText;
        q.includeMetadata = includeMetadata;
        q.includeVectors = includeVectors;
        q.ef = ef;
        q.nprobe = nprobe;
        q.rerank = rerank;
        q.filter = filter;
        q.receivedAtMs = receivedAtMs;
        q.deadlineMs = deadlineMs;
        q.replyTo = replyTo;
        q.correlationId = correlationId;
        q.jsonReply = jsonReply;
        q.strong = strong;
        q.endPartitions = endPartitions;
        q.endOffsets = endOffsets;
        return q;
    }

    /** {@link #depth}; k for a query held in state from before there was one. */
    public int searchDepth() {
        return depth > 0 ? depth : k + offset;
    }

    /** Whether the query ranks by vector (alone or fused). */
    public boolean searchesVectors() {
        return mode != SearchMode.KEYWORD;
    }

    /** Whether the query ranks by BM25 (alone or fused). */
    public boolean searchesKeywords() {
        return mode != SearchMode.VECTOR;
    }

    /** Whether a hit of this user-facing score passes the query's threshold, if it has one. */
    public boolean admits(float score) {
        if (Float.isNaN(threshold)) {
            return true;
        }
        return metric == Metric.EUCLIDEAN ? score <= threshold : score >= threshold;
    }
}
