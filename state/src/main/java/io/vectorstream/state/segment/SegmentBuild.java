package io.vectorstream.state.segment;

import io.vectorstream.state.text.KeywordIndex;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A segment to build off the task thread: a seal of the growing segment, or a compaction of sealed
 * segments. The arrays are private copies and the metadata maps immutable, so the build never
 * touches live data.
 *
 * @param segmentId id of the segment being built
 * @param ids ids of the vectors, in ordinal order
 * @param vectors the vectors of the ids after the base's ({@code (ids.length - base.size()) * dim}
 *     floats; all of them without a base): the base's are already in its graph
 * @param metadata the metadata of each vector, in ordinal order (empty maps for none)
 * @param seqs for a seal, the growing sequence number of each vector (to detect upserts that happen
 *     during the build); empty for a compaction
 * @param sourceSegments for a compaction, the ids of the segments it replaces; empty for a seal
 * @param base for a compaction of HNSW segments, the source whose graph the new segment starts from
 *     (copied, then the other vectors are inserted: Lucene's incremental graph merge), or null to
 *     build from scratch. Its ordinals are the build's first {@code base.size()}, all live when the
 *     build started.
 * @param texts makes the inverted index of the vectors' texts, in ordinal order, on the build
 *     thread (a seal indexes the copied terms, a compaction remaps its sources' postings); null
 *     when no vector has text
 * @param tier the tier the build produces: FULL (the index of the spec's type, which the shard may
 *     then drop to PQ_CODES) or BINARY (one-bit codes only, no index built)
 */
public record SegmentBuild(
        long segmentId,
        String[] ids,
        float[] vectors,
        List<Map<String, String>> metadata,
        long[] seqs,
        long[] sourceSegments,
        SealedSegment base,
        Supplier<KeywordIndex> texts,
        MemoryTier tier) {

    public SegmentBuild {
        metadata = List.copyOf(metadata);
        if (tier != MemoryTier.FULL && tier != MemoryTier.BINARY) {
            throw new IllegalArgumentException("a build produces full or binary segments");
        }
        if (tier == MemoryTier.BINARY && base != null) {
            throw new IllegalArgumentException("a binary build has no graph to start from");
        }
        if (metadata.size() != ids.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but metadata for " + metadata.size() + " vectors");
        }
        if (base != null
                && (base.size() > ids.length
                        || sourceSegments.length == 0
                        || sourceSegments[0] != base.id())) {
            throw new IllegalArgumentException(
                    "the base of a build must be its first source segment");
        }
    }

    /** A build without texts. */
    public SegmentBuild(
            long segmentId,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            long[] seqs,
            long[] sourceSegments,
            SealedSegment base) {
        this(segmentId, ids, vectors, metadata, seqs, sourceSegments, base, null, MemoryTier.FULL);
    }

    /** A build from scratch, without texts. */
    public SegmentBuild(
            long segmentId,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            long[] seqs,
            long[] sourceSegments) {
        this(segmentId, ids, vectors, metadata, seqs, sourceSegments, null, null, MemoryTier.FULL);
    }

    /** Heap bytes of the copies this build holds until it is installed. */
    public long memoryBytes() {
        long bytes = 64 + 4L * vectors.length + 8L * seqs.length + 4L * ids.length;
        for (String id : ids) {
            bytes += 24 + 16 + id.length();
        }
        return bytes;
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
        KeywordIndex keywords = texts == null ? null : texts.get();
        if (tier == MemoryTier.BINARY) {
            return SealedSegment.buildBinary(segmentId, spec, ids, vectors, metadata, keywords);
        }
        if (base != null) {
            return SealedSegment.extend(base, segmentId, spec, ids, vectors, metadata, keywords);
        }
        return SealedSegment.build(segmentId, spec, ids, vectors, metadata, keywords);
    }
}
