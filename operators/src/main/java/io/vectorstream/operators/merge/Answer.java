package io.vectorstream.operators.merge;

/**
 * A query answer ready for Kafka: the encoded {@code QueryResponse} in the request's wire form and
 * where it goes. Flink POJO.
 */
public class Answer {
    public String queryId;

    /** Topic to write to: the request's 'reply-to' header, or the results topic. */
    public String topic;

    public byte[] correlationId;
    public byte[] payload;

    public Answer() {}

    public Answer(String queryId, String topic, byte[] correlationId, byte[] payload) {
        this.queryId = queryId;
        this.topic = topic;
        this.correlationId = correlationId;
        this.payload = payload;
    }
}
