package io.vectorstream.state.search;

import io.vectorstream.state.vector.Metric;

/** Brute-force k-NN over an array of vectors: the ground truth every index is measured against. */
public final class ExactSearch {

    private ExactSearch() {}

    /** The k best of {@code base} for {@code query}, optionally only among accepted nodes. */
    public static ScoredNodes search(
            float[][] base, float[] query, int k, Metric metric, AcceptSet accept) {
        TopK top = new TopK(k);
        for (int i = 0; i < base.length; i++) {
            if (accept == null || accept.accepts(i)) {
                top.offer(metric.score(query, base[i], 0, query.length), i);
            }
        }
        return ScoredNodes.of(top);
    }

    /** Recall of {@code found} against {@code truth}: the share of true neighbours found. */
    public static double recall(int[] truth, int[] found) {
        if (truth.length == 0) {
            return 1.0;
        }
        int hit = 0;
        for (int t : truth) {
            for (int f : found) {
                if (f == t) {
                    hit++;
                    break;
                }
            }
        }
        return (double) hit / truth.length;
    }
}
