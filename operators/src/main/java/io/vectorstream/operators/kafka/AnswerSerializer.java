package io.vectorstream.operators.kafka;

import io.vectorstream.operators.message.Answer;
import io.vectorstream.schema.KafkaContract;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes an answer to its reply topic, keyed by query id, echoing the correlation id header. */
public final class AnswerSerializer implements RecordEncoder<Answer> {
    private static final long serialVersionUID = 1L;

    @Override
    public ProducerRecord<byte[], byte[]> encode(Answer a) {
        ProducerRecord<byte[], byte[]> r =
                new ProducerRecord<>(
                        a.topic,
                        null,
                        null, // Kafka stamps it when written: shows when it was produced
                        a.queryId.getBytes(StandardCharsets.UTF_8),
                        a.payload);
        if (a.correlationId != null) {
            r.headers().add(KafkaContract.CORRELATION_ID_HEADER, a.correlationId);
        }
        return r;
    }
}
