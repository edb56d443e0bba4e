package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.text.Bm25;
import io.vectorstream.state.text.Tokenizer;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keyword search against a brute-force BM25 oracle over the live texts, through random upserts
 * (with and without text), deletes, seals, compactions and a restore from the segments' blobs: the
 * postings and statistics must stay exact through every step of the segment life cycle.
 */
class KeywordSearchTest {

    private static final int DIM = 4;
    private static final String[] WORDS = words(40);
    private static final CompactionPolicy POLICY = new CompactionPolicy(3, 0.2);

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"HNSW, FULL", "IVF_FLAT, FULL", "IVF_PQ, PQ_CODES"})
    void matchesBruteForceThroughSealsCompactionsAndRestore(SegmentType type, MemoryTier tier)
            throws IOException {
        SegmentSpec spec = new SegmentSpec(type, Metric.EUCLIDEAN, DIM, 8, 32, 0, 2, 4, 7);
        Random random = new Random(type.ordinal() * 17L + 3);
        ShardSegments shard = new ShardSegments(spec, tier);
        Map<String, String> texts = new HashMap<>();
        Map<String, Map<String, String>> metadata = new HashMap<>();
        Map<String, float[]> vectors = new HashMap<>();
        long seq = 0;
        long segmentId = 1;
        int compactions = 0;
        for (int step = 0; step < 2400; step++) {
            String id = "d" + random.nextInt(500);
            if (random.nextInt(10) < 8) {
                String text = random.nextInt(12) == 0 ? null : randomText(random);
                float[] vector = randomVector(random);
                Map<String, String> meta = Map.of("g", Integer.toString(random.nextInt(3)));
                shard.upsert(id, vector, meta, text, seq++);
                texts.put(id, text);
                metadata.put(id, meta);
                vectors.put(id, vector);
            } else {
                shard.delete(id);
                texts.remove(id);
                metadata.remove(id);
                vectors.remove(id);
            }
            if (step % 150 == 149) {
                SegmentBuild seal = shard.startSeal(segmentId++, 120);
                if (seal != null) {
                    shard.install(seal, seal.run(spec));
                }
                SegmentBuild compaction = shard.startCompaction(segmentId++, POLICY, vectors::get);
                if (compaction != null) {
                    compactions++;
                    SealedSegment built = compaction.run(spec);
                    // Writes during the build: the install must kill their old copies.
                    for (int w = 0; w < 20; w++) {
                        String raced = "d" + random.nextInt(500);
                        shard.delete(raced);
                        texts.remove(raced);
                        metadata.remove(raced);
                        vectors.remove(raced);
                    }
                    shard.install(compaction, built);
                }
            }
            if (step % 300 == 299) {
                check(shard, texts, metadata, random);
            }
        }
        assertThat(compactions).as("compactions ran").isGreaterThan(2);
        assertThat(shard.sealed()).isNotEmpty();
        check(shard, texts, metadata, random);
        check(restored(shard, spec, tier, texts, metadata, vectors), texts, metadata, random);
    }

    /** The shard as a restore sees it: blobs read back, tombstones applied, growing put back. */
    private static ShardSegments restored(
            ShardSegments shard,
            SegmentSpec spec,
            MemoryTier tier,
            Map<String, String> texts,
            Map<String, Map<String, String>> metadata,
            Map<String, float[]> vectors)
            throws IOException {
        ShardSegments copy = new ShardSegments(spec, tier);
        for (SealedSegment segment : shard.sealed()) {
            assertThat(segment.tier()).isEqualTo(tier);
            SealedSegment full = fullCopy(segment, spec, vectors);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            full.write(out);
            SealedSegment read =
                    SealedSegment.read(new ByteArrayInputStream(out.toByteArray()), tier);
            assertThat(read.keywords()).isEqualTo(segment.keywords());
            for (int o = 0; o < segment.size(); o++) {
                if (!segment.isLive(o)) {
                    read.kill(o);
                }
            }
            copy.restoreSealed(read);
        }
        for (String id : texts.keySet()) {
            if (shard.isGrowing(id)) {
                copy.restoreGrowing(id, vectors.get(id), metadata.get(id), texts.get(id), 0);
            }
        }
        return copy;
    }

    /**
     * A FULL-tier twin of {@code segment} (a PQ_CODES segment cannot be written): the same ids,
     * metadata and postings; vectors of dead ids do not matter to keyword search.
     */
    private static SealedSegment fullCopy(
            SealedSegment segment, SegmentSpec spec, Map<String, float[]> vectors) {
        if (segment.tier() == MemoryTier.FULL) {
            return segment;
        }
        float[] all = new float[segment.size() * DIM];
        for (int o = 0; o < segment.size(); o++) {
            float[] v = vectors.getOrDefault(segment.idAt(o), new float[] {1, 2, 3, 4});
            System.arraycopy(v, 0, all, o * DIM, DIM);
        }
        return SealedSegment.build(
                segment.id(),
                spec,
                segment.ids().toArray(),
                all,
                segment.metadataRows(),
                segment.keywords());
    }

    private static void check(
            ShardSegments shard,
            Map<String, String> texts,
            Map<String, Map<String, String>> metadata,
            Random random) {
        Filter groupOne = FilterParser.parse("{\"eq\":{\"g\":\"1\"}}");
        for (int q = 0; q < 25; q++) {
            Set<String> terms = new LinkedHashSet<>();
            int n = 1 + random.nextInt(4);
            for (int i = 0; i < n; i++) {
                terms.add(WORDS[zipf(random)]);
            }
            if (q % 5 == 0) {
                terms.add("absentword");
            }
            List<String> query = List.copyOf(terms);
            int k = 1 + random.nextInt(15);
            Filter filter = q % 3 == 0 ? groupOne : null;
            SearchHits hits = shard.keywordSearch(query, k, filter);
            List<Map.Entry<String, Float>> expected =
                    bruteForce(texts, metadata, query, k, filter == null ? null : "1");
            assertThat(hits.ids().length).as("hits for " + query).isEqualTo(expected.size());
            for (int h = 0; h < expected.size(); h++) {
                assertThat(hits.scores()[h])
                        .as("score of hit " + h + " for " + query)
                        .isCloseTo(expected.get(h).getValue(), within(1e-4f));
            }
            // Ids must agree wherever the score does not tie with the last hit's.
            float last = expected.isEmpty() ? 0 : expected.get(expected.size() - 1).getValue();
            Set<String> expectedIds =
                    expected.stream()
                            .filter(e -> e.getValue() > last + 1e-4f)
                            .map(Map.Entry::getKey)
                            .collect(Collectors.toSet());
            assertThat(Set.of(hits.ids())).containsAll(expectedIds);
        }
    }

    /** BM25 over every live text with terms, straight from its definition. */
    private static List<Map.Entry<String, Float>> bruteForce(
            Map<String, String> texts,
            Map<String, Map<String, String>> metadata,
            List<String> query,
            int k,
            String group) {
        Map<String, List<String>> tokens = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, String> e : texts.entrySet()) {
            List<String> t = Tokenizer.terms(e.getValue());
            if (!t.isEmpty()) {
                tokens.put(e.getKey(), t);
                total += t.size();
            }
        }
        float avg = (float) ((double) total / tokens.size());
        Map<String, Float> scores = new HashMap<>();
        for (String term : query) {
            long df = tokens.values().stream().filter(t -> t.contains(term)).count();
            if (df == 0) {
                continue;
            }
            float idf = Bm25.idf(tokens.size(), df);
            for (Map.Entry<String, List<String>> e : tokens.entrySet()) {
                int tf = (int) e.getValue().stream().filter(term::equals).count();
                if (tf > 0) {
                    scores.merge(
                            e.getKey(), Bm25.score(idf, tf, e.getValue().size(), avg), Float::sum);
                }
            }
        }
        return scores.entrySet().stream()
                .filter(e -> group == null || group.equals(metadata.get(e.getKey()).get("g")))
                .sorted(Map.Entry.<String, Float>comparingByValue(Comparator.reverseOrder()))
                .limit(k)
                .toList();
    }

    private static String randomText(Random random) {
        int n = 1 + random.nextInt(20);
        List<String> words = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String w = WORDS[zipf(random)];
            words.add(random.nextInt(7) == 0 ? w.toUpperCase() : w);
        }
        return String.join(random.nextBoolean() ? " " : ", ", words) + ".";
    }

    /** Skewed word choice, so that some terms are common and some rare. */
    private static int zipf(Random random) {
        return (int)
                Math.min(
                        WORDS.length - 1,
                        Math.floor(Math.pow(random.nextDouble(), 2.5) * WORDS.length));
    }

    private static float[] randomVector(Random random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = random.nextFloat();
        }
        return v;
    }

    private static String[] words(int n) {
        String[] words = new String[n];
        for (int i = 0; i < n; i++) {
            words[i] = "w" + Integer.toString(i * 7919 % 1000, 36) + (char) ('a' + i % 26);
        }
        return words;
    }
}
