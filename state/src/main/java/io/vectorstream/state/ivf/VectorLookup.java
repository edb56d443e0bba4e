package io.vectorstream.state.ivf;

/**
 * Full vectors by node ordinal, for an {@link IvfIndex} that keeps only its PQ codes in memory
 * ({@link IvfIndex#withoutVectors}): reranking reads the candidates' vectors through it.
 */
@FunctionalInterface
public interface VectorLookup {

    /**
     * The full vector of {@code node} (the index's dimension, prepared for its metric), or null if
     * the vector no longer exists; the node is then left out of the results.
     */
    float[] vector(int node);
}
