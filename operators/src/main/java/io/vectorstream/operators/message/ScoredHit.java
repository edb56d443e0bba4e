package io.vectorstream.operators.message;

import java.util.Map;

/** One hit of a partial answer. Flink POJO. */
public class ScoredHit {
    public String id;

    /** User-facing score (see {@code Metric#externalScore}). */
    public float score;

    /** Null unless the query asked for metadata. */
    public Map<String, String> metadata;

    /** The stored (metric-prepared) vector; null unless the query asked for vectors. */
    public float[] vector;

    /** The hit's value of the query's groupBy key; null unless the query groups. */
    public String group;

    /** The stored text; null unless the query asked for it (or the record had none). */
    public String text;

    public ScoredHit() {}

    public ScoredHit(String id, float score, Map<String, String> metadata) {
        this.id = id;
        this.score = score;
        this.metadata = metadata;
    }
}
