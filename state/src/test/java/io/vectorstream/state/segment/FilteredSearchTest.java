package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Filtered search over a whole shard (sealed segments, growing segment, tombstones) against exact
 * filtered brute force, at selectivities from 50% to 0.1%. Vector i carries {@code bucket = i %
 * 1000}, so a range over buckets selects an exact share of the vectors, independent of where they
 * lie.
 */
class FilteredSearchTest {

    private static final int N = 10_000;
    private static final int SEGMENT = 3_000;
    private static final int DIM = 32;
    private static final int QUERIES = 40;
    private static final int K = 10;
    private static final float[][] ALL =
            SyntheticData.clustered(N + QUERIES, DIM, 200, 0.8, false, 99);

    private static ShardSegments hnsw;
    private static ShardSegments ivf;
    private static ShardSegments pqCodes;

    /** id → vector of the live vectors (the oracle's data). */
    private static Map<String, float[]> live;

    @BeforeAll
    static void buildShards() {
        live = new LinkedHashMap<>();
        hnsw = shard(SegmentType.HNSW);
        ivf = shard(SegmentType.IVF_FLAT);
        pqCodes = shard(SegmentType.IVF_PQ, MemoryTier.PQ_CODES);
        assertThat(hnsw.sealed()).hasSize(3);
        assertThat(hnsw.growingCount()).isPositive();
        assertThat(hnsw.tombstoneCount()).isPositive();
        assertThat(hnsw.liveCount()).isEqualTo(live.size());
    }

    @ParameterizedTest(name = "{0} buckets of 1000")
    @CsvSource({"500", "100", "10", "1"})
    void hnswFilteredRecallAt10IsAtLeast95Percent(int buckets) {
        Filter filter = bucketsBelow(buckets);
        assertThat(recall(hnsw, filter, new SearchKnobs(K, 64, 1, 0))).isGreaterThanOrEqualTo(0.95);
    }

    @ParameterizedTest(name = "{0} buckets of 1000")
    @CsvSource({"100", "10"})
    void ivfFilteredRecallAt10IsAtLeast95Percent(int buckets) {
        Filter filter = bucketsBelow(buckets);
        assertThat(recall(ivf, filter, new SearchKnobs(K, 1, 16, 0))).isGreaterThanOrEqualTo(0.95);
    }

    /** Without full vectors in memory, a selective filter scores every list's codes and reranks. */
    @ParameterizedTest(name = "{0} buckets of 1000")
    @CsvSource({"100", "10"})
    void ivfPqCodesFilteredRecallAt10IsAtLeast95Percent(int buckets) {
        Filter filter = bucketsBelow(buckets);
        VectorSource source = id -> ALL[Integer.parseInt(id.substring(1))];
        assertThat(recall(pqCodes, filter, new SearchKnobs(K, 1, 16, 100), source))
                .isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void equalityAndCompoundFiltersReturnOnlyMatches() {
        Filter parity =
                FilterParser.parse(
                        "{\"and\": [{\"eq\": {\"parity\": \"even\"}},"
                                + " {\"not\": {\"in\": {\"bucket\": [0, 2, 4]}}}]}");
        assertThat(recall(hnsw, parity, new SearchKnobs(K, 64, 1, 0))).isGreaterThanOrEqualTo(0.95);
        Filter nothing = FilterParser.parse("{\"eq\": {\"parity\": \"neither\"}}");
        assertThat(
                        hnsw.search(
                                        ALL[N],
                                        new SearchKnobs(K, 64, 1, 0),
                                        VectorSource.NONE,
                                        nothing)
                                .size())
                .isZero();
    }

    @Test
    void metadataSurviveCompactionAndTheBlob() throws IOException {
        ShardSegments shard = new ShardSegments(spec(SegmentType.HNSW), MemoryTier.FULL);
        for (int i = 0; i < 600; i++) {
            shard.upsert("v" + i, ALL[i], metadata(i), i);
            if (i % 200 == 199) {
                SegmentBuild seal = shard.startSeal(i);
                shard.install(seal, seal.run(shard.spec()));
            }
        }
        SegmentBuild compaction =
                shard.startCompaction(1000, new CompactionPolicy(1, 0.3), VectorSource.NONE);
        SealedSegment merged = compaction.run(shard.spec());
        shard.install(compaction, merged);
        assertThat(shard.sealed()).containsExactly(merged);
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        merged.write(blob);
        SealedSegment read =
                SealedSegment.read(new ByteArrayInputStream(blob.toByteArray()), MemoryTier.FULL);
        for (int ordinal = 0; ordinal < read.size(); ordinal++) {
            int i = Integer.parseInt(read.idAt(ordinal).substring(1));
            assertThat(read.metadataAt(ordinal)).isEqualTo(metadata(i));
        }
        Filter filter = bucketsBelow(100);
        SearchHits hits =
                read.search(ALL[N], new SearchKnobs(K, 64, 1, 0), VectorSource.NONE, filter);
        assertThat(hits.ids()).isNotEmpty();
        for (String id : hits.ids()) {
            assertThat(Integer.parseInt(id.substring(1)) % 1000).isLessThan(100);
        }
    }

    /**
     * Three sealed segments of {@value #SEGMENT}, the rest growing; then every 13th vector is
     * deleted and every 17th upserted again (so it moves to the growing segment with the same
     * vector and metadata).
     */
    private static ShardSegments shard(SegmentType type) {
        return shard(type, MemoryTier.FULL);
    }

    private static ShardSegments shard(SegmentType type, MemoryTier tier) {
        ShardSegments shard = new ShardSegments(spec(type), tier);
        long seq = 0;
        for (int i = 0; i < N; i++) {
            shard.upsert("v" + i, ALL[i], metadata(i), seq++);
            live.put("v" + i, ALL[i]);
            if ((i + 1) % SEGMENT == 0) {
                SegmentBuild seal = shard.startSeal(i);
                shard.install(seal, seal.run(shard.spec()));
            }
        }
        for (int i = 0; i < N; i += 13) {
            shard.delete("v" + i);
            live.remove("v" + i);
        }
        for (int i = 1; i < N; i += 17) {
            if (live.containsKey("v" + i)) {
                shard.upsert("v" + i, ALL[i], metadata(i), seq++);
            }
        }
        return shard;
    }

    private static Map<String, String> metadata(int i) {
        return Map.of("bucket", String.valueOf(i % 1000), "parity", i % 2 == 0 ? "even" : "odd");
    }

    private static Filter bucketsBelow(int buckets) {
        return buckets == 1
                ? FilterParser.parse("{\"eq\": {\"bucket\": \"0\"}}")
                : FilterParser.parse("{\"range\": {\"bucket\": {\"lt\": " + buckets + "}}}");
    }

    /** Mean recall@k against exact filtered search; also checks that every hit matches. */
    private static double recall(ShardSegments shard, Filter filter, SearchKnobs knobs) {
        return recall(shard, filter, knobs, VectorSource.NONE);
    }

    private static double recall(
            ShardSegments shard, Filter filter, SearchKnobs knobs, VectorSource source) {
        double sum = 0;
        for (int q = 0; q < QUERIES; q++) {
            float[] query = ALL[N + q];
            Set<String> truth = exact(query, filter);
            SearchHits hits = shard.search(query, knobs, source, filter);
            assertThat(hits.ids()).doesNotHaveDuplicates();
            int found = 0;
            for (String id : hits.ids()) {
                int i = Integer.parseInt(id.substring(1));
                assertThat(live).containsKey(id);
                assertThat(filter.matches(metadata(i))).as("hit %s matches", id).isTrue();
                found += truth.contains(id) ? 1 : 0;
            }
            sum += truth.isEmpty() ? 1 : (double) found / truth.size();
        }
        return sum / QUERIES;
    }

    private static Set<String> exact(float[] query, Filter filter) {
        TopK top = new TopK(K);
        String[] ids = live.keySet().toArray(new String[0]);
        for (int n = 0; n < ids.length; n++) {
            int i = Integer.parseInt(ids[n].substring(1));
            if (filter.matches(metadata(i))) {
                top.offer(Metric.EUCLIDEAN.score(query, ALL[i], 0, DIM), n);
            }
        }
        Set<String> truth = new HashSet<>();
        for (long packed : top.drainBestFirst()) {
            truth.add(ids[TopK.unpackNode(packed)]);
        }
        return truth;
    }

    private static SegmentSpec spec(SegmentType type) {
        return new SegmentSpec(
                type, Metric.EUCLIDEAN, DIM, 16, 100, 0, type == SegmentType.IVF_PQ ? 8 : 0, 10, 5);
    }
}
