package io.vectorstream.operators.validate;

import java.util.Map;

/**
 * A validated upsert or delete, routed to its shard; or a strong query's barrier for one shard.
 * Flink POJO.
 */
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

    /**
     * Set on a barrier, not a write: the id of a strong query, released after every vector
     * published before it was read. The validator sends one barrier to every shard ahead of the
     * query, and a keyed channel keeps order, so a shard that sees the barrier has applied those
     * vectors. A barrier has no id and no vector; its {@link #eventTimeMs} is the query's deadline.
     */
    public String barrierQueryId;

    /** A strong query's barrier for {@code shard}; see {@link #barrierQueryId}. */
    public static VectorOp barrier(int shard, int shardKey, String queryId, long deadlineMs) {
        VectorOp b = new VectorOp();
        b.shard = shard;
        b.shardKey = shardKey;
        b.barrierQueryId = queryId;
        b.eventTimeMs = deadlineMs;
        return b;
    }

    public boolean isBarrier() {
        return barrierQueryId != null;
    }

    public VectorOp() {}
}
