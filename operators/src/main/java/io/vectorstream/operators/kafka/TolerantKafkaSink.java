package io.vectorstream.operators.kafka;

import io.vectorstream.operators.kafka.internal.SendFailure;
import io.vectorstream.operators.kafka.internal.TolerantKafkaWriter;
import java.util.Properties;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * An at-least-once Kafka sink on which one record's failure is that record's problem: a record
 * Kafka refuses for a reason of its own (too large, a topic it may not write or that does not
 * exist; see {@link SendFailure}) is dropped, counted in {@code sendFailures{reason}} and logged,
 * and the job goes on. Flink's {@code KafkaSink} fails the job instead, and since the input that
 * produced the record is replayed after the restart, it fails again, forever.
 *
 * <p>Failures of the cluster or the producer (unreachable brokers past the delivery timeout,
 * authentication) still fail the job, so nothing is lost silently when Kafka itself is down.
 */
public final class TolerantKafkaSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final Properties producerConfig;
    private final RecordEncoder<T> encoder;

    /**
     * @param name names the sink in logs
     * @param producerConfig Kafka producer settings (bootstrap servers, security, tuning)
     * @param encoder turns an element into its Kafka record
     */
    public TolerantKafkaSink(String name, Properties producerConfig, RecordEncoder<T> encoder) {
        this.name = name;
        this.producerConfig = new Properties();
        this.producerConfig.putAll(producerConfig);
        this.encoder = encoder;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        Properties p = new Properties();
        p.putAll(producerConfig);
        p.putIfAbsent(
                ProducerConfig.CLIENT_ID_CONFIG,
                name + "-" + context.getTaskInfo().getIndexOfThisSubtask());
        return new TolerantKafkaWriter<>(name, p, encoder, context.metricGroup());
    }
}
