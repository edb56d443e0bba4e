package io.vectorstream.operators.message;

import java.util.List;

/** The top-k of one index instance over all the shards it holds. Flink POJO. */
public final class PartialResult implements IndexReply {
    public String queryId;

    /** {@code Query#requestKey} of the query answered: what the merger keys by. */
    public String requestKey;

    public int subtask;

    /** Shards this instance holds, whether or not they have data yet. */
    public int shards;

    /** By vector, best first; empty when {@link #tooLarge} or the query ranks by keywords only. */
    public List<ScoredHit> hits;

    /**
     * By BM25, best first, for a keyword or hybrid query (each shard scored with its own
     * statistics); null or empty otherwise, and when {@link #tooLarge}.
     */
    public List<ScoredHit> keywordHits;

    /**
     * Set when this instance's share of the answer alone passed {@code
     * vectorstream.limits.max-answer-bytes}: its hits are left out and the query is answered
     * ANSWER_TOO_LARGE.
     */
    public boolean tooLarge;

    /** Time spent searching in this instance, microseconds. */
    public long searchMicros;

    public PartialResult() {}

    @Override
    public String requestKey() {
        return requestKey;
    }
}
