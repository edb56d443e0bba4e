package io.vectorstream.operators.validate;

import java.util.Map;

/** A validated upsert or delete, routed to its shard. Flink POJO. */
public class VectorOp {
    public int shard;

    /** The Flink key of {@link #shard}; see {@code ShardRouter}. */
    public int shardKey;

    public String id;
    public boolean delete;

    /** Metric-prepared vector (unit length for cosine); null for a delete. */
    public float[] vector;

    public Map<String, String> metadata;
    public String text;
    public long eventTimeMs;

    public VectorOp() {}
}
