package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CompactionPolicyTest {

    private static final SegmentSpec SPEC =
            new SegmentSpec(SegmentType.HNSW, Metric.EUCLIDEAN, 2, 4, 8, 0, 0, 1, 3);

    @Test
    void nothingIsDueWithinBothLimits() {
        CompactionPolicy policy = new CompactionPolicy(3, 0.5);
        List<SealedSegment> sealed = List.of(segment(1, 10, 5), segment(2, 4, 0), segment(3, 6, 3));
        assertThat(policy.pick(sealed)).isEmpty();
        assertThat(policy.pick(List.of())).isEmpty();
    }

    @Test
    void segmentsOverTheDeletedRatioArePickedAlone() {
        CompactionPolicy policy = new CompactionPolicy(2, 0.25);
        SealedSegment clean = segment(1, 10, 0);
        SealedSegment dirty = segment(2, 10, 3);
        SealedSegment borderline = segment(3, 8, 2);
        SealedSegment dirtier = segment(4, 4, 3);
        assertThat(policy.pick(List.of(clean, dirty, borderline, dirtier)))
                .containsExactly(dirty, dirtier);
    }

    @Test
    void tooManySegmentsMergeTheSmallestByLiveCount() {
        CompactionPolicy policy = new CompactionPolicy(3, 0.9);
        SealedSegment a = segment(1, 10, 0);
        SealedSegment b = segment(2, 10, 8); // 2 live
        SealedSegment c = segment(3, 3, 0);
        SealedSegment d = segment(4, 20, 0);
        SealedSegment e = segment(5, 5, 0);
        // Five segments, at most three: merge the three smallest into one.
        assertThat(policy.pick(List.of(a, b, c, d, e))).containsExactly(b, c, e);
        // Four: merging two is enough.
        assertThat(policy.pick(List.of(a, b, c, d))).containsExactly(b, c);
    }

    @Test
    void oneOverTheLimitStillMergesTwo() {
        CompactionPolicy policy = new CompactionPolicy(1, 1.0);
        SealedSegment a = segment(1, 4, 0);
        SealedSegment b = segment(2, 3, 0);
        assertThat(policy.pick(List.of(a, b))).containsExactly(b, a);
        assertThat(policy.pick(List.of(a))).isEmpty();
    }

    @Test
    void segmentsWithNothingLiveAreAlwaysDue() {
        CompactionPolicy policy = new CompactionPolicy(5, 1.0);
        SealedSegment dead = segment(1, 3, 3);
        SealedSegment empty = segment(2, 0, 0);
        SealedSegment live = segment(3, 3, 2);
        assertThat(policy.pick(List.of(live, dead, empty))).containsExactly(dead, empty);
    }

    @Test
    void mergesNeverBuildASegmentOverTheSizeBound() {
        SealedSegment a = segment(1, 10, 0);
        SealedSegment b = segment(2, 10, 0);
        SealedSegment c = segment(3, 10, 0);
        long one = a.memoryBytes();
        // Room for two: of three segments over a limit of one, only the two smallest merge.
        CompactionPolicy roomForTwo = new CompactionPolicy(1, 1.0, 2 * one + one / 2);
        assertThat(roomForTwo.pick(List.of(a, b, c))).containsExactly(a, b);
        // Room for less than two: nothing merges, the shard keeps more segments than the limit.
        CompactionPolicy roomForOne = new CompactionPolicy(1, 1.0, one + one / 2);
        assertThat(roomForOne.pick(List.of(a, b, c))).isEmpty();
        // Rewriting dirty segments: as many as fit together (their live parts), at least one.
        SealedSegment dirty1 = segment(4, 10, 5);
        SealedSegment dirty2 = segment(5, 10, 5);
        SealedSegment dirty3 = segment(6, 10, 5);
        assertThat(new CompactionPolicy(5, 0.3, one).pick(List.of(dirty1, dirty2, dirty3)))
                .containsExactly(dirty1, dirty2);
        assertThat(new CompactionPolicy(5, 0.3, 1).pick(List.of(dirty1, dirty2)))
                .containsExactly(dirty1);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new CompactionPolicy(0, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max segments");
        assertThatThrownBy(() -> new CompactionPolicy(2, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CompactionPolicy(2, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A segment of {@code size} vectors with its first {@code dead} killed. */
    @Test
    void tiersGrowByTheMergeFactorFromTheTierSize() {
        CompactionPolicy policy = new CompactionPolicy(100, 0.5, Long.MAX_VALUE, 10, 4);
        assertThat(policy.tierOf(0)).isZero();
        assertThat(policy.tierOf(39)).isZero();
        assertThat(policy.tierOf(40)).isEqualTo(1);
        assertThat(policy.tierOf(159)).isEqualTo(1);
        assertThat(policy.tierOf(160)).isEqualTo(2);
    }

    @Test
    void aFullTierMergesIntoOneSegmentOfTheNext() {
        CompactionPolicy policy = new CompactionPolicy(100, 0.5, Long.MAX_VALUE, 10, 4);
        SealedSegment big = segment(1, 45, 0);
        SealedSegment a = segment(2, 10, 0);
        SealedSegment b = segment(3, 3, 0);
        SealedSegment c = segment(4, 12, 0);
        assertThat(policy.pick(List.of(big, a, b, c))).isEmpty();
        SealedSegment d = segment(5, 10, 0);
        assertThat(policy.pick(List.of(big, a, b, c, d))).containsExactly(b, a, d, c);
    }

    /**
     * Seal after seal, with every merge the policy asks for carried out: a shard holds at most
     * {@code mergeFactor - 1} segments per tier, so the count grows with the log of its size.
     */
    @Test
    void sealsAndMergesKeepAFewSegmentsOfGeometricSizes() {
        int factor = 4;
        CompactionPolicy policy = new CompactionPolicy(100, 0.5, Long.MAX_VALUE, 10, factor);
        List<SealedSegment> sealed = new ArrayList<>();
        long ids = 100;
        int merges = 0;
        for (int seal = 1; seal <= 200; seal++) {
            sealed.add(segment(ids++, 10, 0));
            for (List<SealedSegment> picked = policy.pick(sealed);
                    !picked.isEmpty();
                    picked = policy.pick(sealed)) {
                int live = picked.stream().mapToInt(SealedSegment::liveCount).sum();
                sealed.removeAll(picked);
                sealed.add(segment(ids++, live, 0));
                merges++;
            }
            Map<Integer, Long> perTier =
                    sealed.stream()
                            .collect(
                                    Collectors.groupingBy(
                                            s -> policy.tierOf(s.liveCount()),
                                            Collectors.counting()));
            assertThat(perTier.values()).allMatch(count -> count < factor);
            assertThat(sealed.stream().mapToInt(SealedSegment::liveCount).sum())
                    .isEqualTo(10 * seal);
        }
        // 2,000 vectors in tiers of 10 x 4^t: 2000 = 1x1280 + 2x320 + 2x40 in the end.
        assertThat(sealed).hasSizeLessThanOrEqualTo(6);
        assertThat(merges).isLessThan(200 / (factor - 1) + 5);
    }

    @Test
    void aShardAtRestMergesIntoOneOrTwoSegments() {
        SealedSegment a = segment(1, 30, 0);
        SealedSegment b = segment(2, 10, 0);
        SealedSegment c = segment(3, 20, 0);
        CompactionPolicy policy = new CompactionPolicy(100, 0.5, Long.MAX_VALUE, 10, 4);
        assertThat(policy.pick(List.of(a, b, c))).isEmpty();
        assertThat(policy.pickAtRest(List.of(a, b, c), 1)).containsExactly(b, c, a);
        assertThat(policy.pickAtRest(List.of(a), 1)).isEmpty();
        // Small segments far below the largest merge among themselves, then stay.
        SealedSegment big = segment(6, 100, 0);
        SealedSegment small1 = segment(7, 10, 0);
        SealedSegment small2 = segment(8, 5, 0);
        assertThat(policy.pickAtRest(List.of(big, small1, small2), 1))
                .containsExactly(small2, small1);
        SealedSegment small = segment(9, 15, 0);
        assertThat(policy.pickAtRest(List.of(big, small), 1)).isEmpty();
        // Folded into the largest once quiet for largest / small = 100 / 15 periods.
        assertThat(policy.pickAtRest(List.of(big, small), 6)).isEmpty();
        assertThat(policy.pickAtRest(List.of(big, small), 7)).containsExactly(small, big);
        assertThat(policy.pickAtRest(List.of(big, segment(10, 25, 0)), 1)).hasSize(2);
        long one = b.memoryBytes();
        CompactionPolicy roomForTwo = new CompactionPolicy(100, 0.5, 2 * one + one / 2, 10, 4);
        assertThat(roomForTwo.pickAtRest(List.of(b, segment(4, 10, 0), segment(5, 10, 0)), 1))
                .hasSize(2);
    }

    private static SealedSegment segment(long id, int size, int dead) {
        String[] ids = new String[size];
        float[] vectors = new float[size * 2];
        for (int i = 0; i < size; i++) {
            ids[i] = id + "-" + i;
            vectors[2 * i] = i;
            vectors[2 * i + 1] = id;
        }
        SealedSegment segment = SealedSegment.build(id, SPEC, ids, vectors);
        for (int i = 0; i < dead; i++) {
            segment.kill(i);
        }
        return segment;
    }
}
