package io.vectorstream.operators.message;

import java.util.Map;

/** A validated upsert or delete of one id, routed to its shard. Flink POJO. */
public final class VectorWrite implements ShardMessage {
    public int shard;

    /** The Flink key of {@link #shard}. */
    public int shardKey;

    public String id;
    public boolean delete;

    /** Metric-prepared vector (unit length for cosine); null for a delete. */
    public float[] vector;

    public Map<String, String> metadata;
    public String text;
    public long eventTimeMs;

    /** The Kafka record's timestamp (when it was published): the start of freshness lag. */
    public long publishedAtMs;

    /**
     * Where the record came from, so the index can dead-letter it too: a collection whose dimension
     * is taken from its first vector is only checked against it by the shard (see the README).
     */
    public String sourceTopic;

    public int sourcePartition;
    public long sourceOffset;

    public VectorWrite() {}

    @Override
    public int shardKey() {
        return shardKey;
    }
}
