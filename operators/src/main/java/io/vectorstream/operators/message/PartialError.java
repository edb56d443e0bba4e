package io.vectorstream.operators.message;

/**
 * An index instance's refusal to answer a query, with the code and message the answer carries: a
 * query whose dimension differs from what a shard took from its first vector, or a strong query
 * over {@code max-strong-queries-held}. Flink POJO.
 */
public final class PartialError implements IndexReply {
    public String queryId;
    public String requestKey;
    public String code;
    public String message;

    public PartialError() {}

    public PartialError(String queryId, String requestKey, String code, String message) {
        this.queryId = queryId;
        this.requestKey = requestKey;
        this.code = code;
        this.message = message;
    }

    @Override
    public String requestKey() {
        return requestKey;
    }
}
