package io.vectorstream.operators.validate;

import java.util.Map;

/**
 * A validated upsert or delete, routed to its shard; or a strong query's barrier or a new
 * collection's announcement for one shard. Flink POJO.
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

    /** The Kafka record's timestamp (when it was published): the start of freshness lag. */
    public long publishedAtMs;

    /**
     * Set on a barrier, not a write: the id of a strong query, released after every vector
     * published before it was read. The validator sends one barrier to every shard ahead of the
     * query, and a keyed channel keeps order, so a shard that sees the barrier has applied those
     * vectors. A barrier has no id and no vector; its {@link #eventTimeMs} is the query's deadline.
     */
    public String barrierQueryId;

    /** The strong query's {@link Query#requestKey}, on a barrier: what index instances key by. */
    public String barrierKey;

    /**
     * Set on a collection's announcement, not a write: {@link
     * io.vectorstream.operators.Collection#toBytes()} of a collection just created, sent once to
     * each of its shards before any of its vectors, so the shard knows how to index them.
     */
    public byte[] collection;

    /** Announces a created collection to one of its shards; see {@link #collection}. */
    public static VectorOp announce(int shard, int shardKey, byte[] collection) {
        VectorOp a = new VectorOp();
        a.shard = shard;
        a.shardKey = shardKey;
        a.collection = collection;
        return a;
    }

    public boolean isAnnouncement() {
        return collection != null;
    }

    /** A strong query's barrier for {@code shard}; see {@link #barrierQueryId}. */
    public static VectorOp barrier(
            int shard, int shardKey, String queryId, String requestKey, long deadlineMs) {
        VectorOp b = new VectorOp();
        b.shard = shard;
        b.shardKey = shardKey;
        b.barrierQueryId = queryId;
        b.barrierKey = requestKey;
        b.eventTimeMs = deadlineMs;
        return b;
    }

    public boolean isBarrier() {
        return barrierQueryId != null;
    }

    public VectorOp() {}
}
