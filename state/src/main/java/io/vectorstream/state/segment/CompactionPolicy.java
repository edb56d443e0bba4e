package io.vectorstream.state.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When to merge sealed segments: when a segment's dead ratio passes {@code maxDeletedRatio}, when
 * {@code mergeFactor} segments share a size tier, or when a shard has more than {@code maxSegments}
 * sealed segments; never into a segment larger than {@code maxSegmentBytes}.
 *
 * <p>Dead vectors cost memory and search time (graph walks still pass through them), so a segment
 * whose tombstones exceed the ratio is rewritten with its live vectors only. Every segment costs a
 * graph search per query, so segments are merged upward by size, as Lucene's log merge policy does:
 * a segment's tier is {@code floor(log_mergeFactor(live / tierSize))} (tier 0 below {@code
 * tierSize} times the factor), and as soon as {@code mergeFactor} segments sit in one tier they
 * become one segment of the next. A shard of n vectors so holds at most {@code mergeFactor - 1}
 * segments per tier, {@code log_mergeFactor(n / tierSize)} tiers, and each vector is rebuilt once
 * per tier it climbs. {@code maxSegments} is the backstop (the smallest are merged past it). Like
 * Lucene's {@code maxMergedSegmentMB}, the size bound keeps a merged segment (and its blob, a Java
 * array) far from what one build can hold: segments at the bound are left out of merges, so a shard
 * may then hold more than {@code maxSegments}. Sizes are the segments' {@link
 * SealedSegment#memoryBytes} estimates scaled to their live share. Immutable.
 *
 * @param maxSegments sealed segments a shard may hold before the smallest are merged
 * @param maxDeletedRatio share of dead vectors above which a segment is rewritten
 * @param maxSegmentBytes largest estimated size of a merged segment
 * @param tierSize live vectors of the smallest tier's segments (the seal size)
 * @param mergeFactor segments of one tier that are merged into one of the next
 */
public record CompactionPolicy(
        int maxSegments,
        double maxDeletedRatio,
        long maxSegmentBytes,
        int tierSize,
        int mergeFactor) {

    /** Segments per tier that merge in the job's policies: see {@link CompactionPolicy}. */
    public static final int DEFAULT_MERGE_FACTOR = 4;

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
        if (tierSize < 1 || mergeFactor < 2) {
            throw new IllegalArgumentException(
                    "need tier size >= 1 and merge factor >= 2, got "
                            + tierSize
                            + " and "
                            + mergeFactor);
        }
    }

    /** A policy without tiers: merges only past {@code maxSegments} or the deleted ratio. */
    public CompactionPolicy(int maxSegments, double maxDeletedRatio, long maxSegmentBytes) {
        this(maxSegments, maxDeletedRatio, maxSegmentBytes, 1, Integer.MAX_VALUE);
    }

    /** A policy without tiers or a size bound. */
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
     *   <li>otherwise the segments of the lowest tier that holds at least {@code mergeFactor},
     *       smallest first, as many as fit {@code maxSegmentBytes} (none if two do not);
     *   <li>otherwise, when there are more than {@code maxSegments}, the fewest smallest segments
     *       by live count (at least two, ties to the earlier in the list) whose merge brings the
     *       count back to {@code maxSegments}, or as many of those as fit {@code maxSegmentBytes}
     *       (none if two do not).
     * </ol>
     *
     * The result keeps the order of {@code sealed} for the first rule and goes smallest first for
     * the others.
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
        if (!due.isEmpty()) {
            return due;
        }
        List<SealedSegment> bySize = new ArrayList<>(sealed);
        bySize.sort(Comparator.comparingInt(SealedSegment::liveCount));
        List<SealedSegment> tier = fullestLowTier(bySize);
        if (!tier.isEmpty()) {
            List<SealedSegment> picked = fitting(tier);
            if (!picked.isEmpty()) {
                return picked;
            }
        }
        if (sealed.size() <= maxSegments) {
            return List.of();
        }
        int merge = Math.max(2, sealed.size() - maxSegments + 1);
        return fitting(bySize.subList(0, merge));
    }

    /**
     * The merge of a shard at rest, without writes for {@code quietPeriods} idle periods (nothing
     * growing): what {@link #pick} picks if anything; else all its segments, smallest first, once
     * the others hold at least {@code 1 / mergeFactor} of the largest's vectors or the shard has
     * been quiet for at least {@code largest / others} periods; else the others alone, if there are
     * two. So a shard nobody writes to settles on one segment (one graph search per query, as a
     * force-merge leaves a read-only Lucene index), while the largest is rewritten for a few small
     * ones only after a quiet time in proportion: rest merges rewrite at most about the small
     * segments' size per idle period, however often a pause follows a few writes. As many as fit
     * {@code maxSegmentBytes}; none if two do not.
     */
    public List<SealedSegment> pickAtRest(List<SealedSegment> sealed, double quietPeriods) {
        List<SealedSegment> due = pick(sealed);
        if (!due.isEmpty() || sealed.size() < 2) {
            return due;
        }
        List<SealedSegment> bySize = new ArrayList<>(sealed);
        bySize.sort(Comparator.comparingInt(SealedSegment::liveCount));
        List<SealedSegment> others = bySize.subList(0, bySize.size() - 1);
        long othersLive = 0;
        for (SealedSegment segment : others) {
            othersLive += segment.liveCount();
        }
        long largest = bySize.get(bySize.size() - 1).liveCount();
        boolean fold =
                othersLive * mergeFactor >= largest
                        || (othersLive > 0 && quietPeriods * othersLive >= largest);
        return fitting(fold ? bySize : others);
    }

    /** The tier of a segment of {@code live} vectors: see {@link CompactionPolicy}. */
    int tierOf(int live) {
        int tier = 0;
        for (long bound = (long) tierSize * mergeFactor; live >= bound; bound *= mergeFactor) {
            tier++;
        }
        return tier;
    }

    /** The segments of the lowest tier holding at least {@code mergeFactor}, smallest first. */
    private List<SealedSegment> fullestLowTier(List<SealedSegment> bySize) {
        int start = 0;
        while (start < bySize.size()) {
            int tier = tierOf(bySize.get(start).liveCount());
            int end = start + 1;
            while (end < bySize.size() && tierOf(bySize.get(end).liveCount()) == tier) {
                end++;
            }
            if (end - start >= mergeFactor) {
                return bySize.subList(start, end);
            }
            start = end;
        }
        return List.of();
    }

    /** The first of {@code candidates} that fit {@code maxSegmentBytes} together, if two do. */
    private List<SealedSegment> fitting(List<SealedSegment> candidates) {
        List<SealedSegment> picked = new ArrayList<>(candidates.size());
        long bytes = 0;
        for (SealedSegment segment : candidates) {
            bytes += liveBytes(segment);
            if (bytes > maxSegmentBytes) {
                break;
            }
            picked.add(segment);
        }
        return picked.size() >= 2 ? List.copyOf(picked) : List.of();
    }

    /**
     * What a segment's live vectors weigh in a merge: their share of its heap, and at least their
     * float vectors, which a merge copies (from RocksDB for a compressed segment, whose heap is a
     * twentieth of that) before it builds.
     */
    private static long liveBytes(SealedSegment segment) {
        if (segment.size() == 0) {
            return 0;
        }
        long heap = (long) ((double) segment.memoryBytes() * segment.liveCount() / segment.size());
        return Math.max(heap, 4L * segment.dimension() * segment.liveCount());
    }
}
