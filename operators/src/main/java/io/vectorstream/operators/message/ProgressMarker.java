package io.vectorstream.operators.message;

/**
 * A vector decoder's word to one shard: "every record up to these offsets of these vectors
 * partitions has been processed, and whatever of it goes to you was sent ahead of this marker".
 * Channels are FIFO, so the shard has then applied those records; a strong query waits at the index
 * until markers cover where the vectors topic ended when it was read. Flink POJO.
 */
public final class ProgressMarker implements ShardMessage {
    public int shardKey;

    /** Vectors partitions, and the highest offset processed in each, index by index. */
    public int[] partitions;

    public long[] offsets;

    public ProgressMarker() {}

    public ProgressMarker(int shardKey, int[] partitions, long[] offsets) {
        this.shardKey = shardKey;
        this.partitions = partitions;
        this.offsets = offsets;
    }

    @Override
    public int shardKey() {
        return shardKey;
    }
}
