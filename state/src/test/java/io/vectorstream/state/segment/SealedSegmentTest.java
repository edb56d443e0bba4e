package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.search.ExactSearch;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.text.KeywordIndex;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Sealed segments: recall against brute force, the binary form, tombstones and memory tiers. */
class SealedSegmentTest {

    private static final int N = 3000;
    private static final int DIM = 32;
    private static final int QUERIES = 50;
    private static final int K = 10;

    /** 200 overlapping clusters: hard enough that ADC alone misses neighbours rerank finds. */
    private static final float[][] ALL =
            SyntheticData.clustered(N + QUERIES, DIM, 200, 0.8, false, 7);

    private static final float[][] BASE = Arrays.copyOf(ALL, N);
    private static final float[][] QUERY = Arrays.copyOfRange(ALL, N, N + QUERIES);

    @Test
    void hnswRecallAt10IsAtLeast95Percent() {
        SealedSegment segment = build(spec(SegmentType.HNSW, 0), BASE);
        assertThat(recall(segment, new SearchKnobs(K, 64, 1, 0))).isGreaterThanOrEqualTo(0.95);
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void aBuildOnAnInterruptedThreadStopsWithACancellation(SegmentType type) {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> build(spec(type, type == SegmentType.IVF_PQ ? 8 : 0), BASE))
                    .isInstanceOf(java.util.concurrent.CancellationException.class);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void ivfFlatRecallAt10IsAtLeast95Percent() {
        SealedSegment segment = build(spec(SegmentType.IVF_FLAT, 0), BASE);
        assertThat(recall(segment, new SearchKnobs(K, 1, 16, 0))).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void ivfPqWithRerankRecallAt10IsAtLeast90Percent() {
        SealedSegment segment = build(spec(SegmentType.IVF_PQ, 8), BASE);
        double withRerank = recall(segment, new SearchKnobs(K, 1, 16, 100));
        assertThat(withRerank).isGreaterThanOrEqualTo(0.90);
        assertThat(withRerank).isGreaterThan(recall(segment, new SearchKnobs(K, 1, 16, 0)));
    }

    @Test
    void defaultsFollowTheSegmentSize() {
        SegmentSpec spec = spec(SegmentType.IVF_PQ, 0);
        assertThat(SealedSegment.ivf(spec, 10_000, 1).nlist()).isEqualTo(100);
        assertThat(SealedSegment.ivf(spec, 3, 1).nlist()).isEqualTo(2);
        assertThat(SealedSegment.ivf(spec, 1, 1).nlist()).isEqualTo(1);
        assertThat(SealedSegment.ivf(spec, 10_000, 1).pqM()).isEqualTo(4);
        assertThat(SealedSegment.defaultPqM(128)).isEqualTo(16);
        assertThat(SealedSegment.defaultPqM(100)).isEqualTo(10);
        assertThat(SealedSegment.defaultPqM(7)).isEqualTo(1);
        assertThat(SealedSegment.ivf(spec(SegmentType.IVF_FLAT, 0), 100, 1).pqM()).isZero();
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void writeThenReadGivesTheSameHitsAndTheSameBytes(SegmentType type) throws IOException {
        SealedSegment segment = build(spec(type, 4), Arrays.copyOf(BASE, 500));
        byte[] blob = bytes(segment);
        SealedSegment back = read(blob, MemoryTier.FULL);

        assertThat(back.id()).isEqualTo(segment.id());
        assertThat(back.type()).isEqualTo(type);
        assertThat(back.size()).isEqualTo(500);
        assertThat(back.idAt(17)).isEqualTo("v17");
        assertThat(back.ordinalOf("v17")).isEqualTo(17);
        assertThat(back.vectorAt(17)).containsExactly(BASE[17]);
        SearchKnobs knobs = new SearchKnobs(K, 32, 4, 40);
        for (float[] query : QUERY) {
            assertThat(back.search(query, knobs, VectorSource.NONE))
                    .isEqualTo(segment.search(query, knobs, VectorSource.NONE));
        }
        assertThat(bytes(back)).isEqualTo(blob);
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void killsNeverReachTheBlob(SegmentType type) throws IOException {
        SealedSegment segment = build(spec(type, 4), Arrays.copyOf(BASE, 200));
        byte[] before = bytes(segment);
        segment.kill(3);
        segment.kill(150);
        assertThat(bytes(segment)).isEqualTo(before);
        SealedSegment back = read(before, MemoryTier.FULL);
        assertThat(back.liveCount()).isEqualTo(200);
        assertThat(back.deletedCount()).isZero();
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void deletedIdsAreNeverReturned(SegmentType type) {
        float[][] base = Arrays.copyOf(BASE, 400);
        SealedSegment segment = build(spec(type, 4), base);
        SearchKnobs knobs = new SearchKnobs(K, 64, 64, 400);
        for (int q = 0; q < 40; q++) {
            float[] query = base[q * 7];
            String self = "v" + (q * 7);
            assertThat(segment.search(query, knobs, VectorSource.NONE).ids()[0]).isEqualTo(self);
            assertThat(segment.kill(q * 7)).isTrue();
            assertThat(segment.kill(q * 7)).isFalse();
            assertThat(segment.isLive(q * 7)).isFalse();
            assertThat(segment.ordinalOf(self)).isEqualTo(-1);
            assertThat(segment.search(query, knobs, VectorSource.NONE).ids()).doesNotContain(self);
        }
        assertThat(segment.liveCount()).isEqualTo(360);
        assertThat(segment.deletedCount()).isEqualTo(40);
        // A search for everything returns exactly the live ids.
        SearchHits all =
                segment.search(base[1], new SearchKnobs(400, 400, 64, 400), VectorSource.NONE);
        assertThat(all.ids()).hasSize(360).doesNotHaveDuplicates();
        for (int q = 0; q < 40; q++) {
            assertThat(all.ids()).doesNotContain("v" + (q * 7));
        }
    }

    @Test
    void pqCodesTierGivesTheSameHitsAsFullWhenRerankCoversTheCandidates() throws IOException {
        float[][] base = Arrays.copyOf(BASE, 600);
        SealedSegment full = build(spec(SegmentType.IVF_PQ, 8), base);
        full.kill(5);
        full.kill(77);
        byte[] blob = bytes(full);
        SealedSegment tiered = full.withTier(MemoryTier.PQ_CODES);
        SealedSegment readTiered = read(blob, MemoryTier.PQ_CODES);
        readTiered.kill(5);
        readTiered.kill(77);
        VectorSource source = id -> base[Integer.parseInt(id.substring(1))].clone();
        int[] loads = new int[1];
        VectorSource counting =
                id -> {
                    loads[0]++;
                    return source.vector(id);
                };

        assertThat(tiered.tier()).isEqualTo(MemoryTier.PQ_CODES);
        assertThat(tiered.deletedCount()).isEqualTo(2);
        assertThat(tiered.memoryBytes()).isLessThan(full.memoryBytes() - 600L * DIM * 4 / 2);
        for (SearchKnobs knobs :
                new SearchKnobs[] {new SearchKnobs(K, 1, 4, 50), new SearchKnobs(K, 1, 100, 600)}) {
            for (float[] query : QUERY) {
                SearchHits expected = full.search(query, knobs, VectorSource.NONE);
                assertThat(tiered.search(query, knobs, counting)).isEqualTo(expected);
                assertThat(readTiered.search(query, knobs, source)).isEqualTo(expected);
            }
        }
        assertThat(loads[0]).isPositive();
        assertThatThrownBy(() -> tiered.vectorAt(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PQ codes");
        assertThatThrownBy(() -> tiered.write(new ByteArrayOutputStream()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tiered.withTier(MemoryTier.FULL))
                .isInstanceOf(IllegalStateException.class);
        // The full segment is untouched by tiering.
        assertThat(full.vectorAt(0)).containsExactly(base[0]);
        assertThat(bytes(full)).isEqualTo(blob);
    }

    @Test
    void pqCodesTierLeavesOutIdsTheSourceNoLongerHas() {
        float[][] base = Arrays.copyOf(BASE, 300);
        SealedSegment tiered =
                build(spec(SegmentType.IVF_PQ, 8), base).withTier(MemoryTier.PQ_CODES);
        VectorSource source =
                id -> id.equals("v10") ? null : base[Integer.parseInt(id.substring(1))];
        SearchHits hits = tiered.search(base[10], new SearchKnobs(5, 1, 100, 300), source);
        assertThat(hits.ids()).hasSize(5).doesNotContain("v10");
    }

    @ParameterizedTest
    @EnumSource(
            value = SegmentType.class,
            names = {"HNSW", "IVF_FLAT"})
    void pqCodesTierNeedsIvfPq(SegmentType type) throws IOException {
        SealedSegment segment = build(spec(type, 0), Arrays.copyOf(BASE, 50));
        assertThatThrownBy(() -> segment.withTier(MemoryTier.PQ_CODES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ivf-pq");
        byte[] blob = bytes(segment);
        assertThatThrownBy(() -> read(blob, MemoryTier.PQ_CODES))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(segment.withTier(MemoryTier.FULL)).isSameAs(segment);
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void everyTruncationIsRejectedAsCorrupt(SegmentType type) throws IOException {
        byte[] blob =
                bytes(
                        build(
                                tinySpec(type),
                                Arrays.copyOf(BASE, 12),
                                SealedSegmentTest::bucketMetadata));
        for (int cut = 0; cut < blob.length; cut++) {
            ByteArrayInputStream in = new ByteArrayInputStream(blob, 0, cut);
            assertThatThrownBy(() -> SealedSegment.read(in, MemoryTier.FULL))
                    .as("cut at %d of %d", cut, blob.length)
                    .isInstanceOf(CorruptIndexException.class);
        }
    }

    /**
     * The stored snapshot pins format version 2: a change that breaks reading old segments fails
     * here. It holds segment 11, HNSW (euclidean, M 4, ef-construction 8, seed 1), of six 4-d
     * vectors with ids alpha, beta, gamma, delta, épsilon, zeta; component j of vector i is {@code
     * i - j * (i % 3) + j / 2}; metadata alpha {lang en, year 2020}, beta {lang fr, year 2021},
     * gamma {lang en}, delta {year n/a}, épsilon none, zeta {lang 日本語, year 2024}.
     */
    @Test
    void readsTheStoredVersion2Snapshot() throws IOException {
        byte[] stored = snapshot();
        SealedSegment segment = read(stored, MemoryTier.FULL);
        assertThat(segment.id()).isEqualTo(11);
        assertThat(segment.type()).isEqualTo(SegmentType.HNSW);
        assertThat(segment.dimension()).isEqualTo(4);
        assertThat(segment.size()).isEqualTo(6);
        assertThat(segment.idAt(4)).isEqualTo("épsilon");
        assertThat(segment.ordinalOf("zeta")).isEqualTo(5);
        assertThat(segment.vectorAt(2)).containsExactly(2f, 0.5f, -1f, -2.5f);
        assertThat(segment.metadataAt(0)).isEqualTo(Map.of("lang", "en", "year", "2020"));
        assertThat(segment.metadataAt(3)).isEqualTo(Map.of("year", "n/a"));
        assertThat(segment.metadataAt(4)).isEmpty();
        assertThat(segment.metadataAt(5)).isEqualTo(Map.of("lang", "日本語", "year", "2024"));
        SearchHits hits =
                segment.search(segment.vectorAt(3), new SearchKnobs(2, 8, 1, 0), VectorSource.NONE);
        assertThat(hits.ids()[0]).isEqualTo("delta");
        assertThat(hits.scores()[0]).isZero();
        SearchHits english =
                segment.search(
                        segment.vectorAt(3),
                        new SearchKnobs(6, 8, 1, 0),
                        VectorSource.NONE,
                        FilterParser.parse("{\"eq\": {\"lang\": \"en\"}}"));
        assertThat(english.ids()).containsExactlyInAnyOrder("alpha", "gamma");
        SearchHits recent =
                segment.search(
                        segment.vectorAt(3),
                        new SearchKnobs(6, 8, 1, 0),
                        VectorSource.NONE,
                        FilterParser.parse("{\"range\": {\"year\": {\"gte\": 2021}}}"));
        assertThat(recent.ids()).containsExactlyInAnyOrder("beta", "zeta");
        // It had no texts; written again it is a version 4 blob saying so, and reads back equal.
        assertThat(segment.keywords().textCount()).isZero();
        byte[] rewritten = bytes(segment);
        assertThat(readInt(rewritten, 4)).isEqualTo(4);
        assertThat(bytes(read(rewritten, MemoryTier.FULL))).isEqualTo(rewritten);
        assertThat(read(rewritten, MemoryTier.FULL).metadataRows())
                .isEqualTo(segment.metadataRows());
    }

    /**
     * The stored snapshot pins format version 3: the version 2 snapshot's segment with texts, so
     * its postings are read back, not rebuilt. Texts: alpha "Alpha streams Kafka records", beta
     * none, gamma "gamma rays, gamma GAMMA", delta "Delta: the delta of a river", épsilon "épsilon
     * ε small", zeta "東京 zeta".
     */
    @Test
    void readsTheStoredVersion3SnapshotWithItsPostings() throws IOException {
        byte[] stored;
        try (InputStream in = getClass().getResourceAsStream("/formats/segment-v3.bin")) {
            stored = in.readAllBytes();
        }
        SealedSegment segment = read(stored, MemoryTier.FULL);
        assertThat(readInt(stored, 4)).isEqualTo(3);
        assertThat(segment.idAt(4)).isEqualTo("épsilon");
        assertThat(segment.metadataAt(5)).isEqualTo(Map.of("lang", "日本語", "year", "2024"));
        KeywordIndex texts = segment.keywords();
        assertThat(texts.textCount()).isEqualTo(5);
        assertThat(texts.length(1)).isZero();
        assertThat(texts.length(2)).isEqualTo(4);
        int gamma = texts.termIndex("gamma");
        assertThat(texts.postingsEnd(gamma) - texts.postingsStart(gamma)).isOne();
        assertThat(texts.docAt(texts.postingsStart(gamma))).isEqualTo(2);
        assertThat(texts.freqAt(texts.postingsStart(gamma))).isEqualTo(3);
        assertThat(texts.termIndex("東京")).isNotNegative();
        assertThat(segment.liveTextLength()).isEqualTo(4 + 4 + 6 + 3 + 2);
        // Written again: version 4, with the tier byte (full) after the metric; reads back equal.
        byte[] rewritten = bytes(segment);
        assertThat(readInt(rewritten, 4)).isEqualTo(4);
        assertThat(rewritten[22]).isZero();
        assertThat(rewritten.length).isEqualTo(stored.length + 1);
        SealedSegment again = read(rewritten, MemoryTier.FULL);
        assertThat(bytes(again)).isEqualTo(rewritten);
        assertThat(again.keywords().freqAt(again.keywords().postingsStart(gamma))).isEqualTo(3);
    }

    /**
     * The stored snapshot pins format version 4 in the binary tier: 40 vectors of {@link #BASE}
     * (ids b0..b39, metadata n = ordinal mod 3) coded in lists. A restore reads the codes as they
     * were written: the loaded segment writes the same bytes again and searches as the one that was
     * coded, and no full vector is in it.
     */
    @Test
    void readsTheStoredBinaryTierSnapshotWithoutRecodingIt() throws IOException {
        SealedSegment coded = binarySnapshotSegment();
        byte[] stored;
        try (InputStream in = getClass().getResourceAsStream("/formats/segment-v4-binary.bin")) {
            stored = in.readAllBytes();
        }
        assertThat(readInt(stored, 4)).isEqualTo(4);
        assertThat(stored[22]).as("tier byte: binary").isEqualTo((byte) 1);
        SealedSegment segment = read(stored, MemoryTier.FULL);
        assertThat(segment.tier()).isEqualTo(MemoryTier.BINARY);
        assertThat(segment.size()).isEqualTo(40);
        assertThat(segment.idAt(7)).isEqualTo("b7");
        assertThat(segment.ordinalOf("b39")).isEqualTo(39);
        assertThat(segment.metadataAt(5)).isEqualTo(Map.of("n", "2"));
        assertThat(bytes(segment)).isEqualTo(stored);
        assertThat(bytes(coded)).as("coding is deterministic").isEqualTo(stored);
        SearchKnobs knobs = new SearchKnobs(5, 8, 2, 0);
        for (float[] query : Arrays.copyOf(QUERY, 5)) {
            assertThat(segment.search(query, knobs, VectorSource.NONE))
                    .isEqualTo(coded.search(query, knobs, VectorSource.NONE));
        }
        assertThatThrownBy(() -> segment.vectorAt(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one-bit codes");
    }

    private static SealedSegment binarySnapshotSegment() {
        String[] ids = new String[40];
        float[] vectors = new float[40 * DIM];
        List<Map<String, String>> metadata = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids[i] = "b" + i;
            System.arraycopy(BASE[i], 0, vectors, i * DIM, DIM);
            metadata.add(Map.of("n", String.valueOf(i % 3)));
        }
        return SealedSegment.buildBinary(
                3, spec(SegmentType.HNSW, 0), ids, vectors, metadata, null);
    }

    /** Version 1 (before metadata) was never shipped: it is refused, not read without metadata. */
    @Test
    void version1IsRefusedWithAClearMessage() throws IOException {
        byte[] v1 = snapshot();
        v1[7] = 1;
        assertThatThrownBy(() -> read(v1, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("unsupported segment format version 1");
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void metadataRoundTripsAndFiltersTheSameAfterReading(SegmentType type) throws IOException {
        float[][] base = Arrays.copyOf(BASE, 300);
        SealedSegment segment = build(spec(type, 4), base, SealedSegmentTest::bucketMetadata);
        byte[] blob = bytes(segment);
        SealedSegment back = read(blob, MemoryTier.FULL);
        assertThat(back.attributes()).isEqualTo(segment.attributes());
        for (int ordinal = 0; ordinal < 300; ordinal += 37) {
            assertThat(back.metadataAt(ordinal)).isEqualTo(bucketMetadata(ordinal));
        }
        Filter filter = FilterParser.parse("{\"in\": {\"bucket\": [\"1\", \"2\"]}}");
        SearchKnobs knobs = new SearchKnobs(K, 64, 16, 300);
        for (float[] query : QUERY) {
            SearchHits hits = back.search(query, knobs, VectorSource.NONE, filter);
            assertThat(hits).isEqualTo(segment.search(query, knobs, VectorSource.NONE, filter));
            assertThat(hits.ids()).hasSize(K);
            for (String id : hits.ids()) {
                assertThat(Integer.parseInt(id.substring(1)) % 10).isIn(1, 2);
            }
        }
        assertThat(bytes(back)).isEqualTo(blob);
    }

    private static Map<String, String> bucketMetadata(int ordinal) {
        return ordinal % 7 == 0
                ? Map.of()
                : Map.of(
                        "bucket",
                        String.valueOf(ordinal % 10),
                        "odd",
                        ordinal % 2 == 1 ? "y" : "n");
    }

    private byte[] snapshot() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/formats/segment-v2.bin")) {
            return in.readAllBytes();
        }
    }

    @Test
    void badMagicVersionAndHeaderBitsAreRejectedClearly() throws IOException {
        byte[] good = bytes(build(tinySpec(SegmentType.HNSW), Arrays.copyOf(BASE, 12)));
        byte[] magic = good.clone();
        magic[0] ^= 1;
        assertThatThrownBy(() -> read(magic, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("magic");
        byte[] version = good.clone();
        version[7] = 9;
        assertThatThrownBy(() -> read(version, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("version 9");
        byte[] type = good.clone();
        type[8] = 5;
        assertThatThrownBy(() -> read(type, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("type code 5");
        byte[] id = good.clone();
        id[31] ^= 0x20; // inside the first id's bytes: caught by the header checksum
        assertThatThrownBy(() -> read(id, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("checksum");
        byte[] hugeId = good.clone();
        hugeId[27] = 0x7f; // the first id's length
        assertThatThrownBy(() -> read(hugeId, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void anIvfFlatBlobDoesNotPassForIvfPq() throws IOException {
        byte[] blob = bytes(build(tinySpec(SegmentType.IVF_FLAT), Arrays.copyOf(BASE, 12)));
        // Rewrite the type byte and the header checksum to claim ivf-pq.
        blob[8] = 2;
        int headerEnd = headerLength(blob);
        CRC32C crc = new CRC32C();
        crc.update(blob, 0, headerEnd);
        int value = (int) crc.getValue();
        for (int i = 0; i < 4; i++) {
            blob[headerEnd + i] = (byte) (value >>> (24 - 8 * i));
        }
        assertThatThrownBy(() -> read(blob, MemoryTier.FULL))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("PQ codes");
    }

    @ParameterizedTest
    @EnumSource(SegmentType.class)
    void anEmptySegmentSearchesEmptyAndRoundTrips(SegmentType type) throws IOException {
        SealedSegment empty = SealedSegment.build(9, spec(type, 4), new String[0], new float[0]);
        assertThat(empty.size()).isZero();
        assertThat(empty.liveCount()).isZero();
        assertThat(empty.search(QUERY[0], new SearchKnobs(K, 8, 8, 8), VectorSource.NONE).size())
                .isZero();
        SealedSegment back = read(bytes(empty), MemoryTier.FULL);
        assertThat(back.size()).isZero();
        assertThat(back.id()).isEqualTo(9);
        assertThat(back.type()).isEqualTo(type);
        if (type == SegmentType.IVF_PQ) {
            assertThat(empty.withTier(MemoryTier.PQ_CODES).size()).isZero();
        }
    }

    @Test
    void buildArgumentsAreChecked() {
        SegmentSpec spec = spec(SegmentType.HNSW, 0);
        assertThatThrownBy(() -> SealedSegment.build(1, spec, new String[] {"a"}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dimension 32");
        assertThatThrownBy(
                        () ->
                                SealedSegment.build(
                                        1, spec, new String[] {"a", "a"}, new float[2 * DIM]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct");
    }

    @Test
    void theSameInputBuildsTheSameSegment() throws IOException {
        for (SegmentType type : SegmentType.values()) {
            float[][] base = Arrays.copyOf(BASE, 300);
            assertThat(bytes(build(spec(type, 4), base)))
                    .isEqualTo(bytes(build(spec(type, 4), base)));
        }
    }

    static SegmentSpec spec(SegmentType type, int pqM) {
        return new SegmentSpec(type, Metric.EUCLIDEAN, DIM, 16, 100, 0, pqM, 10, 1234);
    }

    /** Small everything, so that a blob is short enough to cut at every byte. */
    private static SegmentSpec tinySpec(SegmentType type) {
        return new SegmentSpec(type, Metric.EUCLIDEAN, DIM, 4, 8, 2, 2, 2, 1);
    }

    static SealedSegment build(SegmentSpec spec, float[][] base) {
        return build(spec, base, ordinal -> null);
    }

    static SealedSegment build(
            SegmentSpec spec, float[][] base, IntFunction<Map<String, String>> metadata) {
        String[] ids = new String[base.length];
        List<Map<String, String>> rows = new ArrayList<>();
        float[] flat = new float[base.length * spec.dimension()];
        for (int i = 0; i < base.length; i++) {
            ids[i] = "v" + i;
            System.arraycopy(base[i], 0, flat, i * spec.dimension(), spec.dimension());
            rows.add(metadata.apply(i));
        }
        return SealedSegment.build(42, spec, ids, flat, rows);
    }

    private static double recall(SealedSegment segment, SearchKnobs knobs) {
        double sum = 0;
        for (float[] query : QUERY) {
            int[] truth = ExactSearch.search(BASE, query, K, Metric.EUCLIDEAN, null).nodes();
            String[] ids = segment.search(query, knobs, VectorSource.NONE).ids();
            int[] found = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                found[i] = Integer.parseInt(ids[i].substring(1));
            }
            sum += ExactSearch.recall(truth, found);
        }
        return sum / QUERY.length;
    }

    static byte[] bytes(SealedSegment segment) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        segment.write(out);
        return out.toByteArray();
    }

    static SealedSegment read(byte[] blob, MemoryTier tier) throws IOException {
        return SealedSegment.read(new ByteArrayInputStream(blob), tier);
    }

    /** Where the header checksum starts, in a blob of any version without metadata or text. */
    private static int headerLength(byte[] blob) {
        int at = 4 + 4 + 1 + 8 + 4 + 1 + (readInt(blob, 4) >= 4 ? 1 : 0);
        int size = readInt(blob, at);
        at += 4;
        for (int i = 0; i < size; i++) {
            at += 4 + readInt(blob, at);
        }
        assertThat(readInt(blob, at)).as("no metadata keys").isZero();
        at += 4;
        assertThat(readInt(blob, at)).as("no text terms").isZero();
        return at + 4 + 4 + 4 * size;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24
                | (b[at + 1] & 0xff) << 16
                | (b[at + 2] & 0xff) << 8
                | (b[at + 3] & 0xff);
    }
}
