package io.vectorstream.operators.validate;

/**
 * A validated query, broadcast to every index instance and registered at the merger. Flink POJO.
 */
public class Query {
    public String queryId;

    /** Metric-prepared query vector. */
    public float[] vector;

    public int k;
    public boolean includeMetadata;

    /** Processing time at which the job read the query. */
    public long receivedAtMs;

    /** Processing time after which the merger answers with whatever it has. */
    public long deadlineMs;

    public String replyTo;
    public byte[] correlationId;

    /** Answer in JSON (the request was JSON) instead of Avro. */
    public boolean jsonReply;

    public Query() {}
}
