package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A shard's segments against a plain map: random writes with seals and compactions racing them,
 * checking after every step that the view holds exactly the model, and that what the mutators
 * report is enough to restore the same view from persisted blobs.
 */
class ShardSegmentsTest {

    private static final int DIM = 8;
    private static final int IDS = 300;
    private static final int STEPS = 1500;
    private static final CompactionPolicy POLICY = new CompactionPolicy(3, 0.3);

    /**
     * With {@code pressure}, a memory budget comes and goes: the shard builds binary segments while
     * it lasts, and full segments move to the binary tier (tier-downs) beside the writes.
     */
    @ParameterizedTest(name = "{0} {1} {2} pressure={3}")
    @CsvSource({
        "HNSW, FULL, EUCLIDEAN, false",
        "HNSW, FULL, COSINE, false",
        "IVF_FLAT, FULL, EUCLIDEAN, false",
        "IVF_PQ, FULL, DOT, false",
        "IVF_PQ, PQ_CODES, EUCLIDEAN, false",
        "HNSW, BINARY, COSINE, false",
        "IVF_FLAT, BINARY, DOT, false",
        "HNSW, FULL, EUCLIDEAN, true",
        "IVF_PQ, FULL, COSINE, true"
    })
    void randomWritesSealsAndCompactionsMatchAMapModel(
            SegmentType type, MemoryTier tier, Metric metric, boolean pressure) throws IOException {
        SegmentSpec spec = new SegmentSpec(type, metric, DIM, 8, 32, 0, 0, 4, 99);
        Model model = new Model(spec, tier, new Random(type.ordinal() * 31L + metric.ordinal()));
        model.pressure = pressure;
        for (int step = 0; step < STEPS; step++) {
            model.step();
            model.checkView();
            if (step % 100 == 99) {
                model.checkRestore();
            }
        }
        model.finishBuilds();
        model.checkView();
        model.checkRestore();
        assertThat(model.seals).as("seals installed").isGreaterThan(10);
        assertThat(model.compactions).as("compactions installed").isGreaterThan(3);
        assertThat(model.sideBySide).as("installs with the other lane in flight").isGreaterThan(5);
        assertThat(model.boundedSeals).as("seals of part of the growing segment").isGreaterThan(5);
        assertThat(model.racingWrites).as("writes during a build").isGreaterThan(100);
        assertThat(model.racingKills).as("copies killed at install").isGreaterThan(5);
        if (pressure) {
            assertThat(model.tierDowns).as("tier-downs installed").isGreaterThan(3);
            assertThat(model.binaryBuilds).as("seals and merges built binary").isGreaterThan(3);
        }
    }

    @Test
    void theGrowingSegmentsSizeFollowsItsMetadataAndComesCloseToTheSealedOnes() {
        SegmentSpec spec =
                new SegmentSpec(SegmentType.HNSW, Metric.EUCLIDEAN, DIM, 8, 32, 0, 0, 4, 1);
        ShardSegments shard = new ShardSegments(spec, MemoryTier.FULL);
        long empty = shard.growingSegmentBytes();
        shard.upsert("a", new float[DIM], Map.of("k", "v"), 0);
        long one = shard.growingSegmentBytes();
        shard.upsert("a", new float[DIM], Map.of("k", "x".repeat(10_000)), 1);
        assertThat(shard.growingSegmentBytes()).isGreaterThan(one + 9_000);
        shard.delete("a");
        assertThat(shard.growingSegmentBytes()).isEqualTo(empty);

        Random rnd = new Random(3);
        for (int i = 0; i < 500; i++) {
            float[] v = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                v[j] = rnd.nextFloat();
            }
            shard.upsert("id-" + i, v, Map.of("n", "v" + i), 2 + i);
        }
        long estimate = shard.growingSegmentBytes();
        SegmentBuild seal = shard.startSeal(1);
        SealedSegment sealed = seal.run(spec);
        assertThat((double) estimate)
                .isBetween(0.5 * sealed.memoryBytes(), 2.0 * sealed.memoryBytes());
    }

    @Test
    void aPqCodesRerankReadsAtMostMaxOfKAndRerankVectorsPerShardWhateverTheSegments() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.IVF_PQ), MemoryTier.PQ_CODES);
        Map<String, float[]> stored = new HashMap<>();
        for (int segment = 0; segment < 6; segment++) {
            for (int i = 0; i < 200; i++) {
                String id = segment + "-" + i;
                float[] v = vector(segment * 1000 + i);
                stored.put(id, v);
                shard.upsert(id, v, null, segment * 1000L + i);
            }
            install(shard, shard.startSeal(segment));
        }
        assertThat(shard.sealed()).hasSize(6);
        int[] reads = {0};
        VectorSource counting =
                id -> {
                    reads[0]++;
                    return stored.get(id);
                };
        int rerank = 40;
        int hitsOfExactTop10 = 0;
        for (int q = 0; q < 20; q++) {
            float[] query = vector(-1 - q);
            reads[0] = 0;
            SearchHits hits = shard.search(query, new SearchKnobs(10, 64, 64, rerank), counting);
            assertThat(reads[0]).isLessThanOrEqualTo(rerank);
            Set<String> exact = exactTop(stored, query, 10);
            for (String id : hits.ids()) {
                if (exact.contains(id)) {
                    hitsOfExactTop10++;
                }
            }
            // Reranked scores are exact distances.
            assertThat(hits.scores()[0])
                    .isCloseTo(
                            (float)
                                    Math.sqrt(
                                            VectorMath.squaredDistance(
                                                    stored.get(hits.ids()[0]), 0, query, 0, DIM)),
                            within(1e-4f));
        }
        assertThat(hitsOfExactTop10 / 200.0).isGreaterThan(0.8);
    }

    private static Set<String> exactTop(Map<String, float[]> stored, float[] query, int k) {
        TreeSet<Map.Entry<Double, String>> best =
                new TreeSet<>(
                        Map.Entry.<Double, String>comparingByKey()
                                .thenComparing(Map.Entry.comparingByValue()));
        stored.forEach(
                (id, v) ->
                        best.add(
                                Map.entry(
                                        (double) VectorMath.squaredDistance(v, 0, query, 0, DIM),
                                        id)));
        Set<String> out = new HashSet<>();
        for (Map.Entry<Double, String> e : best) {
            if (out.size() == k) {
                break;
            }
            out.add(e.getValue());
        }
        return out;
    }

    @Test
    void upsertOfASealedIdKillsItsSealedCopy() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.HNSW), MemoryTier.FULL);
        shard.upsert("a", vector(1), Map.of(), 0);
        shard.upsert("b", vector(2), Map.of(), 1);
        install(shard, shard.startSeal(7));
        assertThat(shard.isGrowing("a")).isFalse();
        assertThat(shard.contains("a")).isTrue();

        int ordinal = shard.sealed().get(0).ordinalOf("a");
        assertThat(shard.upsert("a", vector(3), Map.of(), 2))
                .containsExactly(new Tombstone(7, ordinal));
        assertThat(shard.isGrowing("a")).isTrue();
        assertThat(shard.upsert("a", vector(4), Map.of(), 3)).isEmpty();
        assertThat(shard.delete("b")).hasSize(1);
        assertThat(shard.delete("b")).isEmpty();
        assertThat(shard.delete("a")).isEmpty();
        assertThat(shard.liveCount()).isZero();
        assertThat(shard.tombstoneCount()).isEqualTo(2);
    }

    @Test
    void writesDuringASealWinAtInstall() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.IVF_FLAT), MemoryTier.FULL);
        for (int i = 0; i < 5; i++) {
            shard.upsert("id" + i, vector(i), Map.of(), i);
        }
        SegmentBuild seal = shard.startSeal(1);
        assertThat(shard.building()).isTrue();
        assertThat(shard.startSeal(2)).isNull();
        assertThat(shard.startCompaction(2, POLICY, VectorSource.NONE)).isNull();
        shard.upsert("id1", vector(10), Map.of(), 5); // replaced
        shard.delete("id2"); // deleted
        shard.delete("id3");
        shard.upsert("id3", vector(11), Map.of(), 6); // deleted, then back
        shard.upsert("id9", vector(12), Map.of(), 7); // new

        SealedSegment built = seal.run(shard.spec());
        ShardSegments.Installed installed = shard.install(seal, built);

        assertThat(installed.movedFromGrowing()).containsExactlyInAnyOrder("id0", "id4");
        assertThat(installed.removedSegments()).isEmpty();
        assertThat(installed.tombstones()).hasSize(3);
        assertThat(installed.segment().liveCount()).isEqualTo(2);
        assertThat(shard.building()).isFalse();
        assertThat(shard.growingCount()).isEqualTo(3);
        assertThat(shard.liveCount()).isEqualTo(5);
        SearchHits hits =
                shard.search(vector(10), new SearchKnobs(10, 10, 10, 0), VectorSource.NONE);
        assertThat(hits.ids()).containsExactlyInAnyOrder("id0", "id1", "id3", "id4", "id9");
        assertThat(hits.ids()[0]).isEqualTo("id1");
        assertThat(hits.scores()[0]).isZero();
    }

    @Test
    void aCompactionOfDeadSegmentsJustDropsThem() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.IVF_PQ), MemoryTier.PQ_CODES);
        shard.upsert("a", vector(1), Map.of(), 0);
        install(shard, shard.startSeal(1));
        shard.upsert("b", vector(2), Map.of(), 1);
        install(shard, shard.startSeal(2));
        shard.delete("a");

        SegmentBuild compaction = shard.startCompaction(3, POLICY, VectorSource.NONE);
        assertThat(compaction.ids()).isEmpty();
        assertThat(compaction.sourceSegments()).containsExactly(1L);
        ShardSegments.Installed installed = shard.install(compaction, compaction.run(shard.spec()));

        assertThat(installed.segment().size()).isZero();
        assertThat(installed.removedSegments()).containsExactly(1L);
        assertThat(shard.sealed()).extracting(SealedSegment::id).containsExactly(2L);
        assertThat(shard.tombstoneCount()).isZero();
        assertThat(shard.startCompaction(4, POLICY, VectorSource.NONE)).isNull();
    }

    @Test
    void aCompactionKeepsOnlyCopiesStillLiveInItsSources() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.HNSW), MemoryTier.FULL);
        long seq = 0;
        for (long segment = 1; segment <= 4; segment++) {
            for (int i = 0; i < 3; i++) {
                shard.upsert(
                        "s" + segment + "-" + i, vector((int) segment * 10 + i), Map.of(), seq++);
            }
            install(shard, shard.startSeal(segment));
        }
        SegmentBuild compaction = shard.startCompaction(5, POLICY, VectorSource.NONE);
        assertThat(compaction.sourceSegments()).hasSize(2);
        String kept = compaction.ids()[0];
        String deleted = compaction.ids()[1];
        String replaced = compaction.ids()[2];
        shard.delete(deleted);
        shard.upsert(replaced, vector(99), Map.of(), seq++);

        ShardSegments.Installed installed = shard.install(compaction, compaction.run(shard.spec()));

        assertThat(installed.tombstones())
                .containsExactlyInAnyOrder(new Tombstone(5, 1), new Tombstone(5, 2));
        assertThat(installed.removedSegments())
                .containsExactlyInAnyOrder(
                        compaction.sourceSegments()[0], compaction.sourceSegments()[1]);
        assertThat(shard.sealed()).hasSize(3);
        assertThat(shard.sealed().get(2).ordinalOf(kept)).isZero();
        assertThat(shard.contains(deleted)).isFalse();
        assertThat(shard.isGrowing(replaced)).isTrue();
        assertThat(shard.liveCount()).isEqualTo(11);
    }

    @Test
    void abortForgetsTheBuildAndLeavesTheShardAsItWas() {
        ShardSegments shard = new ShardSegments(spec(SegmentType.HNSW), MemoryTier.FULL);
        shard.upsert("a", vector(1), Map.of(), 0);
        SegmentBuild seal = shard.startSeal(1);
        shard.abort(seal);
        assertThat(shard.building()).isFalse();
        assertThat(shard.isGrowing("a")).isTrue();
        assertThat(shard.sealed()).isEmpty();
        assertThatThrownBy(() -> shard.install(seal, seal.run(shard.spec())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no seal is in flight");
        SegmentBuild again = shard.startSeal(2);
        assertThatThrownBy(() -> shard.abort(seal))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the seal in flight");
        assertThat(again).isNotNull();
    }

    @Test
    void argumentsAreCheckedWithClearMessages() {
        assertThatThrownBy(() -> new ShardSegments(spec(SegmentType.HNSW), MemoryTier.PQ_CODES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ivf-pq");
        ShardSegments shard = new ShardSegments(spec(SegmentType.HNSW), MemoryTier.FULL);
        assertThatThrownBy(() -> shard.upsert("a", new float[3], Map.of(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 3");
        assertThatThrownBy(() -> shard.search(new float[3], new SearchKnobs(1, 1, 1, 0), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(shard.startSeal(1)).isNull();
        assertThat(shard.search(vector(0), new SearchKnobs(5, 5, 5, 0), null).size()).isZero();
    }

    private static SegmentSpec spec(SegmentType type) {
        return new SegmentSpec(type, Metric.EUCLIDEAN, DIM, 8, 32, 0, 0, 4, 5);
    }

    private static ShardSegments.Installed install(ShardSegments shard, SegmentBuild build) {
        return shard.install(build, build.run(shard.spec()));
    }

    private static float[] vector(int seed) {
        Random random = new Random(seed);
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static final Filter TAG_0 = FilterParser.parse("{\"eq\": {\"tag\": \"0\"}}");

    /** The shard under test, the map it must equal, and what a caller would have persisted. */
    private static final class Model {

        private final SegmentSpec spec;
        private final MemoryTier tier;
        private final Random random;
        private final ShardSegments shard;
        private final Map<String, float[]> live = new HashMap<>();
        private final Map<String, Map<String, String>> liveMetadata = new HashMap<>();
        private final VectorSource source = id -> clone(live.get(id));

        // What the caller persists: blobs in manifest order, tombstones, the growing vectors.
        private final Map<Long, byte[]> blobs = new LinkedHashMap<>();
        private final Map<Long, Set<Integer>> tombstones = new HashMap<>();
        private final Map<String, float[]> growingVectors = new HashMap<>();
        private final Map<String, Long> growingSeqs = new HashMap<>();
        private final Map<String, Map<String, String>> growingMetadata = new HashMap<>();

        private SegmentBuild pendingSeal;
        private SegmentBuild pendingMerge;
        private long nextSeq;
        private long nextSegmentId;
        int seals;
        int compactions;
        int racingWrites;
        int racingKills;
        int sideBySide;
        int boundedSeals;
        boolean pressure;
        int tierDowns;
        int binaryBuilds;
        private SegmentBuild pendingTierDown;

        Model(SegmentSpec spec, MemoryTier tier, Random random) {
            this.spec = spec;
            this.tier = tier;
            this.random = random;
            this.shard = new ShardSegments(spec, tier);
        }

        void step() throws IOException {
            int dice = random.nextInt(100);
            if (dice < 50) {
                String id = "id" + random.nextInt(IDS);
                float[] v = randomVector();
                long seq = nextSeq++;
                Map<String, String> metadata = Map.of("tag", String.valueOf(seq % 3));
                persist(shard.upsert(id, v, metadata, seq));
                live.put(id, v.clone());
                liveMetadata.put(id, metadata);
                growingMetadata.put(id, metadata);
                growingVectors.put(id, v.clone());
                growingSeqs.put(id, seq);
                racingWrites += shard.building() ? 1 : 0;
            } else if (dice < 72) {
                String id = "id" + random.nextInt(IDS);
                persist(shard.delete(id));
                live.remove(id);
                liveMetadata.remove(id);
                growingMetadata.remove(id);
                growingVectors.remove(id);
                growingSeqs.remove(id);
                racingWrites += shard.building() ? 1 : 0;
            } else if (dice < 80) {
                int max = 1 + random.nextInt(60);
                int growing = shard.growingCount();
                SegmentBuild seal = shard.startSeal(nextSegmentId, max);
                assertThat(seal == null).isEqualTo(pendingSeal != null || growing == 0);
                if (seal != null) {
                    checkTakesTheOldest(seal, max);
                    assertThat(seal.tier())
                            .isEqualTo(shard.buildsBinary() ? MemoryTier.BINARY : MemoryTier.FULL);
                    boundedSeals += growing > max ? 1 : 0;
                    pendingSeal = seal;
                    nextSegmentId++;
                }
            } else if (dice < 88) {
                SegmentBuild compaction = shard.startCompaction(nextSegmentId, POLICY, source);
                assertThat(compaction == null || pendingMerge == null).isTrue();
                if (compaction != null) {
                    // The tier the budget asks for, and binary whenever a source is.
                    boolean binarySource = false;
                    for (SealedSegment segment : shard.sealed()) {
                        binarySource |=
                                segment.tier() == MemoryTier.BINARY
                                        && Arrays.stream(compaction.sourceSegments())
                                                .anyMatch(id -> id == segment.id());
                    }
                    assertThat(compaction.tier())
                            .isEqualTo(
                                    shard.buildsBinary() || binarySource
                                            ? MemoryTier.BINARY
                                            : MemoryTier.FULL);
                    pendingMerge = compaction;
                    nextSegmentId++;
                }
            } else if (dice < 97) {
                if (pressure && random.nextInt(4) == 0) {
                    shard.buildIntoBinary(random.nextBoolean());
                    SegmentBuild tierDown = shard.startTierDown(nextSegmentId, source);
                    assertThat(tierDown == null || pendingMerge == null).isTrue();
                    if (tierDown != null) {
                        assertThat(tierDown.tier()).isEqualTo(MemoryTier.BINARY);
                        assertThat(tierDown.sourceSegments()).hasSize(1);
                        pendingMerge = tierDown;
                        pendingTierDown = tierDown;
                        nextSegmentId++;
                    }
                }
                finishBuild(random.nextBoolean() ? pendingSeal : pendingMerge);
            } else if (pendingSeal != null || pendingMerge != null) {
                SegmentBuild failed = pendingSeal != null ? pendingSeal : pendingMerge;
                shard.abort(failed);
                forget(failed);
            }
            assertThat(shard.sealing()).isEqualTo(pendingSeal != null);
            assertThat(shard.merging()).isEqualTo(pendingMerge != null);
            assertThat(shard.inFlight(pendingSeal)).isEqualTo(pendingSeal != null);
            assertThat(shard.inFlight(pendingMerge)).isEqualTo(pendingMerge != null);
        }

        /**
         * A seal takes at most max vectors, all of it when there are no more, with their current
         * values, and every growing vector older than one it takes.
         */
        private void checkTakesTheOldest(SegmentBuild seal, int max) {
            if (growingSeqs.size() <= max) {
                assertThat(seal.ids()).hasSize(growingSeqs.size());
            }
            assertThat(seal.ids().length).isBetween(1, max);
            long newest = -1;
            for (int i = 0; i < seal.ids().length; i++) {
                String id = seal.ids()[i];
                assertThat(seal.seqs()[i]).isEqualTo(growingSeqs.get(id));
                assertThat(Arrays.copyOfRange(seal.vectors(), i * DIM, (i + 1) * DIM))
                        .isEqualTo(growingVectors.get(id));
                newest = Math.max(newest, seal.seqs()[i]);
            }
            Set<String> taken = new HashSet<>(List.of(seal.ids()));
            for (Map.Entry<String, Long> g : growingSeqs.entrySet()) {
                if (!taken.contains(g.getKey())) {
                    assertThat(g.getValue())
                            .as("seq of %s, left growing", g.getKey())
                            .isGreaterThan(newest);
                }
            }
        }

        private void forget(SegmentBuild build) {
            if (build == pendingSeal) {
                pendingSeal = null;
            } else {
                pendingMerge = null;
            }
        }

        void finishBuilds() throws IOException {
            finishBuild(pendingMerge);
            finishBuild(pendingSeal);
        }

        private void finishBuild(SegmentBuild pending) throws IOException {
            if (pending == null) {
                return;
            }
            sideBySide += pendingSeal != null && pendingMerge != null ? 1 : 0;
            // Built only now, after the writes that raced it: the build must hold copies.
            SealedSegment built = pending.run(spec);
            assertThat(built.tier()).isEqualTo(pending.tier());
            binaryBuilds += built.tier() == MemoryTier.BINARY ? 1 : 0;
            tierDowns += pending == pendingTierDown ? 1 : 0;
            byte[] blob = bytes(built);
            ShardSegments.Installed installed = shard.install(pending, built);
            assertThat(installed.segment()).isSameAs(built);
            if (pending.isSeal()) {
                seals++;
                for (String id : installed.movedFromGrowing()) {
                    growingVectors.remove(id);
                    growingMetadata.remove(id);
                    growingSeqs.remove(id);
                }
            } else {
                compactions++;
                assertThat(installed.removedSegments())
                        .containsExactlyInAnyOrder(box(pending.sourceSegments()));
                for (long removed : installed.removedSegments()) {
                    blobs.remove(removed);
                    tombstones.remove(removed);
                }
            }
            if (built.size() > 0) {
                blobs.put(built.id(), blob);
                tombstones.put(built.id(), new HashSet<>());
            }
            racingKills += installed.tombstones().size();
            persist(installed.tombstones());
            // The blob written before install is the same as one written after the kills.
            assertThat(bytes(installed.segment())).isEqualTo(blob);
            forget(pending);
        }

        private void persist(List<Tombstone> reported) {
            for (Tombstone t : reported) {
                assertThat(tombstones.get(t.segmentId()).add(t.ordinal()))
                        .as("tombstone %s reported once", t)
                        .isTrue();
            }
        }

        void checkView() {
            assertThat(shard.liveCount()).isEqualTo(live.size());
            for (int i = 0; i < IDS; i++) {
                String id = "id" + i;
                assertThat(shard.contains(id)).as(id).isEqualTo(live.containsKey(id));
                assertThat(shard.isGrowing(id)).as(id).isEqualTo(growingVectors.containsKey(id));
            }
            assertThat(shard.growingCount()).isEqualTo(growingVectors.size());
            // Every sealed segment is persisted, with exactly its dead ordinals as tombstones.
            assertThat(shard.sealed())
                    .extracting(SealedSegment::id)
                    .containsExactlyElementsOf(blobs.keySet());
            long dead = 0;
            for (SealedSegment segment : shard.sealed()) {
                if (pressure) {
                    assertThat(segment.tier()).isIn(tier, MemoryTier.BINARY);
                } else {
                    assertThat(segment.tier()).isEqualTo(tier);
                }
                Set<Integer> expected = tombstones.get(segment.id());
                for (int ordinal = 0; ordinal < segment.size(); ordinal++) {
                    assertThat(segment.isLive(ordinal)).isEqualTo(!expected.contains(ordinal));
                }
                dead += expected.size();
            }
            assertThat(shard.tombstoneCount()).isEqualTo(dead);
            checkSearch(shard, randomVector());
        }

        /** Searching for everything returns each live id once, with its exact score, in order. */
        private void checkSearch(ShardSegments view, float[] query) {
            int k = Math.max(1, live.size());
            SearchHits hits = view.search(query, new SearchKnobs(k, k, 100_000, 100_000), source);
            assertThat(hits.ids()).doesNotHaveDuplicates();
            assertThat(new TreeSet<>(List.of(hits.ids()))).isEqualTo(new TreeSet<>(live.keySet()));
            // The same with a filter: exactly the live ids whose current metadata match.
            SearchHits tagged =
                    view.search(query, new SearchKnobs(k, k, 100_000, 100_000), source, TAG_0);
            Set<String> expected = new TreeSet<>();
            liveMetadata.forEach(
                    (id, m) -> {
                        if (TAG_0.matches(m)) {
                            expected.add(id);
                        }
                    });
            assertThat(tagged.ids()).doesNotHaveDuplicates();
            assertThat(new TreeSet<>(List.of(tagged.ids()))).isEqualTo(expected);
            Metric metric = spec.metric();
            float previous = Float.POSITIVE_INFINITY;
            for (int i = 0; i < hits.size(); i++) {
                float internal = metric.score(query, live.get(hits.ids()[i]), 0, DIM);
                assertThat(hits.scores()[i])
                        .isCloseTo(metric.externalScore(internal), within(1e-4f));
                assertThat(internal).isLessThanOrEqualTo(previous + 1e-4f);
                previous = internal;
            }
        }

        /** A view restored from the persisted blobs, tombstones and growing vectors is the same. */
        void checkRestore() throws IOException {
            ShardSegments restored = new ShardSegments(spec, tier);
            for (Map.Entry<Long, byte[]> blob : blobs.entrySet()) {
                SealedSegment segment =
                        SealedSegment.read(new ByteArrayInputStream(blob.getValue()), tier);
                for (int ordinal : tombstones.get(blob.getKey())) {
                    segment.kill(ordinal);
                }
                restored.restoreSealed(segment);
            }
            for (Map.Entry<String, float[]> g : growingVectors.entrySet()) {
                restored.restoreGrowing(
                        g.getKey(),
                        g.getValue(),
                        growingMetadata.get(g.getKey()),
                        growingSeqs.get(g.getKey()));
            }
            assertThat(restored.liveCount()).isEqualTo(shard.liveCount());
            assertThat(restored.tombstoneCount()).isEqualTo(shard.tombstoneCount());
            for (int q = 0; q < 3; q++) {
                float[] query = randomVector();
                SearchKnobs knobs = new SearchKnobs(10, 16, 4, 20);
                assertThat(restored.search(query, knobs, source))
                        .isEqualTo(shard.search(query, knobs, source));
                assertThat(restored.search(query, knobs, source, TAG_0))
                        .isEqualTo(shard.search(query, knobs, source, TAG_0));
            }
            assertThat(restored.sealed())
                    .extracting(SealedSegment::id)
                    .containsExactlyElementsOf(blobs.keySet());
        }

        private float[] randomVector() {
            float[] v = new float[DIM];
            for (int i = 0; i < DIM; i++) {
                v[i] = (float) random.nextGaussian();
            }
            if (spec.metric().normalises()) {
                VectorMath.normalize(v);
            }
            return v;
        }

        private static float[] clone(float[] v) {
            return v == null ? null : v.clone();
        }

        private static Long[] box(long[] values) {
            Long[] out = new Long[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i];
            }
            return out;
        }

        private static byte[] bytes(SealedSegment segment) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            segment.write(out);
            return out.toByteArray();
        }
    }
}
