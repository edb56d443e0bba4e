package io.vectorstream.state.segment;

import java.util.Locale;

/**
 * What a sealed segment keeps on the heap. {@link #FULL} keeps every float32 vector; {@link
 * #PQ_CODES} (IVF-PQ segments only) keeps the coarse quantiser, PQ codes and ids, and reads full
 * vectors through a {@link VectorSource} to rerank the best candidates.
 */
public enum MemoryTier {
    FULL,
    PQ_CODES;

    /** Parses "full" or "pq-codes", ignoring case ("_" works for "-"). */
    public static MemoryTier parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "full":
                return FULL;
            case "pq-codes":
                return PQ_CODES;
            default:
                throw new IllegalArgumentException(
                        "unknown memory tier '" + name + "'; use full or pq-codes");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
