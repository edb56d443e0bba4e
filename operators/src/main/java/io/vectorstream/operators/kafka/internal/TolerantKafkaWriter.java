package io.vectorstream.operators.kafka.internal;

import io.vectorstream.operators.kafka.RecordEncoder;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of {@code TolerantKafkaSink}: sends each record with its own callback; a failure that
 * belongs to the record ({@link SendFailure}) drops it, counts it and logs it (at most one line
 * every {@value #LOG_INTERVAL_SECONDS} s, with the number left unlogged), any other fails the job
 * on the next write or flush. {@link #flush} waits for every record sent so far, which Flink calls
 * before each checkpoint barrier: so a checkpoint completes only once its outputs are in Kafka or
 * dropped for a reason of their own (at-least-once).
 *
 * <p>Task thread only, but for the producer's callbacks, which touch only the thread-safe counters,
 * the log throttle and the volatile fatal error.
 */
public final class TolerantKafkaWriter<T> implements SinkWriter<T> {
    private static final Logger LOG = LoggerFactory.getLogger(TolerantKafkaWriter.class);
    private static final long LOG_INTERVAL_SECONDS = 10;

    private final String name;
    private final RecordEncoder<T> encoder;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Counter dropped = new ThreadSafeSimpleCounter();
    private final Map<SendFailure, Counter> droppedBy = new EnumMap<>(SendFailure.class);
    private final AtomicLong nextLogNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong unlogged = new AtomicLong();
    private volatile Exception fatal;

    /**
     * @param name the sink's name, for logs
     * @param producerConfig Kafka producer settings; serializers are set here
     * @param metrics where {@code sendFailures} (and per {@code reason}) are registered
     */
    public TolerantKafkaWriter(
            String name, Properties producerConfig, RecordEncoder<T> encoder, MetricGroup metrics) {
        this.name = name;
        this.encoder = encoder;
        this.producer =
                new KafkaProducer<>(
                        producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        MetricGroup group = metrics.addGroup("vectorstream");
        group.counter("sendFailures", dropped);
        for (SendFailure f : SendFailure.values()) {
            if (f != SendFailure.FATAL) {
                droppedBy.put(
                        f,
                        group.addGroup("reason", f.name())
                                .counter("sendFailures", new ThreadSafeSimpleCounter()));
            }
        }
    }

    @Override
    public void write(T element, Context context) throws IOException {
        checkFatal();
        ProducerRecord<byte[], byte[]> record = encoder.encode(element);
        producer.send(
                record,
                (metadata, e) -> {
                    if (e != null) {
                        failed(record, e);
                    }
                });
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        producer.flush();
        checkFatal();
    }

    @Override
    public void close() {
        // Whatever was not flushed belongs to an unfinished checkpoint and is sent again after a
        // restore; waiting here would only delay cancellation.
        producer.close(Duration.ZERO);
    }

    /** Records dropped so far (for tests). */
    public long droppedCount() {
        return dropped.getCount();
    }

    /** Records dropped so far for {@code reason} (for tests). */
    public long droppedCount(SendFailure reason) {
        return droppedBy.get(reason).getCount();
    }

    private void failed(ProducerRecord<byte[], byte[]> record, Exception e) {
        SendFailure failure = SendFailure.of(e);
        if (failure == SendFailure.FATAL) {
            if (fatal == null) {
                fatal = e;
            }
            return;
        }
        dropped.inc();
        droppedBy.get(failure).inc();
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if (now - next >= 0
                && nextLogNanos.compareAndSet(
                        next, now + TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS))) {
            LOG.warn(
                    "{}: dropped a record for topic '{}' ({} bytes value, {}): {}. The job goes"
                            + " on; {} more were dropped since the last such message (metric"
                            + " sendFailures).",
                    name,
                    record.topic(),
                    record.value() == null ? 0 : record.value().length,
                    failure,
                    e.toString(),
                    unlogged.getAndSet(0));
        } else {
            unlogged.incrementAndGet();
        }
    }

    private void checkFatal() throws IOException {
        Exception e = fatal;
        if (e != null) {
            throw new IOException(name + ": Kafka failed to take records: " + e, e);
        }
    }
}
