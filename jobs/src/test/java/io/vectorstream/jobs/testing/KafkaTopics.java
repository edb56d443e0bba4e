package io.vectorstream.jobs.testing;

import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Raw byte producers and consumers for tests that read and write the Kafka contract by hand, and
 * the reads they repeat: the first record on a topic with a key, the dead letters. Every read
 * starts at the beginning of every partition of its topic and gives up after a minute. Stateless.
 */
public final class KafkaTopics {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final Duration POLL = Duration.ofMillis(200);

    private KafkaTopics() {}

    /** A producer of raw bytes that waits for all in-sync replicas. */
    public static KafkaProducer<byte[], byte[]> rawProducer(String bootstrapServers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("acks", "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer of raw bytes in a group of its own that never commits offsets. */
    public static KafkaConsumer<byte[], byte[]> rawConsumer(String bootstrapServers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("group.id", "kafka-topics-" + UUID.randomUUID());
        p.put("enable.auto.commit", "false");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Assigns {@code consumer} every partition of {@code topic}, each from its beginning. */
    public static void assignFromBeginning(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic)) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** The first record on {@code topic} whose key is {@code key}, waiting up to a minute. */
    public static ConsumerRecord<byte[], byte[]> awaitRecord(
            String bootstrapServers, String topic, String key) {
        return firstRecord(
                bootstrapServers,
                topic,
                "keyed " + key,
                r -> r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8)));
    }

    /** The first record on {@code topic}, waiting up to a minute. */
    public static ConsumerRecord<byte[], byte[]> awaitAnyRecord(
            String bootstrapServers, String topic) {
        return firstRecord(bootstrapServers, topic, "at all", r -> true);
    }

    /**
     * The first {@code n} dead letters on {@link KafkaContract#DEAD_LETTER_TOPIC}, or fewer if no
     * more come within a minute: tests assert on what is there.
     */
    public static List<DeadLetter> readDeadLetters(String bootstrapServers, int n) {
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = rawConsumer(bootstrapServers)) {
            assignFromBeginning(c, KafkaContract.DEAD_LETTER_TOPIC);
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    out.add(PayloadCodec.decodeDeadLetter(r.value()));
                }
            }
        }
        return out;
    }

    private static ConsumerRecord<byte[], byte[]> firstRecord(
            String bootstrapServers,
            String topic,
            String wanted,
            Predicate<ConsumerRecord<byte[], byte[]>> matches) {
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> c = rawConsumer(bootstrapServers)) {
            assignFromBeginning(c, topic);
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    seen++;
                    if (matches.test(r)) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no record " + wanted + " on " + topic + " among " + seen);
    }
}
