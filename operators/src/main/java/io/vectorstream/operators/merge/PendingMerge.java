package io.vectorstream.operators.merge;

import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import java.util.ArrayList;
import java.util.List;

/** What the merger knows of one query so far. Flink POJO (kept in keyed state). */
public class PendingMerge {
    /** The query, once its registration arrived (partials may overtake it). */
    public Query query;

    public int partials;
    public int shards;
    public long maxSearchMicros;

    /** Whether an instance's share of the answer was over the answer limit already. */
    public boolean tooLarge;

    /**
     * The first error an index instance answered with ({@code PartialError}), or null: the answer
     * is then that error.
     */
    public String errorCode;

    public String errorMessage;

    /** By vector, best first, at most the query's depth once the query is known. */
    public List<ScoredHit> hits = new ArrayList<>();

    /** By BM25 (keyword and hybrid queries), best first, as {@link #hits}. */
    public List<ScoredHit> keywordHits = new ArrayList<>();

    /** When to drop this state if the query never registers (processing time). */
    public long orphanDeadlineMs;

    public PendingMerge() {}
}
