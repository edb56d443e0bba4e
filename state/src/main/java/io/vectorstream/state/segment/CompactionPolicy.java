package io.vectorstream.state.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When to merge sealed segments: when a segment's dead ratio passes {@code maxDeletedRatio}, or a
 * shard has more than {@code maxSegments} sealed segments.
 *
 * <p>Dead vectors cost memory and search time (graph walks still pass through them), so a segment
 * whose tombstones exceed the ratio is rewritten with its live vectors only; too many segments cost
 * a search per segment, so the smallest are merged, as Lucene's merge policies do. Immutable.
 *
 * @param maxSegments sealed segments a shard may hold before the smallest are merged
 * @param maxDeletedRatio share of dead vectors above which a segment is rewritten
 */
public record CompactionPolicy(int maxSegments, double maxDeletedRatio) {

    public CompactionPolicy {
        if (maxSegments < 1 || !(maxDeletedRatio > 0 && maxDeletedRatio <= 1)) {
            throw new IllegalArgumentException(
                    "need max segments >= 1 and 0 < deleted ratio <= 1, got "
                            + maxSegments
                            + " and "
                            + maxDeletedRatio);
        }
    }

    /**
     * The segments to merge into one, or an empty list when none is due:
     *
     * <ol>
     *   <li>every segment with no live vector left, or with {@code deletedCount / size >
     *       maxDeletedRatio}, if there is any (a segment with no live vector is always due:
     *       dropping it costs no build);
     *   <li>otherwise, when there are more than {@code maxSegments}, the fewest smallest segments
     *       by live count (at least two, ties to the earlier in the list) whose merge brings the
     *       count back to {@code maxSegments}.
     * </ol>
     *
     * The result keeps the order of {@code sealed} for the first rule and goes smallest first for
     * the second.
     */
    public List<SealedSegment> pick(List<SealedSegment> sealed) {
        List<SealedSegment> due = new ArrayList<>();
        for (SealedSegment segment : sealed) {
            if (segment.liveCount() == 0
                    || (double) segment.deletedCount() / segment.size() > maxDeletedRatio) {
                due.add(segment);
            }
        }
        if (!due.isEmpty() || sealed.size() <= maxSegments) {
            return due;
        }
        List<SealedSegment> bySize = new ArrayList<>(sealed);
        bySize.sort(Comparator.comparingInt(SealedSegment::liveCount));
        int merge = Math.max(2, sealed.size() - maxSegments + 1);
        return List.copyOf(bySize.subList(0, merge));
    }
}
