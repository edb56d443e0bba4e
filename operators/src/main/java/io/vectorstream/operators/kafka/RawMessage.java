package io.vectorstream.operators.kafka;

/**
 * A Kafka record as read, before any decoding: validation happens in an operator so that a bad
 * record becomes a dead letter or an error answer instead of failing the source. Flink POJO.
 */
public class RawMessage {
    public String topic;
    public int partition;
    public long offset;
    public long timestampMs;
    public byte[] key;
    public byte[] value;

    /** Value of the 'reply-to' header, or null. */
    public String replyTo;

    /** Value of the 'correlation-id' header, or null. */
    public byte[] correlationId;

    public RawMessage() {}

    public static RawMessage of(String topic, byte[] key, byte[] value) {
        RawMessage m = new RawMessage();
        m.topic = topic;
        m.key = key;
        m.value = value;
        m.timestampMs = System.currentTimeMillis();
        return m;
    }
}
