package io.vectorstream.state.text;

/**
 * Okapi BM25 with Lucene's defaults (k1 = 1.2, b = 0.75) and Lucene's {@code BM25Similarity}
 * formula, over exact document lengths (Lucene rounds them into one byte):
 *
 * <pre>
 *   idf(t)      = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   score(t, d) = idf(t) * tf / (tf + k1 * (1 - b + b * dl / avgdl))
 * </pre>
 *
 * summed over the distinct query terms in d, where N is the number of live texts and avgdl their
 * mean length, both over the shard searched.
 */
public final class Bm25 {

    public static final float K1 = 1.2f;
    public static final float B = 0.75f;

    private Bm25() {}

    public static float idf(long docCount, long docFreq) {
        return (float) Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
    }

    /** One term's contribution for a document of {@code length} terms. */
    public static float score(float idf, int tf, int length, float avgLength) {
        float norm = K1 * (1 - B + B * length / avgLength);
        return idf * tf / (tf + norm);
    }
}
