package io.vectorstream.state.search;

import java.util.Arrays;
import java.util.Objects;

/**
 * The answer of a search over node ordinals: nodes with their internal scores (higher is closer,
 * see {@code Metric#score}), best first.
 */
public record ScoredNodes(int[] nodes, float[] scores) {

    public ScoredNodes {
        Objects.requireNonNull(nodes, "nodes");
        Objects.requireNonNull(scores, "scores");
        if (nodes.length != scores.length) {
            throw new IllegalArgumentException(
                    nodes.length + " nodes but " + scores.length + " scores");
        }
    }

    public static ScoredNodes empty() {
        return new ScoredNodes(new int[0], new float[0]);
    }

    /** Drains {@code top} best first. */
    public static ScoredNodes of(TopK top) {
        long[] best = top.drainBestFirst();
        int[] nodes = new int[best.length];
        float[] scores = new float[best.length];
        for (int i = 0; i < best.length; i++) {
            nodes[i] = TopK.unpackNode(best[i]);
            scores[i] = TopK.unpackScore(best[i]);
        }
        return new ScoredNodes(nodes, scores);
    }

    public int size() {
        return nodes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoredNodes s
                && Arrays.equals(nodes, s.nodes)
                && Arrays.equals(scores, s.scores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodes) + Arrays.hashCode(scores);
    }

    @Override
    public String toString() {
        return "ScoredNodes" + Arrays.toString(nodes) + Arrays.toString(scores);
    }
}
