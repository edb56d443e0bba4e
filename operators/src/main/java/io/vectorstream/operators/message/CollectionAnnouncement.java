package io.vectorstream.operators.message;

/**
 * A created collection's settings ({@code Collection#toBytes()}), sent to each of its shards before
 * any of its vectors, so the shard knows how to index them. Every decoder sends it; a shard keeps
 * the first. Flink POJO.
 */
public final class CollectionAnnouncement implements ShardMessage {
    public int shard;
    public int shardKey;
    public byte[] collection;

    public CollectionAnnouncement() {}

    public CollectionAnnouncement(int shard, int shardKey, byte[] collection) {
        this.shard = shard;
        this.shardKey = shardKey;
        this.collection = collection;
    }

    @Override
    public int shardKey() {
        return shardKey;
    }
}
