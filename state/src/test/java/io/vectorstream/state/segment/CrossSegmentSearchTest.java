package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CrossSegmentSearchTest {

    private static final int DIM = 16;

    @Test
    void leafEfFollowsLucenesPerLeafFormula() {
        // ef·p + 16·sqrt(ef·p·(1-p)), truncated, within [1, ef].
        assertThat(CrossSegmentSearch.leafEf(64, 1.0)).isEqualTo(64);
        assertThat(CrossSegmentSearch.leafEf(64, 0.125)).isEqualTo(50);
        assertThat(CrossSegmentSearch.leafEf(64, 0.01)).isEqualTo(13);
        assertThat(CrossSegmentSearch.leafEf(1000, 0.5)).isEqualTo(752);
        assertThat(CrossSegmentSearch.leafEf(10, 1e-9)).isEqualTo(1);
        assertThat(CrossSegmentSearch.leafEf(10, 0.5)).isEqualTo(10);
    }

    @Test
    void manyShardsAndSegmentsReachBruteForceRecall() {
        Random random = new Random(7);
        Map<String, float[]> stored = new HashMap<>();
        List<ShardSegments> shards = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            ShardSegments shard = new ShardSegments(spec(), MemoryTier.FULL);
            long seq = 0;
            // Three sealed segments of different sizes and a growing tail.
            for (int size : new int[] {1500, 600, 200, 150}) {
                for (int i = 0; i < size; i++) {
                    String id = "s" + s + "-" + seq;
                    float[] v = gaussian(random);
                    stored.put(id, v);
                    shard.upsert(id, v, Map.of("shard", "" + s), seq++);
                }
                if (size != 150) {
                    seal(shard, seq);
                }
            }
            shards.add(shard);
        }
        List<VectorSource> sources =
                List.of(VectorSource.NONE, VectorSource.NONE, VectorSource.NONE, VectorSource.NONE);
        int k = 10;
        double found = 0;
        int queries = 200;
        for (int q = 0; q < queries; q++) {
            float[] query = gaussian(random);
            RankedHits hits =
                    CrossSegmentSearch.search(
                            shards, sources, query, new SearchKnobs(k, 64, 1, 0), null);
            Set<String> exact = exactTop(stored, query, k);
            for (int h = 0; h < hits.size(); h++) {
                if (exact.contains(hits.ids()[h])) {
                    found++;
                }
                // Metadata and vectors come from the segments, equal to what was written.
                assertThat(hits.metadata(h)).containsEntry("shard", hits.ids()[h].substring(1, 2));
                assertThat(hits.vector(h)).containsExactly(stored.get(hits.ids()[h]));
            }
            assertThat(hits.size()).isEqualTo(k);
        }
        assertThat(found / (queries * k)).isGreaterThanOrEqualTo(0.95);
    }

    /**
     * The true top k all sit in one small segment whose budgeted beam is shorter than k: only the
     * second pass (Lucene's re-entry of a leaf whose every hit is competitive) can return them.
     */
    @Test
    void aSmallSegmentHoldingTheWholeTopKIsSearchedAgain() {
        Random random = new Random(11);
        ShardSegments shard = new ShardSegments(spec(), MemoryTier.FULL);
        long seq = 0;
        for (int i = 0; i < 4000; i++) {
            float[] v = gaussian(random);
            v[0] += 20; // far from the query
            shard.upsert("far-" + i, v, null, seq++);
        }
        seal(shard, seq);
        float[] query = new float[DIM];
        Set<String> near = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            float[] v = gaussian(random);
            for (int d = 0; d < DIM; d++) {
                v[d] *= 0.1f;
            }
            shard.upsert("near-" + i, v, null, seq++);
            near.add("near-" + i);
        }
        seal(shard, seq);
        int k = 50;
        SearchKnobs knobs = new SearchKnobs(k, 64, 1, 0);
        // The small segment's first-pass beam is shorter than k.
        assertThat(CrossSegmentSearch.leafEf(64, 100 / 4100.0)).isLessThan(k);

        SearchHits hits = shard.search(query, knobs, null);

        assertThat(hits.size()).isEqualTo(k);
        assertThat(near).containsAll(Arrays.asList(hits.ids()));
        assertThat(Arrays.asList(hits.ids()))
                .containsExactlyInAnyOrderElementsOf(
                        new ArrayList<>(exactTop(all(shard), query, k)));
    }

    @Test
    void pqCodesShardsReadOnlyTheirRerankPoolAndHits() {
        Random random = new Random(3);
        SegmentSpec spec =
                new SegmentSpec(SegmentType.IVF_PQ, Metric.EUCLIDEAN, DIM, 8, 32, 8, 4, 4, 5);
        ShardSegments shard = new ShardSegments(spec, MemoryTier.PQ_CODES);
        Map<String, float[]> stored = new HashMap<>();
        long seq = 0;
        for (int segment = 0; segment < 3; segment++) {
            for (int i = 0; i < 400; i++) {
                String id = "v" + seq;
                float[] v = gaussian(random);
                stored.put(id, v);
                shard.upsert(id, v, Map.of("n", id), seq++);
            }
            seal(shard, seq);
        }
        AtomicInteger reads = new AtomicInteger();
        VectorSource source =
                id -> {
                    reads.incrementAndGet();
                    return stored.get(id);
                };
        int rerank = 40;
        RankedHits hits =
                CrossSegmentSearch.search(
                        List.of(shard),
                        List.of(source),
                        gaussian(random),
                        new SearchKnobs(10, 64, 8, rerank),
                        null);

        assertThat(hits.size()).isEqualTo(10);
        // The pool is read once; the hits' vectors come from those reads.
        assertThat(reads.get()).isEqualTo(rerank);
        for (int h = 0; h < hits.size(); h++) {
            assertThat(hits.vector(h)).containsExactly(stored.get(hits.ids()[h]));
            assertThat(hits.metadata(h)).containsEntry("n", hits.ids()[h]);
        }
        assertThat(reads.get()).isEqualTo(rerank);

        // Without rerank nothing is read until a hit's vector is asked for, then that one only:
        // a caller that stops at its answer bound never reads or holds the rest.
        reads.set(0);
        RankedHits estimated =
                CrossSegmentSearch.search(
                        List.of(shard),
                        List.of(source),
                        gaussian(random),
                        new SearchKnobs(10, 64, 8, 0),
                        null);
        assertThat(estimated.size()).isEqualTo(10);
        assertThat(reads.get()).isZero();
        assertThat(estimated.vector(3)).containsExactly(stored.get(estimated.ids()[3]));
        assertThat(reads.get()).isEqualTo(1);
    }

    /**
     * A merge keeps the largest graph and inserts the others into a copy of it (Lucene's
     * incremental merge): the base's ordinals stay, writes during the build still win, and the
     * merged segment answers like brute force.
     */
    @Test
    void mergesExtendACopyOfTheLargestGraph() {
        Random random = new Random(5);
        ShardSegments shard = new ShardSegments(spec(), MemoryTier.FULL);
        Map<String, float[]> stored = new HashMap<>();
        long seq = 0;
        for (int size : new int[] {900, 300, 200}) {
            for (int i = 0; i < size; i++) {
                String id = "v" + seq;
                float[] v = gaussian(random);
                stored.put(id, v);
                shard.upsert(id, v, null, seq++);
            }
            seal(shard, seq);
        }
        SealedSegment largest = shard.sealed().get(0);
        SegmentBuild merge =
                shard.startCompaction(
                        10_000, new CompactionPolicy(100, 0.5, Long.MAX_VALUE, 10, 4), null, 1);
        assertThat(merge.base()).isSameAs(largest);
        // Written during the build: one id of the base deleted, one replaced.
        shard.delete("v5");
        stored.remove("v5");
        float[] replaced = gaussian(random);
        shard.upsert("v6", replaced, null, seq++);
        stored.put("v6", replaced);
        shard.install(merge, merge.run(shard.spec()));

        SealedSegment merged =
                shard.sealed().stream().filter(s -> s.id() == 10_000).findFirst().orElseThrow();
        assertThat(merged.size()).isEqualTo(1400);
        for (int o = 0; o < largest.size(); o++) {
            assertThat(merged.idAt(o)).isEqualTo(largest.idAt(o));
        }
        assertThat(merged.ordinalOf("v5")).isEqualTo(-1);
        assertThat(merged.ordinalOf("v6")).isEqualTo(-1);
        assertThat(shard.isGrowing("v6")).isTrue();
        int k = 10;
        double found = 0;
        for (int q = 0; q < 100; q++) {
            float[] query = gaussian(random);
            SearchHits hits = shard.search(query, new SearchKnobs(k, 64, 1, 0), null);
            Set<String> exact = exactTop(stored, query, k);
            for (String id : hits.ids()) {
                found += exact.contains(id) ? 1 : 0;
            }
        }
        assertThat(found / (100 * k)).isGreaterThanOrEqualTo(0.95);
    }

    private static void seal(ShardSegments shard, long segmentId) {
        SegmentBuild build = shard.startSeal(segmentId);
        shard.install(build, build.run(shard.spec()));
    }

    private static Map<String, float[]> all(ShardSegments shard) {
        Map<String, float[]> out = new HashMap<>();
        for (SealedSegment s : shard.sealed()) {
            for (int o = 0; o < s.size(); o++) {
                if (s.isLive(o)) {
                    out.put(s.idAt(o), s.vectorAt(o));
                }
            }
        }
        return out;
    }

    private static Set<String> exactTop(Map<String, float[]> stored, float[] query, int k) {
        List<Map.Entry<String, float[]>> entries = new ArrayList<>(stored.entrySet());
        entries.sort(Comparator.comparingDouble(e -> distance(query, e.getValue())));
        Set<String> top = new HashSet<>();
        for (int i = 0; i < k; i++) {
            top.add(entries.get(i).getKey());
        }
        return top;
    }

    private static double distance(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return d;
    }

    private static SegmentSpec spec() {
        return new SegmentSpec(SegmentType.HNSW, Metric.EUCLIDEAN, DIM, 8, 64, 0, 0, 4, 5);
    }

    private static float[] gaussian(Random random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
