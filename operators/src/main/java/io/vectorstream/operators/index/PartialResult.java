package io.vectorstream.operators.index;

import java.util.List;

/** The top-k of one index instance over all the shards it holds. Flink POJO. */
public class PartialResult {
    public String queryId;

    /** {@code Query#requestKey} of the query answered: what the merger keys by. */
    public String requestKey;

    public int subtask;

    /** Shards this instance holds, whether or not they have data yet. */
    public int shards;

    /** Best first. */
    public List<ScoredHit> hits;

    /** Time spent searching in this instance, microseconds. */
    public long searchMicros;

    public PartialResult() {}
}
