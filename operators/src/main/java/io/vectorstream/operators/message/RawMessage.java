package io.vectorstream.operators.message;

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

    /**
     * Set by the reply-topic check when {@link #replyTo} names a topic that does not exist; {@link
     * #replyTo} is then cleared, so the answer goes to the default topic, with an error saying so.
     */
    public String unknownReplyTo;

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
