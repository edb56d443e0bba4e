package io.vectorstream.client.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The background thread that reads a reply topic and hands every record to a callback.
 *
 * <p>It assigns all partitions of the topic itself (no consumer group), so any number of clients
 * can read the same topic, each seeing every answer. It starts at the end of the topic and resolves
 * that position before {@link #start()}'s future completes: an answer written after that moment
 * cannot be missed, however fast the job is. Partitions added to the topic later are not read.
 *
 * <p>Thread-safety: the consumer is touched only by the listener thread; {@link #start()} and
 * {@link #close()} may be called from any thread.
 */
public final class ReplyListener implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReplyListener.class.getName());
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

    private final String topic;
    private final Properties consumerProperties;
    private final Consumer<ConsumerRecord<byte[], byte[]>> onRecord;
    private final Consumer<Throwable> onFailure;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    /**
     * @param onRecord called on the listener thread for every record; must not block
     * @param onFailure called once on the listener thread if the consumer fails for good
     */
    public ReplyListener(
            String topic,
            Properties consumerProperties,
            String threadName,
            Consumer<ConsumerRecord<byte[], byte[]>> onRecord,
            Consumer<Throwable> onFailure) {
        this.topic = topic;
        this.consumerProperties = consumerProperties;
        this.onRecord = onRecord;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        // Kafka loads the classes its configuration names through the context class loader. The
        // creator's may not know this Kafka, e.g. a relocated copy in a shaded jar.
        this.thread.setContextClassLoader(ReplyListener.class.getClassLoader());
    }

    /** Starts the thread; the future completes once the reading position is fixed at the end. */
    public CompletableFuture<Void> start() {
        thread.start();
        return ready;
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties)) {
            consumer = c;
            if (!running) {
                return; // closed before the consumer existed, so wakeup() could not reach it
            }
            List<TopicPartition> partitions = partitionsOf(c);
            c.assign(partitions);
            c.seekToEnd(partitions);
            // seekToEnd is lazy; position() makes the consumer look the end offsets up now, before
            // any
            // query is sent, so an answer that arrives in the next millisecond is still ahead of
            // us.
            for (TopicPartition tp : partitions) {
                c.position(tp);
            }
            ready.complete(null);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL_TIMEOUT)) {
                    dispatch(r);
                }
            }
        } catch (WakeupException e) {
            // close() woke us up; nothing to report.
        } catch (Throwable t) {
            failed = true;
            ready.completeExceptionally(t);
            if (running) {
                LOG.log(Level.ERROR, "reply listener on topic '" + topic + "' stopped", t);
                onFailure.accept(t);
            }
        } finally {
            ready.completeExceptionally(
                    new IllegalStateException("the reply listener was closed while starting"));
        }
    }

    private List<TopicPartition> partitionsOf(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException(
                    "reply topic '"
                            + topic
                            + "' does not exist or has no partitions; create it (kafka-topics.sh"
                            + " --create --topic "
                            + topic
                            + ") or point replyTopic(...) at an existing topic");
        }
        List<TopicPartition> out = new ArrayList<>(infos.size());
        for (PartitionInfo info : infos) {
            out.add(new TopicPartition(topic, info.partition()));
        }
        return out;
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> r) {
        try {
            onRecord.accept(r);
        } catch (RuntimeException e) {
            // One bad record (or a throwing caller callback chained on a future) must not stop the
            // answers to every other query.
            LOG.log(
                    Level.WARNING,
                    "ignoring the record at " + r.topic() + "/" + r.partition() + "@" + r.offset(),
                    e);
        }
    }

    /** True once the consumer failed for good (not when closed); a new listener is then needed. */
    public boolean hasFailed() {
        return failed;
    }

    /**
     * Stops the thread, which closes the consumer, and waits at most {@code timeout} for that. An
     * interrupt ends the wait early and stays set on the calling thread.
     */
    public void close(Duration timeout) {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
