package io.vectorstream.state.segment;

import io.vectorstream.state.vector.Metric;
import java.util.Objects;

/**
 * How the sealed segments of a collection are built.
 *
 * @param type index of a sealed segment
 * @param metric the collection's metric (vectors arrive prepared for it)
 * @param dimension vector dimension
 * @param hnswM HNSW neighbours per node on upper layers (2M on layer 0)
 * @param hnswEfConstruction HNSW beam width while building
 * @param ivfNlist IVF lists, or 0 for about sqrt(n) of the segment
 * @param pqM PQ sub-spaces for IVF-PQ, or 0 for dimension/8 rounded down to a divisor of the
 *     dimension; ignored by the other types
 * @param trainIterations k-means iterations for IVF training
 * @param seed seed of every random choice in a build (with the segment id mixed in)
 */
public record SegmentSpec(
        SegmentType type,
        Metric metric,
        int dimension,
        int hnswM,
        int hnswEfConstruction,
        int ivfNlist,
        int pqM,
        int trainIterations,
        long seed) {

    public SegmentSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(metric, "metric");
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dimension);
        }
        if (hnswM < 2 || hnswEfConstruction < 1) {
            throw new IllegalArgumentException(
                    "need hnsw m >= 2 and ef-construction >= 1, got m="
                            + hnswM
                            + ", ef-construction="
                            + hnswEfConstruction);
        }
        if (ivfNlist < 0 || pqM < 0 || trainIterations < 0) {
            throw new IllegalArgumentException(
                    "ivf nlist, pq-m and train iterations must not be negative");
        }
        if (type == SegmentType.IVF_PQ && pqM > 0 && dimension % pqM != 0) {
            throw new IllegalArgumentException(
                    "pq-m " + pqM + " must divide the dimension " + dimension);
        }
    }
}
