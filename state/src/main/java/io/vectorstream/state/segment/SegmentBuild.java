package io.vectorstream.state.segment;

import java.util.List;
import java.util.Map;

/**
 * A segment to build off the task thread: a seal of the growing segment, or a compaction of sealed
 * segments. The arrays are private copies and the metadata maps immutable, so the build never
 * touches live data.
 *
 * @param segmentId id of the segment being built
 * @param ids ids of the vectors, in ordinal order
 * @param vectors the vectors, {@code ids.length * dim} floats
 * @param metadata the metadata of each vector, in ordinal order (empty maps for none)
 * @param seqs for a seal, the growing sequence number of each vector (to detect upserts that happen
 *     during the build); empty for a compaction
 * @param sourceSegments for a compaction, the ids of the segments it replaces; empty for a seal
 */
public record SegmentBuild(
        long segmentId,
        String[] ids,
        float[] vectors,
        List<Map<String, String>> metadata,
        long[] seqs,
        long[] sourceSegments) {

    public SegmentBuild {
        metadata = List.copyOf(metadata);
        if (metadata.size() != ids.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but metadata for " + metadata.size() + " vectors");
        }
    }

    /** Whether this build seals the growing segment (rather than compacting sealed ones). */
    public boolean isSeal() {
        return sourceSegments.length == 0;
    }

    /**
     * Runs the build: pure, slow, thread-safe. A compaction whose segments had no live vector left
     * has no ids and builds an empty segment at once; {@link ShardSegments#install} then only
     * removes the sources.
     */
    public SealedSegment run(SegmentSpec spec) {
        return SealedSegment.build(segmentId, spec, ids, vectors, metadata);
    }
}
