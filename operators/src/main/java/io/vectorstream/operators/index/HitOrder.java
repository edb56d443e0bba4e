package io.vectorstream.operators.index;

import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.state.vector.Metric;
import java.util.Comparator;

/** Orders hits best first for a metric, ties broken by id so every merge agrees. */
public final class HitOrder {
    private HitOrder() {}

    /** Highest score first (BM25 and RRF scores), ties broken by id. */
    public static Comparator<ScoredHit> highestFirst() {
        Comparator<ScoredHit> byScore = Comparator.comparingDouble(h -> h.score);
        return byScore.reversed().thenComparing(h -> h.id);
    }

    public static Comparator<ScoredHit> bestFirst(Metric metric) {
        if (metric != Metric.EUCLIDEAN) {
            return highestFirst();
        }
        Comparator<ScoredHit> byDistance = Comparator.comparingDouble(h -> h.score);
        return byDistance.thenComparing(h -> h.id);
    }
}
