package io.vectorstream.operators.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Everything on a small control topic up to now, read once when the job is submitted: a job started
 * without state replays it before its first record (see {@code CollectionTopics}), and its source
 * starts where this read stopped, so no request is applied twice or missed.
 *
 * @param payloads the record values, partition by partition in offset order
 * @param endOffsets per partition, the offset after the last record read
 */
public record ControlTopicHistory(List<byte[]> payloads, Map<TopicPartition, Long> endOffsets) {

    /**
     * Reads {@code topic} from the beginning to its current end; an absent topic has no history.
     *
     * @throws IllegalStateException when the topic cannot be read to its end within {@code timeout}
     */
    public static ControlTopicHistory read(
            Properties consumerProperties, String topic, Duration timeout) {
        Properties p = new Properties();
        p.putAll(consumerProperties);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "vectorstream-control-history");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            List<TopicPartition> partitions = new ArrayList<>();
            if (infos != null) {
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            if (partitions.isEmpty()) {
                return new ControlTopicHistory(List.of(), Map.of());
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
            Map<TopicPartition, List<byte[]>> byPartition = new HashMap<>();
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "could not read topic '" + topic + "' to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp) && r.value() != null) {
                        byPartition.computeIfAbsent(tp, x -> new ArrayList<>()).add(r.value());
                    }
                }
            }
            List<byte[]> payloads = new ArrayList<>();
            partitions.forEach(tp -> payloads.addAll(byPartition.getOrDefault(tp, List.of())));
            return new ControlTopicHistory(payloads, end);
        }
    }

    private static boolean caughtUp(
            KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
