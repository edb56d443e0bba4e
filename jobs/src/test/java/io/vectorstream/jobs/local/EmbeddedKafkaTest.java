package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
    private static final String TOPIC = "vectors";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 1000;

    @TempDir Path dataDir;

    @Test
    void producesConsumesAndKeepsDataAcrossRestart() throws Exception {
        Set<String> expected =
                IntStream.range(0, RECORDS).mapToObj(i -> "value-" + i).collect(Collectors.toSet());
        String clusterIdBefore;

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            kafka.createTopic(TOPIC, PARTITIONS);
            assertThat(partitionCount(kafka, TOPIC)).isEqualTo(PARTITIONS);

            Set<Integer> partitionsWritten = produce(kafka, RECORDS);
            assertThat(partitionsWritten).containsExactlyInAnyOrder(0, 1, 2);

            List<String> values = consumeAll(kafka, TOPIC);
            assertThat(values).hasSize(RECORDS);
            assertThat(new HashSet<>(values)).isEqualTo(expected);
            clusterIdBefore = clusterId(kafka);
        }

        assertThat(dataDir.resolve(BrokerStorage.CLUSTER_ID_FILE)).exists();
        assertThat(Files.readString(dataDir.resolve(BrokerStorage.CLUSTER_ID_FILE)).trim())
                .isEqualTo(clusterIdBefore);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(clusterId(kafka)).isEqualTo(clusterIdBefore);

            // Existing topic: no-op, neither recreated (data kept) nor resized.
            kafka.createTopic(TOPIC, PARTITIONS);
            kafka.createTopic(TOPIC, PARTITIONS + 3);
            assertThat(partitionCount(kafka, TOPIC)).isEqualTo(PARTITIONS);

            List<String> values = consumeAll(kafka, TOPIC);
            assertThat(values).hasSize(RECORDS);
            assertThat(new HashSet<>(values)).isEqualTo(expected);
        }
    }

    @Test
    void closeIsIdempotentAndCreateTopicAfterCloseFails() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0);
        kafka.close();
        kafka.close();
        assertThatThrownBy(() -> kafka.createTopic("t", 1))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fixedPortInUseFailsWithClearMessageAndReleasesTheDataDir() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("failed to start")
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("Address already in use");
        }
        // The failed start must not leave the log directory locked.
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            kafka.createTopic("after-failure", 1);
            assertThat(partitionCount(kafka, "after-failure")).isEqualTo(1);
        }
    }

    @Test
    void onEveryInterfaceItAdvertisesAnAddressOtherMachinesCanUse() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, "0.0.0.0", 0)) {
            String bootstrap = kafka.bootstrapServers();
            InetAddress advertised =
                    InetAddress.getByName(bootstrap.substring(0, bootstrap.lastIndexOf(':')));
            assertThat(advertised.isAnyLocalAddress()).as(bootstrap).isFalse();
            boolean machineHasOtherAddresses =
                    Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                            .flatMap(NetworkInterface::inetAddresses)
                            .anyMatch(a -> a instanceof Inet4Address && !a.isLoopbackAddress());
            if (machineHasOtherAddresses) {
                assertThat(advertised.isLoopbackAddress()).as(bootstrap).isFalse();
            }
            // Clients go through the advertised address.
            kafka.createTopic("everywhere", 1);
            assertThat(partitionCount(kafka, "everywhere")).isEqualTo(1);
        }
    }

    private static Set<Integer> produce(EmbeddedKafka kafka, int count) throws Exception {
        Map<String, Object> conf =
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all",
                        // lz4 makes the broker validate compressed batches: two lz4-java jars
                        // (Flink's org.lz4 1.8.0 and
                        // kafka-clients' at.yawk.lz4 1.10.1) share the net.jpountz classes on this
                        // classpath.
                        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                                StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                                StringSerializer.class.getName());
        Set<Integer> partitions = new HashSet<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(conf)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sent.add(producer.send(new ProducerRecord<>(TOPIC, "key-" + i, "value-" + i)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                partitions.add(f.get().partition());
            }
        }
        return partitions;
    }

    /** Reads every partition of the topic from the beginning up to its current end offset. */
    private static List<String> consumeAll(EmbeddedKafka kafka, String topic) {
        Map<String, Object> conf =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                                StringDeserializer.class.getName(),
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                                StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(conf)) {
            List<TopicPartition> tps =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toList());
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            // Bounded loop: stops once every partition is read to its end offset (or after 600
            // polls).
            for (int polls = 0; polls < 600 && !atEnd(consumer, end); polls++) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(r.value());
                }
            }
            assertThat(atEnd(consumer, end))
                    .as("consumer reached the end offsets %s", end)
                    .isTrue();
        }
        return values;
    }

    private static boolean atEnd(
            KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static int partitionCount(EmbeddedKafka kafka, String topic) throws Exception {
        try (Admin admin = admin(kafka)) {
            TopicDescription d =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            return d.partitions().size();
        }
    }

    private static String clusterId(EmbeddedKafka kafka) throws Exception {
        try (Admin admin = admin(kafka)) {
            return admin.describeCluster().clusterId().get();
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
