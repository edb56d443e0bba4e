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

    /** Best first; empty when {@link #tooLarge}. */
    public List<ScoredHit> hits;

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
