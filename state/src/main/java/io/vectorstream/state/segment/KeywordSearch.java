package io.vectorstream.state.segment;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.segment.internal.GrowingSegment;
import io.vectorstream.state.text.Bm25;
import io.vectorstream.state.text.DocTerms;
import io.vectorstream.state.text.KeywordIndex;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * BM25 over the texts of one or more shards: exhaustive over the query terms' postings, so exact.
 *
 * <p>Each shard scores with its own statistics (live texts, their mean length, each term's document
 * frequency over the shard's live texts), counted at query time from the segments' postings and
 * tombstones, as Elasticsearch scores a shard with its own statistics by default. A filter selects
 * which texts are returned, not the statistics. The hits of all shards are ranked together on their
 * scores.
 *
 * <p>The work is bounded by the query's terms and their postings: a growing segment is scanned (it
 * is small and has no postings), a sealed one walks only the postings of the query's terms.
 */
public final class KeywordSearch {

    private final List<ShardSegments> shards;
    private final TopK top;

    /** A TopK node number is a candidate of this table. */
    private final CandidateTable candidates;

    private KeywordSearch(List<ShardSegments> shards, List<VectorSource> sources, int k) {
        this.shards = shards;
        this.top = new TopK(k);
        this.candidates = new CandidateTable(shards, sources);
    }

    /**
     * The k best live texts of {@code shards} for the query {@code terms} (distinct, as {@link
     * io.vectorstream.state.text.Tokenizer} makes them) that match {@code filter}, best first,
     * scored by BM25; texts that hold none of the terms are never hits.
     *
     * @param sources each shard's full vectors (for a hit's vector in the PQ_CODES tier)
     * @param filter the metadata filter, or null for none
     */
    public static RankedHits search(
            List<ShardSegments> shards,
            List<VectorSource> sources,
            List<String> terms,
            int k,
            Filter filter) {
        Objects.requireNonNull(terms, "terms");
        if (shards.size() != sources.size()) {
            throw new IllegalArgumentException(
                    shards.size() + " shards but " + sources.size() + " vector sources");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        KeywordSearch search = new KeywordSearch(shards, sources, k);
        for (int s = 0; s < shards.size(); s++) {
            search.searchShard(s, terms, filter);
        }
        return search.hits();
    }

    private void searchShard(int s, List<String> terms, Filter filter) {
        ShardSegments shardSegments = shards.get(s);
        GrowingSegment growing = shardSegments.growing();
        List<SealedSegment> sealed = shardSegments.sealed();
        long texts = growing.textCount();
        long length = growing.totalTextLength();
        for (SealedSegment segment : sealed) {
            texts += segment.liveTextCount();
            length += segment.liveTextLength();
        }
        if (texts == 0 || terms.isEmpty()) {
            return;
        }
        float avgLength = (float) ((double) length / texts);
        float[] idf = new float[terms.size()];
        for (int t = 0; t < idf.length; t++) {
            long df = growingDocFreq(growing, terms.get(t));
            for (SealedSegment segment : sealed) {
                df += liveDocFreq(segment, terms.get(t));
            }
            idf[t] = df == 0 ? 0 : Bm25.idf(texts, df);
        }
        scoreGrowing(s, growing, terms, idf, avgLength, filter);
        for (int i = 0; i < sealed.size(); i++) {
            scoreSealed(s, i, sealed.get(i), terms, idf, avgLength, filter);
        }
    }

    private static long growingDocFreq(GrowingSegment growing, String term) {
        long df = 0;
        for (int slot = 0; slot < growing.size(); slot++) {
            df += growing.textAt(slot).freq(term) > 0 ? 1 : 0;
        }
        return df;
    }

    private static long liveDocFreq(SealedSegment segment, String term) {
        KeywordIndex index = segment.keywords();
        int t = index.termIndex(term);
        if (t < 0) {
            return 0;
        }
        long df = 0;
        for (int p = index.postingsStart(t); p < index.postingsEnd(t); p++) {
            df += segment.isLive(index.docAt(p)) ? 1 : 0;
        }
        return df;
    }

    private void scoreGrowing(
            int s,
            GrowingSegment growing,
            List<String> terms,
            float[] idf,
            float avgLength,
            Filter filter) {
        for (int slot = 0; slot < growing.size(); slot++) {
            DocTerms doc = growing.textAt(slot);
            if (doc.length() == 0) {
                continue;
            }
            float score = 0;
            boolean matched = false;
            for (int t = 0; t < idf.length; t++) {
                int tf = doc.freq(terms.get(t));
                if (tf > 0) {
                    matched = true;
                    score += Bm25.score(idf[t], tf, doc.length(), avgLength);
                }
            }
            if (matched && (filter == null || filter.matches(growing.metadataAt(slot)))) {
                offer(score, s, CandidateTable.GROWING, slot);
            }
        }
    }

    private void scoreSealed(
            int s,
            int leafIndex,
            SealedSegment segment,
            List<String> terms,
            float[] idf,
            float avgLength,
            Filter filter) {
        if (segment.liveTextCount() == 0) {
            return;
        }
        KeywordIndex index = segment.keywords();
        int[] found = new int[idf.length];
        long postings = 0;
        for (int t = 0; t < idf.length; t++) {
            found[t] = index.termIndex(terms.get(t));
            if (found[t] >= 0) {
                postings += index.postingsEnd(found[t]) - index.postingsStart(found[t]);
            }
        }
        if (postings == 0) {
            return;
        }
        BitSet matching = filter == null ? null : segment.attributes().select(filter);
        // Rare terms in a large segment: sum the few postings by ordinal instead of holding a
        // score per ordinal of the segment for every query.
        if (postings * 8 < segment.size()) {
            scoreSparse(s, leafIndex, segment, found, idf, avgLength, matching, (int) postings);
            return;
        }
        float[] scores = new float[segment.size()];
        BitSet touched = new BitSet(segment.size());
        for (int t = 0; t < idf.length; t++) {
            if (found[t] < 0) {
                continue;
            }
            for (int p = index.postingsStart(found[t]); p < index.postingsEnd(found[t]); p++) {
                int ordinal = index.docAt(p);
                scores[ordinal] +=
                        Bm25.score(idf[t], index.freqAt(p), index.length(ordinal), avgLength);
                touched.set(ordinal);
            }
        }
        if (matching != null) {
            touched.and(matching);
        }
        for (int o = touched.nextSetBit(0); o >= 0; o = touched.nextSetBit(o + 1)) {
            if (segment.isLive(o)) {
                offer(scores[o], s, leafIndex, o);
            }
        }
    }

    /**
     * The scores of a few postings: each term's contribution packed beside its ordinal (ordinal in
     * the high half, so sorting groups an ordinal's terms), summed per ordinal.
     */
    private void scoreSparse(
            int s,
            int leafIndex,
            SealedSegment segment,
            int[] found,
            float[] idf,
            float avgLength,
            BitSet matching,
            int postings) {
        KeywordIndex index = segment.keywords();
        long[] packed = new long[postings];
        int n = 0;
        for (int t = 0; t < idf.length; t++) {
            if (found[t] < 0) {
                continue;
            }
            for (int p = index.postingsStart(found[t]); p < index.postingsEnd(found[t]); p++) {
                int ordinal = index.docAt(p);
                float part = Bm25.score(idf[t], index.freqAt(p), index.length(ordinal), avgLength);
                packed[n++] = (long) ordinal << 32 | (Float.floatToRawIntBits(part) & 0xffffffffL);
            }
        }
        Arrays.sort(packed);
        for (int i = 0; i < n; ) {
            int ordinal = (int) (packed[i] >>> 32);
            float score = 0;
            for (; i < n && (int) (packed[i] >>> 32) == ordinal; i++) {
                score += Float.intBitsToFloat((int) packed[i]);
            }
            if ((matching == null || matching.get(ordinal)) && segment.isLive(ordinal)) {
                offer(score, s, leafIndex, ordinal);
            }
        }
    }

    private void offer(float score, int shardIndex, int leafIndex, int ordinal) {
        if (top.size() == top.capacity() && score <= top.threshold()) {
            return; // rejected before it takes a row of the candidate table
        }
        top.offer(score, candidates.add(shardIndex, leafIndex, ordinal));
    }

    private RankedHits hits() {
        long[] best = top.drainBestFirst();
        int[] chosen = new int[best.length];
        String[] ids = new String[best.length];
        float[] scores = new float[best.length];
        for (int h = 0; h < best.length; h++) {
            chosen[h] = TopK.unpackNode(best[h]);
            ids[h] = candidates.idOf(chosen[h]);
            scores[h] = TopK.unpackScore(best[h]);
        }
        return new RankedHits(candidates, chosen, ids, scores);
    }
}
