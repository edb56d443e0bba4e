package io.vectorstream.state.segment;

import java.util.Locale;

/**
 * What a sealed segment keeps on the heap. {@link #FULL} keeps every float32 vector and its index
 * (graph or lists). The compressed tiers keep codes and read full vectors through a {@link
 * VectorSource} (RocksDB in the job) to rescore the best candidates: {@link #PQ_CODES} (IVF-PQ
 * segments only) the coarse quantiser and PQ codes; {@link #BINARY} (any segment type) one-bit
 * codes in k-means lists ({@link io.vectorstream.state.quant.BinaryIvf}).
 */
public enum MemoryTier {
    FULL,
    PQ_CODES,
    BINARY;

    /** Parses "full", "pq-codes" or "binary", ignoring case ("_" works for "-"). */
    public static MemoryTier parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "full":
                return FULL;
            case "pq-codes":
                return PQ_CODES;
            case "binary":
                return BINARY;
            default:
                throw new IllegalArgumentException(
                        "unknown memory tier '" + name + "'; use full, pq-codes or binary");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether segments in this tier rescore their candidates from a {@link VectorSource}. */
    public boolean rescoresFromSource() {
        return this != FULL;
    }
}
