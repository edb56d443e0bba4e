package io.vectorstream.state.segment;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One query over every segment of several shards, each HNSW segment searched with a beam that fits
 * its share of the data: Lucene's optimistic per-leaf k ({@code AbstractKnnVectorQuery}).
 *
 * <p>The query's {@code ef} is the beam a single graph over all the searched vectors would get. A
 * sealed HNSW segment holding a share {@code p} of them (dead copies counted: walks pass through
 * them) is searched in a first pass with {@code ef_p = min(ef, ef·p + 16·sqrt(ef·p·(1-p)))} and
 * {@code k_p = min(k, ef_p)}: its expected share of the beam plus sixteen standard deviations of
 * the binomial, so a segment rarely holds more of the true top k than it was asked for. When the
 * first pass is done, a segment whose worst returned hit still ranks within the global top k
 * (Lucene's {@code minTopKScore} test) may hold more: it is searched again with the full {@code k}
 * and {@code ef}, as Lucene re-enters such leaves. A segment holding all the searched vectors (p =
 * 1) gets the full beam.
 *
 * <p>Growing segments are scanned exactly for k. IVF segments keep the query's {@code nprobe}
 * (their cost does not depend on k). Segments in a compressed tier (PQ_CODES, BINARY) each return
 * their best {@code max(k, rerank)} estimates, and with rerank the shard's best {@code max(k,
 * rerank)} of those are rescored once per shard, reading only those from its {@link VectorSource}:
 * so {@code rerank} is the oversampling of the compressed segments.
 *
 * <p>Hits give the metadata the segments hold in memory and the stored vectors when asked for
 * ({@link RankedHits}): from memory in the FULL tier, from the source in the compressed tiers (one
 * read per hit that was not already read for reranking). Each sealed segment's share of the hits is
 * recorded ({@link SealedSegment#recordHits}) so the coldest can be found. Not thread-safe; one
 * instance per query.
 */
public final class CrossSegmentSearch {

    /** Lucene's {@code LAMBDA}: standard deviations of extra beam a segment gets. */
    static final int LAMBDA = 16;

    private final List<ShardSegments> shards;
    private final List<VectorSource> sources;
    private final float[] query;
    private final SearchKnobs knobs;
    private final Filter filter;
    private final Metric metric;
    private final int dim;
    private final TopK top;

    /** A TopK node number is a candidate of this table. */
    private final CandidateTable candidates;

    /** Budgeted segments whose first pass may have stopped short: see {@link #secondPass}. */
    private final List<Reentry> reentries = new ArrayList<>();

    private CrossSegmentSearch(
            List<ShardSegments> shards,
            List<VectorSource> sources,
            float[] query,
            SearchKnobs knobs,
            Filter filter) {
        this.shards = shards;
        this.sources = sources;
        this.query = query;
        this.knobs = knobs;
        this.filter = filter;
        this.metric = shards.get(0).spec().metric();
        this.dim = shards.get(0).spec().dimension();
        this.top = new TopK(knobs.k());
        this.candidates = new CandidateTable(shards, sources);
    }

    /**
     * The k best live vectors over all segments of {@code shards} that match {@code filter}, best
     * first. Internal scores (higher is closer) are exact for growing, HNSW and IVF-Flat segments
     * and for reranked IVF-PQ, ADC estimates for IVF-PQ without rerank.
     *
     * @param sources each shard's full vectors (for PQ_CODES shards), in the order of {@code
     *     shards}
     * @param filter the metadata filter, or null for none
     * @throws IllegalArgumentException if the shards differ in metric or dimension from each other
     *     or from the query
     */
    public static RankedHits search(
            List<ShardSegments> shards,
            List<VectorSource> sources,
            float[] query,
            SearchKnobs knobs,
            Filter filter) {
        Objects.requireNonNull(shards, "shards");
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(knobs, "knobs");
        if (shards.size() != sources.size()) {
            throw new IllegalArgumentException(
                    shards.size() + " shards but " + sources.size() + " vector sources");
        }
        if (shards.isEmpty()) {
            return RankedHits.empty();
        }
        CrossSegmentSearch search = new CrossSegmentSearch(shards, sources, query, knobs, filter);
        search.checkShards();
        search.firstPass();
        search.secondPass();
        return search.hits();
    }

    /**
     * A segment's beam for a share {@code proportion} of the searched vectors: Lucene's {@code
     * perLeafTopKCalculation} applied to the beam, at least 1 and at most {@code ef}.
     */
    static int leafEf(int ef, double proportion) {
        double expected = ef * proportion;
        double padded = expected + LAMBDA * Math.sqrt(expected * (1 - proportion));
        return (int) Math.max(1, Math.min(ef, padded));
    }

    private void checkShards() {
        for (ShardSegments s : shards) {
            if (s.spec().metric() != metric || s.spec().dimension() != dim) {
                throw new IllegalArgumentException(
                        "shards searched together must share metric and dimension");
            }
        }
        if (query.length != dim) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", shard has " + dim);
        }
    }

    private void firstPass() {
        long searched = 0;
        for (ShardSegments s : shards) {
            searched += s.searchedVectors();
        }
        for (int i = 0; i < shards.size(); i++) {
            ShardSegments s = shards.get(i);
            ScoredNodes growing = s.growing().search(query, knobs.k(), filter);
            offerAll(growing, i, CandidateTable.GROWING);
            boolean rescore = knobs.rerank() > 0;
            if (rescore) {
                rerankFromSource(i);
            }
            List<SealedSegment> sealed = s.sealed();
            for (int j = 0; j < sealed.size(); j++) {
                SealedSegment segment = sealed.get(j);
                if (rescore && segment.tier().rescoresFromSource()) {
                    continue; // rescored above
                }
                SearchKnobs budget = budget(segment, searched);
                ScoredNodes found = segment.searchNodes(query, budget, sources.get(i), filter);
                offerAll(found, i, j);
                if (budget != knobs && found.size() >= budget.k()) {
                    reentries.add(new Reentry(i, j, found));
                }
            }
        }
    }

    /** The knobs of {@code segment}'s first pass: {@link #knobs} unless it is a budgeted graph. */
    private SearchKnobs budget(SealedSegment segment, long searched) {
        if (segment.type() != SegmentType.HNSW
                || segment.tier() != MemoryTier.FULL
                || segment.size() >= searched) {
            return knobs;
        }
        int ef = leafEf(knobs.ef(), (double) segment.size() / searched);
        if (ef >= knobs.ef()) {
            return knobs;
        }
        return new SearchKnobs(Math.min(knobs.k(), ef), ef, knobs.nprobe(), knobs.rerank());
    }

    /**
     * Searches again, with the full k and ef, each budgeted segment whose worst first-pass hit is
     * at least the k-th best score so far (or every full one while fewer than k are found): all it
     * returned is competitive, so it may hold more. Hits it already returned are not offered twice.
     */
    private void secondPass() {
        float minTopKScore = top.threshold();
        for (Reentry r : reentries) {
            float[] scores = r.firstPass.scores();
            if (scores[scores.length - 1] < minTopKScore) {
                continue;
            }
            SealedSegment segment = shards.get(r.shard).sealed().get(r.segment);
            ScoredNodes found = segment.searchNodes(query, knobs, sources.get(r.shard), filter);
            int[] seen = r.firstPass.nodes().clone();
            Arrays.sort(seen);
            for (int n = 0; n < found.size(); n++) {
                int ordinal = found.nodes()[n];
                if (Arrays.binarySearch(seen, ordinal) < 0) {
                    offer(found.scores()[n], r.shard, r.segment, ordinal);
                }
            }
        }
    }

    /**
     * The compressed tiers' rerank, once per shard (FAISS's refine step): every segment in one
     * returns its best {@code max(k, rerank)} by estimate, and only the shard's best {@code max(k,
     * rerank)} of those are read from the source and rescored exactly. So a query reads at most
     * that many stored vectors per shard however many segments it holds.
     */
    private void rerankFromSource(int i) {
        List<SealedSegment> sealed = shards.get(i).sealed();
        int pool = Math.max(knobs.k(), knobs.rerank());
        SearchKnobs estimates = new SearchKnobs(pool, knobs.ef(), knobs.nprobe(), 0);
        TopK byEstimate = null;
        VectorSource source = null;
        for (int j = 0; j < sealed.size(); j++) {
            if (!sealed.get(j).tier().rescoresFromSource()) {
                continue;
            }
            if (byEstimate == null) {
                byEstimate = new TopK(pool);
                source = Objects.requireNonNull(sources.get(i), "vector source");
            }
            ScoredNodes found = sealed.get(j).searchNodes(query, estimates, source, filter);
            for (int n = 0; n < found.size(); n++) {
                if (byEstimate.threshold() >= found.scores()[n]) {
                    break; // best first: the rest of this segment's cannot make it either
                }
                byEstimate.offer(found.scores()[n], candidates.add(i, j, found.nodes()[n]));
            }
        }
        if (byEstimate == null) {
            return;
        }
        for (long packed : byEstimate.drainBestFirst()) {
            int c = TopK.unpackNode(packed);
            String id = candidates.idOf(c);
            float[] v = source.vector(id);
            if (v == null) {
                continue; // deleted since: the segment's tombstone is on its way
            }
            if (v.length != dim) {
                throw new IllegalArgumentException(
                        "stored vector of " + id + " has dimension " + v.length + ", not " + dim);
            }
            if (top.offer(metric.score(query, v, 0, dim), c)) {
                candidates.keepVector(c, v);
            }
        }
    }

    private void offerAll(ScoredNodes found, int shardIndex, int leafIndex) {
        for (int n = 0; n < found.size(); n++) {
            if (!offer(found.scores()[n], shardIndex, leafIndex, found.nodes()[n])) {
                return; // best first: the rest cannot make it either
            }
        }
    }

    private boolean offer(float score, int shardIndex, int leafIndex, int ordinal) {
        if (score <= top.threshold()) {
            return false; // rejected before it takes a row of the candidate table
        }
        return top.offer(score, candidates.add(shardIndex, leafIndex, ordinal));
    }

    private RankedHits hits() {
        long[] best = top.drainBestFirst();
        int[] chosen = new int[best.length];
        String[] ids = new String[best.length];
        float[] scores = new float[best.length];
        for (int h = 0; h < best.length; h++) {
            chosen[h] = TopK.unpackNode(best[h]);
            ids[h] = candidates.idOf(chosen[h]);
            scores[h] = metric.externalScore(TopK.unpackScore(best[h]));
            candidates.recordHit(chosen[h]);
        }
        return new RankedHits(candidates, chosen, ids, scores);
    }

    /** A budgeted segment's first-pass hits, best first. */
    private record Reentry(int shard, int segment, ScoredNodes firstPass) {}
}
