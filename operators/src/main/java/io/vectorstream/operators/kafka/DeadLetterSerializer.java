package io.vectorstream.operators.kafka;

import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter (Avro single-object) to the DLQ topic under the original key. The reason is
 * also put in plain-text headers so that {@code kcat} users can read it without Avro.
 */
public final class DeadLetterSerializer implements RecordEncoder<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> encode(DeadLetter d) {
        ProducerRecord<byte[], byte[]> r =
                new ProducerRecord<>(
                        topic,
                        null,
                        null, // Kafka stamps it when written: shows when it was produced
                        bytes(d.getKey()),
                        PayloadCodec.encode(d));
        r.headers()
                .add(KafkaContract.ERROR_CODE_HEADER, d.getCode().getBytes(StandardCharsets.UTF_8));
        r.headers()
                .add(
                        KafkaContract.ERROR_REASON_HEADER,
                        d.getReason().getBytes(StandardCharsets.UTF_8));
        return r;
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
