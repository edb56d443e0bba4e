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
 * per subtask, before and after a rescale.
 *
 * <p>Collections share the key space: collection {@code ordinal} searches from {@code ordinal *
 * maxParallelism * 64}, a window so wide (each key group is hit with probability 1/maxParallelism
 * per integer) that its keys never reach the next collection's. The configured collection has
 * ordinal 0, so its keys are the ones a single-collection job always used. Immutable.
 */
public final class ShardRouter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shards;
    private final int maxParallelism;
    private final int[] keyOfShard;

    /** Width of one collection's key window, in multiples of max parallelism. */
    private static final int WINDOW = 64;

    public ShardRouter(int shards, int maxParallelism) {
        this(shards, maxParallelism, 0);
    }

    /**
     * @param ordinal the collection's ordinal; see the class comment
     */
    public ShardRouter(int shards, int maxParallelism, int ordinal) {
        if (shards < 1 || maxParallelism % shards != 0) {
            throw new IllegalArgumentException(
                    "shards ("
                            + shards
                            + ") must be positive and divide max parallelism ("
                            + maxParallelism
                            + ")");
        }
        long window = (long) maxParallelism * WINDOW;
        if (ordinal < 0 || (ordinal + 1) * window > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "collection ordinal "
                            + ordinal
                            + " is out of range for max parallelism "
                            + maxParallelism);
        }
        this.shards = shards;
        this.maxParallelism = maxParallelism;
        this.keyOfShard = new int[shards];
        int first = (int) (ordinal * window);
        for (int s = 0; s < shards; s++) {
            int targetGroup = s * (maxParallelism / shards);
            int key = first;
            while (KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism) != targetGroup) {
                key++;
            }
            if (key >= first + window) {
                throw new IllegalStateException("no key for shard " + s + " in its window");
            }
            keyOfShard[s] = key;
        }
    }

    public int shards() {
        return shards;
    }

    public int shardOf(String id) {
        return shardOf(id, shards);
    }

    /** The shard of {@code id} in a collection of {@code shards} shards. */
    public static int shardOf(String id, int shards) {
        return Math.floorMod(Murmur3.hash32(id.getBytes(StandardCharsets.UTF_8)), shards);
    }

    /** The Flink key (for keyBy) of a shard. */
    public int keyOf(int shard) {
        return keyOfShard[shard];
    }

    /** The Flink keys of all shards, by shard number. */
    public int[] keys() {
        return keyOfShard.clone();
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
