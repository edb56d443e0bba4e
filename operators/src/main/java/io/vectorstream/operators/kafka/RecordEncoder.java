package io.vectorstream.operators.kafka;

import java.io.Serializable;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns one output of the job into the Kafka record that carries it: topic, key, value and headers.
 * Pure; called on the sink's task thread.
 *
 * @param <T> the output type
 */
@FunctionalInterface
public interface RecordEncoder<T> extends Serializable {

    ProducerRecord<byte[], byte[]> encode(T element);
}
