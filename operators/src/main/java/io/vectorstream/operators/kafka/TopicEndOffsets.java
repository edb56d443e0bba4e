package io.vectorstream.operators.kafka;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
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

    default void open() {}

    default void close() {}

    /** No records anywhere; for pipelines whose vectors do not come from Kafka (tests). */
    static TopicEndOffsets none() {
        return timeout -> Map.of();
    }

    /**
     * Asks the Kafka cluster with an admin client: the topic's partitions, then their earliest and
     * latest offsets (one round trip each, the two lists together).
     */
    static TopicEndOffsets inKafka(Properties adminProperties, String topic) {
        return new TopicEndOffsets() {
            private static final long serialVersionUID = 1L;

            private transient Admin admin;

            @Override
            public void open() {
                Properties p = new Properties();
                p.putAll(adminProperties);
                p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "vectorstream-end-offsets");
                admin = Admin.create(p);
            }

            @Override
            public Map<Integer, Long> lastOffsets(Duration timeout) throws Exception {
                long deadline = System.nanoTime() + timeout.toNanos();
                TopicDescription description =
                        admin.describeTopics(List.of(topic))
                                .allTopicNames()
                                .get(timeout.toNanos(), TimeUnit.NANOSECONDS)
                                .get(topic);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
                description
                        .partitions()
                        .forEach(
                                p -> {
                                    TopicPartition tp = new TopicPartition(topic, p.partition());
                                    latest.put(tp, OffsetSpec.latest());
                                    earliest.put(tp, OffsetSpec.earliest());
                                });
                var ends = admin.listOffsets(latest).all();
                var starts = admin.listOffsets(earliest).all();
                long left = Math.max(0, deadline - System.nanoTime());
                Map<TopicPartition, ListOffsetsResultInfo> end =
                        ends.get(left, TimeUnit.NANOSECONDS);
                Map<TopicPartition, ListOffsetsResultInfo> start =
                        starts.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                Map<Integer, Long> last = new HashMap<>();
                end.forEach(
                        (tp, info) -> {
                            if (info.offset() > start.get(tp).offset()) {
                                last.put(tp.partition(), info.offset() - 1);
                            }
                        });
                return last;
            }

            @Override
            public void close() {
                if (admin != null) {
                    admin.close();
                }
            }
        };
    }
}
