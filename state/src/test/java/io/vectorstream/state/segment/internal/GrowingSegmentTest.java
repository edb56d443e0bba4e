package io.vectorstream.state.segment.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrowingSegmentTest {

    private static final int DIM = 4;

    @Test
    void removeSealedTakesOnlyTheCopiesStillCurrentAndKeepsTheRest() {
        GrowingSegment g = new GrowingSegment(DIM, Metric.EUCLIDEAN);
        for (int i = 0; i < 1000; i++) {
            g.upsert("v" + i, vector(i), Map.of("n", "" + i), i);
        }
        long emptyBytes = new GrowingSegment(DIM, Metric.EUCLIDEAN).contentBytes();
        String[] ids = g.copyIds();
        long[] seqs = g.copySeqs();
        // Writes after the copy: v3 written again, v5 removed (v999 moves into its slot), v1000
        // new.
        g.upsert("v3", vector(3000), Map.of(), 3000);
        g.remove("v5");
        g.upsert("v1000", vector(1000), Map.of("n", "1000"), 1000);

        boolean[] removed = g.removeSealed(ids, seqs);

        Set<String> expectedRemoved = new HashSet<>();
        for (int i = 0; i < ids.length; i++) {
            if (!ids[i].equals("v3") && !ids[i].equals("v5")) {
                expectedRemoved.add(ids[i]);
            }
            assertThat(removed[i]).as(ids[i]).isEqualTo(expectedRemoved.contains(ids[i]));
        }
        assertThat(g.size()).isEqualTo(2);
        assertThat(List.of(g.copyIds())).containsExactlyInAnyOrder("v3", "v1000");
        assertThat(g.seqOf("v3")).isEqualTo(3000);
        assertThat(g.seqOf("v1000")).isEqualTo(1000);
        assertThat(g.seqOf("v7")).isEqualTo(-1);
        int slot = g.idAt(0).equals("v1000") ? 0 : 1;
        assertThat(g.vectorAt(slot)).containsExactly(vector(1000));
        assertThat(g.metadataAt(slot)).isEqualTo(Map.of("n", "1000"));
        assertThat(g.vectorAt(1 - slot)).containsExactly(vector(3000));
        ScoredNodes top = g.search(vector(1000), 1, null);
        assertThat(g.idAt(top.nodes()[0])).isEqualTo("v1000");
        // The arrays shrink with it, and the estimate of what it holds is what it holds.
        GrowingSegment same = new GrowingSegment(DIM, Metric.EUCLIDEAN);
        same.upsert("v3", vector(3000), Map.of(), 3000);
        same.upsert("v1000", vector(1000), Map.of("n", "1000"), 1000);
        assertThat(g.contentBytes()).isEqualTo(same.contentBytes()).isGreaterThan(emptyBytes);
        assertThat(g.memoryBytes()).isEqualTo(same.memoryBytes());
        // And it keeps working: a removal and a write after it.
        assertThat(g.remove("v3")).isTrue();
        g.upsert("v2000", vector(2000), Map.of(), 2000);
        assertThat(List.of(g.copyIds())).containsExactlyInAnyOrder("v1000", "v2000");
    }

    @Test
    void removeSealedOfNothingCurrentChangesNothing() {
        GrowingSegment g = new GrowingSegment(DIM, Metric.EUCLIDEAN);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            g.upsert("v" + i, vector(i), Map.of(), i);
            ids.add("v" + i);
        }
        long[] stale = new long[10];
        Arrays.fill(stale, 99);
        boolean[] removed = g.removeSealed(ids.toArray(String[]::new), stale);
        assertThat(removed).containsOnly(false);
        assertThat(List.of(g.copyIds())).containsExactlyElementsOf(ids);
    }

    @Test
    void selectFindsTheRankedValueWhateverTheOrderAndDuplicates() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            long[] values = new long[n];
            for (int i = 0; i < n; i++) {
                // Few distinct values in some rounds, sorted or reversed runs in others.
                values[i] =
                        switch (round % 4) {
                            case 0 -> random.nextInt(5);
                            case 1 -> i;
                            case 2 -> n - i;
                            default -> random.nextLong();
                        };
            }
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            int rank = random.nextInt(n);
            assertThat(GrowingSegment.select(values.clone(), rank))
                    .as("round %d, rank %d of %d", round, rank, n)
                    .isEqualTo(sorted[rank]);
        }
    }

    @Test
    void copyOldestTakesTheSmallestSeqsWithTheirCurrentValues() {
        GrowingSegment g = new GrowingSegment(DIM, Metric.EUCLIDEAN);
        for (int i = 0; i < 100; i++) {
            g.upsert("v" + i, vector(i), Map.of("n", "" + i), i);
        }
        // Slots out of seq order: v0 written again (newest now), v10 removed (v99 takes its slot).
        g.upsert("v0", vector(500), Map.of(), 500);
        g.remove("v10");

        // Below the smallest seq (1) plus 20: seqs 1..20 but 10, in slot order.
        GrowingSegment.Oldest oldest = g.copyOldest(20);

        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            if (i != 10) {
                expected.add("v" + i);
            }
        }
        assertThat(List.of(oldest.ids())).containsExactlyElementsOf(expected);
        for (int i = 0; i < oldest.ids().length; i++) {
            int n = Integer.parseInt(oldest.ids()[i].substring(1));
            assertThat(oldest.seqs()[i]).isEqualTo(n);
            assertThat(Arrays.copyOfRange(oldest.vectors(), i * DIM, (i + 1) * DIM))
                    .containsExactly(vector(n));
            assertThat(oldest.metadata().get(i)).isEqualTo(Map.of("n", "" + n));
        }
        // Asking for more than there are takes everything; the segment itself is unchanged.
        assertThat(g.copyOldest(1000).ids()).hasSize(99);
        assertThat(g.size()).isEqualTo(99);
    }

    @Test
    void copyOldestOfSparseSeqsSelectsExactlyMax() {
        GrowingSegment g = new GrowingSegment(DIM, Metric.EUCLIDEAN);
        // Seqs 0, 10, 20, ...: below the smallest plus 20 are only two vectors.
        for (int i = 0; i < 100; i++) {
            g.upsert("v" + i, vector(i), Map.of(), i * 10L);
        }
        GrowingSegment.Oldest oldest = g.copyOldest(20);
        assertThat(oldest.seqs()).hasSize(20);
        assertThat(Arrays.stream(oldest.seqs()).max().orElseThrow()).isEqualTo(190);
    }

    private static float[] vector(int seed) {
        return new float[] {seed, seed % 7, -seed, 1};
    }
}
