package io.vectorstream.state.segment;

import java.util.Map;

/**
 * The answer of a {@link CrossSegmentSearch}: ids best first with their external scores, and on
 * request the metadata and stored vector of each hit, taken from the segments when asked for, so a
 * caller that stops early (an answer-size bound) never holds the rest. Valid until the searched
 * shards change: read it in the same task-thread step as the search. Not thread-safe.
 */
public final class RankedHits {

    private final CandidateTable search;
    private final int[] candidates;
    private final String[] ids;
    private final float[] scores;

    RankedHits(CandidateTable search, int[] candidates, String[] ids, float[] scores) {
        assert candidates.length == ids.length && ids.length == scores.length : "hits line up";
        this.search = search;
        this.candidates = candidates;
        this.ids = ids;
        this.scores = scores;
    }

    static RankedHits empty() {
        return new RankedHits(null, new int[0], new String[0], new float[0]);
    }

    public int size() {
        return ids.length;
    }

    /** The external ids, best first (the array itself; do not modify). */
    public String[] ids() {
        return ids;
    }

    /** The user-facing scores (see {@code Metric#externalScore}), in the order of {@link #ids}. */
    public float[] scores() {
        return scores;
    }

    /** The metadata of hit {@code h} (an empty map for none), from the segment's memory. */
    public Map<String, String> metadata(int h) {
        return search.metadataOf(candidates[h]);
    }

    /**
     * The stored vector of hit {@code h}: from memory in the FULL tier, else read from the shard's
     * {@link VectorSource} (once: a vector read to rerank is reused); null if it was deleted since.
     */
    public float[] vector(int h) {
        return search.vectorOf(candidates[h], ids[h]);
    }
}
