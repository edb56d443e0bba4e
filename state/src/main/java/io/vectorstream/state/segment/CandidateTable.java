package io.vectorstream.state.segment;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where each candidate of a search over the segments of several shards lives: its shard, its
 * segment (or the growing segment) and its ordinal or slot there. A search ranks candidate numbers
 * in a {@link io.vectorstream.state.search.TopK} and reads a hit's id, metadata and vector back
 * through this table, so the candidates that lose never cost more than three ints.
 */
final class CandidateTable {

    /** The segment index of a candidate in its shard's growing segment. */
    static final int GROWING = -1;

    private final List<ShardSegments> shards;
    private final List<VectorSource> sources;
    private int[] shard = new int[64];
    private int[] leaf = new int[64];
    private int[] node = new int[64];

    /** Vectors a compressed tier's rerank read from the source, by candidate; null until one is. */
    private float[][] readVectors;

    private int size;

    /**
     * @param sources each shard's full vectors, for a hit's vector in the compressed tiers
     */
    CandidateTable(List<ShardSegments> shards, List<VectorSource> sources) {
        this.shards = shards;
        this.sources = sources;
    }

    /** Adds a candidate; returns its number. */
    int add(int shardIndex, int leafIndex, int ordinal) {
        if (size == shard.length) {
            int grown = shard.length * 2;
            shard = Arrays.copyOf(shard, grown);
            leaf = Arrays.copyOf(leaf, grown);
            node = Arrays.copyOf(node, grown);
            if (readVectors != null) {
                readVectors = Arrays.copyOf(readVectors, grown);
            }
        }
        shard[size] = shardIndex;
        leaf[size] = leafIndex;
        node[size] = ordinal;
        return size++;
    }

    /**
     * Keeps the vector a rerank read for candidate {@code c}, so a hit's vector is not read twice.
     */
    void keepVector(int c, float[] vector) {
        if (readVectors == null) {
            readVectors = new float[shard.length][];
        }
        readVectors[c] = vector;
    }

    String idOf(int c) {
        ShardSegments s = shards.get(shard[c]);
        return leaf[c] == GROWING
                ? s.growing().idAt(node[c])
                : s.sealed().get(leaf[c]).idAt(node[c]);
    }

    /** Credits candidate {@code c}'s sealed segment with a hit (see {@link SealedSegment#heat}). */
    void recordHit(int c) {
        if (leaf[c] != GROWING) {
            shards.get(shard[c]).sealed().get(leaf[c]).recordHits(1);
        }
    }

    /** The metadata of candidate {@code c}, from its segment's memory (empty for none). */
    Map<String, String> metadataOf(int c) {
        ShardSegments s = shards.get(shard[c]);
        Map<String, String> m =
                leaf[c] == GROWING
                        ? s.growing().metadataAt(node[c])
                        : s.sealed().get(leaf[c]).metadataAt(node[c]);
        return m == null ? Map.of() : m;
    }

    /**
     * The stored vector of candidate {@code c}: from memory where the segment holds it (or a rerank
     * read it), else from its shard's source; null if it was deleted since.
     */
    float[] vectorOf(int c, String id) {
        if (readVectors != null && readVectors[c] != null) {
            return readVectors[c];
        }
        ShardSegments s = shards.get(shard[c]);
        if (leaf[c] == GROWING) {
            return s.growing().vectorAt(node[c]);
        }
        SealedSegment segment = s.sealed().get(leaf[c]);
        return segment.tier() == MemoryTier.FULL
                ? segment.vectorAt(node[c])
                : sources.get(shard[c]).vector(id);
    }
}
