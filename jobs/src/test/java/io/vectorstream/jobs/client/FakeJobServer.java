package io.vectorstream.jobs.client;

import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.schema.KafkaContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Plays one side of the VectorStream job with a plain consumer and producer, so the client is
 * tested against the Kafka contract alone: a daemon thread reads one request topic from the
 * beginning, records every request and hands each poll's batch to {@link #onPoll}, which answers
 * through {@link #sendAnswer} and {@link #sendDecoy}.
 *
 * <p>{@link #onPoll} and the send methods run on the server thread only; {@link #requests()},
 * {@link #failure()} and {@link #close()} may be called from any thread. A subclass calls {@link
 * #start()} last in its constructor, once its own fields are set.
 */
abstract class FakeJobServer implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String defaultReplyTopic;
    private final Thread thread;
    private final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> requests =
            new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile Throwable failure;

    FakeJobServer(
            String bootstrapServers,
            String requestTopic,
            String defaultReplyTopic,
            String threadName) {
        this.defaultReplyTopic = defaultReplyTopic;
        consumer = KafkaTopics.rawConsumer(bootstrapServers);
        KafkaTopics.assignFromBeginning(consumer, requestTopic);
        producer = KafkaTopics.rawProducer(bootstrapServers);
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    /** Starts answering. */
    protected final void start() {
        thread.start();
    }

    /**
     * Answers one poll's requests, already recorded in {@link #requests()}, in poll order; called
     * after every poll, also with an empty batch.
     */
    protected abstract void onPoll(List<ConsumerRecord<byte[], byte[]>> batch);

    /** Every request read so far, with its headers. */
    public List<ConsumerRecord<byte[], byte[]>> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    /** The error that stopped the server, if any; tests check it to fail clearly. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Sends {@code value} keyed {@code key} to the request's {@code reply-to} topic (or the
     * default), with the request's {@code correlation-id} echoed if {@code echoCorrelation}.
     */
    protected final void sendAnswer(
            ConsumerRecord<byte[], byte[]> request,
            String key,
            byte[] value,
            boolean echoCorrelation) {
        Header correlation = request.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);
        byte[] echoed = echoCorrelation && correlation != null ? correlation.value() : null;
        send(replyTopic(request), key, value, echoed);
    }

    /**
     * Sends {@code value} where {@link #sendAnswer} would, under a fresh correlation id: as another
     * client's answer to the same request id would look.
     */
    protected final void sendDecoy(
            ConsumerRecord<byte[], byte[]> request, String key, byte[] value) {
        send(
                replyTopic(request),
                key,
                value,
                UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
    }

    private String replyTopic(ConsumerRecord<byte[], byte[]> request) {
        Header replyTo = request.headers().lastHeader(KafkaContract.REPLY_TO_HEADER);
        return replyTo == null
                ? defaultReplyTopic
                : new String(replyTo.value(), StandardCharsets.UTF_8);
    }

    private void send(String topic, String key, byte[] value, byte[] correlationId) {
        RecordHeaders headers = new RecordHeaders();
        if (correlationId != null) {
            headers.add(new RecordHeader(KafkaContract.CORRELATION_ID_HEADER, correlationId));
        }
        producer.send(
                new ProducerRecord<>(
                        topic, null, key.getBytes(StandardCharsets.UTF_8), value, headers));
    }

    private void run() {
        try {
            while (running) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                consumer.poll(Duration.ofMillis(100)).forEach(batch::add);
                requests.addAll(batch);
                onPoll(batch);
                producer.flush();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close();
    }
}
