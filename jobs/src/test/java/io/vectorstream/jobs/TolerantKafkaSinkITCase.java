package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.operators.kafka.internal.SendFailure;
import io.vectorstream.operators.kafka.internal.TolerantKafkaWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's Kafka sink against a real broker: a record Kafka refuses for a reason of its own is
 * dropped and counted, the records around it arrive, and the writer keeps going; a cluster that
 * cannot be reached still fails it.
 */
class TolerantKafkaSinkITCase {

    @TempDir static Path tmp;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(
                            List.of(
                                    new NewTopic("small", 1, (short) 1)
                                            .configs(Map.of("max.message.bytes", "2000"))))
                    .all()
                    .get();
        }
        kafka.createTopic("small", 1); // waits for its leader
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void recordsKafkaRefusesAreDroppedAndCountedWhileTheOthersArrive() throws Exception {
        TolerantKafkaWriter<ProducerRecord<byte[], byte[]>> writer =
                writer(kafka.bootstrapServers());
        try {
            writer.write(record("small", "before", 100), null);
            writer.write(record("small", "over-topic-limit", 10_000), null);
            writer.write(record("small", "over-request-limit", 2_000_000), null);
            writer.write(record("small", "after", 100), null);
            writer.flush(false);

            assertThat(writer.droppedCount()).isEqualTo(2);
            assertThat(writer.droppedCount(SendFailure.TOO_LARGE)).isEqualTo(2);
            assertThat(keysOn("small", 2)).containsExactly("before", "after");
        } finally {
            writer.close();
        }
    }

    @Test
    void aClusterThatStopsAnsweringStillFailsTheWriter() throws Exception {
        EmbeddedKafka doomed = EmbeddedKafka.start(tmp.resolve("doomed"), 0);
        TolerantKafkaWriter<ProducerRecord<byte[], byte[]>> writer = null;
        try {
            doomed.createTopic("t", 1);
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", doomed.bootstrapServers());
            p.setProperty("linger.ms", "0");
            p.setProperty("request.timeout.ms", "1000");
            p.setProperty("delivery.timeout.ms", "2000");
            p.setProperty("max.block.ms", "2000");
            writer =
                    new TolerantKafkaWriter<>(
                            "test-sink",
                            p,
                            r -> r,
                            UnregisteredMetricsGroup.createSinkWriterMetricGroup());
            writer.write(record("t", "first", 10), null);
            writer.flush(false);
            doomed.close();

            // Waiting for the partition's leader, or for delivery, times out: the cluster's
            // problem, not the record's.
            TolerantKafkaWriter<ProducerRecord<byte[], byte[]>> w = writer;
            assertThatThrownBy(
                            () -> {
                                w.write(record("t", "second", 10), null);
                                w.flush(false);
                            })
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Kafka failed to take records");
            assertThat(writer.droppedCount()).isZero();
        } finally {
            if (writer != null) {
                writer.close();
            }
            doomed.close();
        }
    }

    private static TolerantKafkaWriter<ProducerRecord<byte[], byte[]>> writer(String bootstrap) {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrap);
        p.setProperty("linger.ms", "0");
        return new TolerantKafkaWriter<>(
                "test-sink", p, r -> r, UnregisteredMetricsGroup.createSinkWriterMetricGroup());
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, int bytes) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), new byte[bytes]);
    }

    private static List<String> keysOn(String topic, int n) {
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            KafkaTopics.assignFromBeginning(c, topic);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (keys.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    keys.add(new String(r.key(), StandardCharsets.UTF_8));
                }
            }
        }
        return keys;
    }
}
