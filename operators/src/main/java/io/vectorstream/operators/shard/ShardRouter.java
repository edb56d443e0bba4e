package io.vectorstream.operators.shard;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Maps ids to shards and shards to the Flink keys that carry them.
 *
 * <p>shard(id) = floorMod(murmur3(utf8(id)), shards), fixed for the life of a collection. Flink
 * hashes keys into key groups, so a handful of raw shard numbers lands unevenly on subtasks (8 keys
 * on 2 subtasks split 6/2). Instead each shard gets as its key the smallest integer that hashes
 * into key group {@code shard * maxParallelism / shards}: shards then sit at evenly spaced key
 * groups, and any parallelism that divides the shard count gets exactly the same number of shards
 * per subtask, before and after a rescale. Immutable.
 */
public final class ShardRouter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shards;
    private final int maxParallelism;
    private final int[] keyOfShard;

    public ShardRouter(int shards, int maxParallelism) {
        if (shards < 1 || maxParallelism % shards != 0) {
            throw new IllegalArgumentException(
                    "shards ("
                            + shards
                            + ") must be positive and divide max parallelism ("
                            + maxParallelism
                            + ")");
        }
        this.shards = shards;
        this.maxParallelism = maxParallelism;
        this.keyOfShard = new int[shards];
        for (int s = 0; s < shards; s++) {
            int targetGroup = s * (maxParallelism / shards);
            int key = 0;
            while (KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism) != targetGroup) {
                key++;
            }
            keyOfShard[s] = key;
        }
    }

    public int shards() {
        return shards;
    }

    public int shardOf(String id) {
        return Math.floorMod(Murmur3.hash32(id.getBytes(StandardCharsets.UTF_8)), shards);
    }

    /** The Flink key (for keyBy) of a shard. */
    public int keyOf(int shard) {
        return keyOfShard[shard];
    }

    /** How many shards live in the given key-group range (the range of one subtask). */
    public int shardsIn(KeyGroupRange range) {
        int n = 0;
        for (int s = 0; s < shards; s++) {
            if (range.contains(s * (maxParallelism / shards))) {
                n++;
            }
        }
        return n;
    }
}
