package io.vectorstream.operators.message;

import io.vectorstream.operators.Messages;
import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Dead letters, always within what the sink can send. */
public final class DeadLetters {

    private DeadLetters() {}

    /**
     * The dead letter of {@code m}: at most {@code max-dead-letter-value-bytes} of its value and
     * {@code max-id-bytes} of its key, with their original sizes, so it always fits the sink.
     */
    public static DeadLetter of(RawMessage m, String code, String reason, Limits limits) {
        return DeadLetter.newBuilder()
                .setCode(code)
                .setReason(reason)
                .setTopic(m.topic == null ? "" : m.topic)
                .setPartition(m.partition)
                .setOffset(m.offset)
                .setTimestampMs(m.timestampMs)
                .setKey(prefix(m.key, limits.maxIdBytes()))
                .setValue(prefix(m.value, limits.maxDeadLetterValueBytes()))
                .setKeySize(m.key == null ? null : m.key.length)
                .setValueSize(m.value == null ? null : m.value.length)
                .build();
    }

    /**
     * The dead letter of a write that passed its decoder and was refused by its shard: where it
     * came from and its id as the key; the payload itself is no longer at hand, so {@code value} is
     * empty (its original is at that topic, partition and offset).
     */
    public static DeadLetter of(VectorWrite w, String code, String reason, Limits limits) {
        byte[] key =
                Messages.utf8Prefix(w.id, limits.maxIdBytes()).getBytes(StandardCharsets.UTF_8);
        return DeadLetter.newBuilder()
                .setCode(code)
                .setReason(reason)
                .setTopic(w.sourceTopic == null ? "" : w.sourceTopic)
                .setPartition(w.sourcePartition)
                .setOffset(w.sourceOffset)
                .setTimestampMs(w.publishedAtMs)
                .setKey(ByteBuffer.wrap(key))
                .setValue(null)
                .setKeySize(w.id.getBytes(StandardCharsets.UTF_8).length)
                .setValueSize(null)
                .build();
    }

    private static ByteBuffer prefix(byte[] bytes, int max) {
        return bytes == null
                ? null
                : ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, max)).slice();
    }
}
