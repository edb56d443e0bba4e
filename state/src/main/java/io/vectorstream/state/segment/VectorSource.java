package io.vectorstream.state.segment;

/**
 * Full-precision vectors by id, for segments that keep only PQ codes in memory (the Flink operator
 * reads them from RocksDB). Called on the searching thread only.
 */
@FunctionalInterface
public interface VectorSource {

    /** A source for segments that hold their vectors in memory; never called. */
    VectorSource NONE =
            id -> {
                throw new IllegalStateException("no vector source, cannot load vector of " + id);
            };

    /** The current stored vector of {@code id}, or null if it no longer exists. */
    float[] vector(String id);
}
