package io.vectorstream.operators.kafka;

import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.schema.KafkaContract;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Wraps every Kafka record into a {@link RawMessage}; never fails, whatever the bytes. */
public final class RawMessageDeserializer implements KafkaRecordDeserializationSchema<RawMessage> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawMessage> out) {
        RawMessage m = new RawMessage();
        m.topic = record.topic();
        m.partition = record.partition();
        m.offset = record.offset();
        m.timestampMs = record.timestamp();
        m.key = record.key();
        m.value = record.value();
        Header replyTo = record.headers().lastHeader(KafkaContract.REPLY_TO_HEADER);
        if (replyTo != null && replyTo.value() != null) {
            m.replyTo = new String(replyTo.value(), StandardCharsets.UTF_8);
        }
        Header correlation = record.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);
        if (correlation != null) {
            m.correlationId = correlation.value();
        }
        out.collect(m);
    }

    @Override
    public TypeInformation<RawMessage> getProducedType() {
        return Types.POJO(RawMessage.class);
    }
}
