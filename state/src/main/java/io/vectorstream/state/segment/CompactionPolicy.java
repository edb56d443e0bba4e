package io.vectorstream.state.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When to merge sealed segments: when a segment's dead ratio passes {@code maxDeletedRatio}, or a
 * shard has more than {@code maxSegments} sealed segments; never into a segment larger than {@code
 * maxSegmentBytes}.
 *
 * <p>Dead vectors cost memory and search time (graph walks still pass through them), so a segment
 * whose tombstones exceed the ratio is rewritten with its live vectors only; too many segments cost
 * a search per segment, so the smallest are merged, as Lucene's merge policies do. Like Lucene's
 * {@code maxMergedSegmentMB}, the size bound keeps a merged segment (and its blob, a Java array)
 * far from what one build can hold: segments at the bound are left out of merges, so a shard may
 * then hold more than {@code maxSegments}. Sizes are the segments' {@link
 * SealedSegment#memoryBytes} estimates scaled to their live share. Immutable.
 *
 * @param maxSegments sealed segments a shard may hold before the smallest are merged
 * @param maxDeletedRatio share of dead vectors above which a segment is rewritten
 * @param maxSegmentBytes largest estimated size of a merged segment
 */
public record CompactionPolicy(int maxSegments, double maxDeletedRatio, long maxSegmentBytes) {

    public CompactionPolicy {
        if (maxSegments < 1 || !(maxDeletedRatio > 0 && maxDeletedRatio <= 1)) {
            throw new IllegalArgumentException(
                    "need max segments >= 1 and 0 < deleted ratio <= 1, got "
                            + maxSegments
                            + " and "
                            + maxDeletedRatio);
        }
        if (maxSegmentBytes < 1) {
            throw new IllegalArgumentException(
                    "max segment bytes must be positive, got " + maxSegmentBytes);
        }
    }

    /** A policy without a size bound. */
    public CompactionPolicy(int maxSegments, double maxDeletedRatio) {
        this(maxSegments, maxDeletedRatio, Long.MAX_VALUE);
    }

    /**
     * The segments to merge into one, or an empty list when none is due:
     *
     * <ol>
     *   <li>every segment with no live vector left, or with {@code deletedCount / size >
     *       maxDeletedRatio}, if there is any (a segment with no live vector is always due:
     *       dropping it costs no build), as many of them, in list order, as fit {@code
     *       maxSegmentBytes} together (at least one);
     *   <li>otherwise, when there are more than {@code maxSegments}, the fewest smallest segments
     *       by live count (at least two, ties to the earlier in the list) whose merge brings the
     *       count back to {@code maxSegments}, or as many of those as fit {@code maxSegmentBytes}
     *       (none if two do not).
     * </ol>
     *
     * The result keeps the order of {@code sealed} for the first rule and goes smallest first for
     * the second.
     */
    public List<SealedSegment> pick(List<SealedSegment> sealed) {
        List<SealedSegment> due = new ArrayList<>();
        long dueBytes = 0;
        for (SealedSegment segment : sealed) {
            if (segment.liveCount() == 0
                    || (double) segment.deletedCount() / segment.size() > maxDeletedRatio) {
                long bytes = liveBytes(segment);
                if (!due.isEmpty() && dueBytes + bytes > maxSegmentBytes) {
                    continue;
                }
                due.add(segment);
                dueBytes += bytes;
            }
        }
        if (!due.isEmpty() || sealed.size() <= maxSegments) {
            return due;
        }
        List<SealedSegment> bySize = new ArrayList<>(sealed);
        bySize.sort(Comparator.comparingInt(SealedSegment::liveCount));
        int merge = Math.max(2, sealed.size() - maxSegments + 1);
        List<SealedSegment> picked = new ArrayList<>(merge);
        long bytes = 0;
        for (SealedSegment segment : bySize.subList(0, merge)) {
            bytes += liveBytes(segment);
            if (bytes > maxSegmentBytes) {
                break;
            }
            picked.add(segment);
        }
        return picked.size() >= 2 ? List.copyOf(picked) : List.of();
    }

    private static long liveBytes(SealedSegment segment) {
        return segment.size() == 0
                ? 0
                : (long) ((double) segment.memoryBytes() * segment.liveCount() / segment.size());
    }
}
