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

    /** Hits skipped before the k answered (paging): every index instance finds k + offset. */
    public int offset;

    /**
     * The score a hit must reach, in the metric's user-facing terms: at least this similarity under
     * cosine and dot, at most this L2 distance under euclidean. NaN for none.
     */
    public float threshold = Float.NaN;

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

    /** How many best hits the search must find: the page and everything before it. */
    public int depth() {
        return k + offset;
    }

    /** Whether a hit of this user-facing score passes the query's threshold, if it has one. */
    public boolean admits(float score) {
        if (Float.isNaN(threshold)) {
            return true;
        }
        return metric == Metric.EUCLIDEAN ? score <= threshold : score >= threshold;
    }
}
