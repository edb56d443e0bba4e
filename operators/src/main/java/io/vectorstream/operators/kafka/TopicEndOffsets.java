package io.vectorstream.operators.kafka;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the vectors topic ends right now: the barrier of a strong query. A strong query waits until
 * the job has read every record up to these offsets.
 *
 * <p>Implementations are created on the client side of the job, opened on the task and used from
 * the task thread only.
 */
public interface TopicEndOffsets extends Serializable {

    /**
     * For every partition of the topic that holds records, the offset of its last record (the
     * log-end offset minus one). Partitions without records are left out: there is nothing to wait
     * for in them.
     *
     * @throws Exception when the offsets cannot be read within {@code timeout}
     */
    Map<Integer, Long> lastOffsets(Duration timeout) throws Exception;

    /**
     * As {@link #lastOffsets}, without blocking the caller: the future completes (on another
     * thread) with the offsets or the reason they could not be read. This default blocks, for
     * implementations that answer from memory.
     */
    default CompletableFuture<Map<Integer, Long>> lastOffsetsAsync() {
        try {
            return CompletableFuture.completedFuture(lastOffsets(Duration.ofSeconds(5)));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    default void open() {}

    default void close() {}

    /** No records anywhere; for pipelines whose vectors do not come from Kafka (tests). */
    static TopicEndOffsets none() {
        return timeout -> Map.of();
    }

    /**
     * Asks the Kafka cluster with an admin client, asynchronously: the topic's earliest and latest
     * offsets in one round trip each, sent together. The partition list is cached and read again
     * every {@value #PARTITIONS_REFRESH_MS} ms (as often as the sources look for new partitions) or
     * after a failed lookup.
     */
    static TopicEndOffsets inKafka(Properties adminProperties, String topic) {
        return new TopicEndOffsets() {
            private static final long serialVersionUID = 1L;

            private transient Admin admin;
            private transient volatile List<TopicPartition> partitions;
            private transient volatile long partitionsReadNanos;

            @Override
            public void open() {
                Properties p = new Properties();
                p.putAll(adminProperties);
                p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "vectorstream-end-offsets");
                admin = Admin.create(p);
            }

            @Override
            public Map<Integer, Long> lastOffsets(Duration timeout) throws Exception {
                return lastOffsetsAsync().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }

            @Override
            public CompletableFuture<Map<Integer, Long>> lastOffsetsAsync() {
                return partitions()
                        .thenCompose(this::lastOffsetsOf)
                        .whenComplete(
                                (offsets, failure) -> {
                                    if (failure != null) {
                                        partitions = null;
                                    }
                                });
            }

            private CompletableFuture<List<TopicPartition>> partitions() {
                List<TopicPartition> known = partitions;
                if (known != null
                        && System.nanoTime() - partitionsReadNanos
                                < TimeUnit.MILLISECONDS.toNanos(PARTITIONS_REFRESH_MS)) {
                    return CompletableFuture.completedFuture(known);
                }
                return admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .toCompletionStage()
                        .toCompletableFuture()
                        .thenApply(
                                descriptions -> {
                                    List<TopicPartition> list = new ArrayList<>();
                                    descriptions
                                            .get(topic)
                                            .partitions()
                                            .forEach(
                                                    p ->
                                                            list.add(
                                                                    new TopicPartition(
                                                                            topic, p.partition())));
                                    partitionsReadNanos = System.nanoTime();
                                    partitions = list;
                                    return list;
                                });
            }

            private CompletableFuture<Map<Integer, Long>> lastOffsetsOf(
                    List<TopicPartition> topicPartitions) {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                for (TopicPartition tp : topicPartitions) {
                    latest.put(tp, OffsetSpec.latest());
                    earliest.put(tp, OffsetSpec.earliest());
                }
                CompletableFuture<Map<TopicPartition, ListOffsetsResultInfo>> ends =
                        admin.listOffsets(latest).all().toCompletionStage().toCompletableFuture();
                CompletableFuture<Map<TopicPartition, ListOffsetsResultInfo>> starts =
                        admin.listOffsets(earliest).all().toCompletionStage().toCompletableFuture();
                return ends.thenCombine(
                        starts,
                        (end, start) -> {
                            Map<Integer, Long> last = new HashMap<>();
                            end.forEach(
                                    (tp, info) -> {
                                        if (info.offset() > start.get(tp).offset()) {
                                            last.put(tp.partition(), info.offset() - 1);
                                        }
                                    });
                            return last;
                        });
            }

            @Override
            public void close() {
                if (admin != null) {
                    admin.close(Duration.ZERO);
                }
            }
        };
    }

    /** How long {@link #inKafka} trusts its cached partition list. */
    long PARTITIONS_REFRESH_MS = 30_000;
}
