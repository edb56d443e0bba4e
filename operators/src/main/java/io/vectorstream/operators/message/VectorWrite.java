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

    /**
     * The embedder that is to make {@link #vector} from {@link #text} before the write reaches its
     * shard (the collection's, for an upsert with text and no vector); null once it has, or when
     * the write brings its vector.
     */
    public String embedder;

    /** Why the write could not be applied (its embedding failed): the shard dead-letters it. */
    public String failure;

    public VectorWrite() {}

    /** A copy of this write with {@code vector}, embedded: no longer waiting for the embedder. */
    public VectorWrite embedded(float[] vector) {
        VectorWrite w = copy();
        w.vector = vector;
        return w;
    }

    /** A copy of this write that its shard dead-letters for {@code reason}. */
    public VectorWrite failed(String reason) {
        VectorWrite w = copy();
        w.failure = reason;
        return w;
    }

    private VectorWrite copy() {
        VectorWrite w = new VectorWrite();
        w.shard = shard;
        w.shardKey = shardKey;
        w.id = id;
        w.delete = delete;
        w.vector = vector;
        w.metadata = metadata;
        w.text = text;
        w.eventTimeMs = eventTimeMs;
        w.publishedAtMs = publishedAtMs;
        w.sourceTopic = sourceTopic;
        w.sourcePartition = sourcePartition;
        w.sourceOffset = sourceOffset;
        return w;
    }

    @Override
    public int shardKey() {
        return shardKey;
    }
}
