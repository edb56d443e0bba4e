package io.vectorstream.client.internal;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds the configuration of the Kafka clients a VectorStream client owns.
 *
 * <p>Order of precedence: our defaults, then the user's pass-through properties (security, tuning),
 * then the settings the client's correctness depends on, which {@link #OWNED_KEYS} reserves.
 * Property values are never logged or put in messages: they may hold passwords.
 */
public final class KafkaClientConfigs {

    /**
     * Keys the client sets itself. Serializers and offsets are how it reads and writes; acks=all
     * plus idempotence is what makes an acknowledged write durable and unduplicated.
     */
    public static final Set<String> OWNED_KEYS =
            Set.of(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    CommonClientConfigs.CLIENT_ID_CONFIG,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                    ProducerConfig.ACKS_CONFIG,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                    ConsumerConfig.GROUP_ID_CONFIG);

    /** Small, so a single upsert or query is not held back waiting for a batch to fill. */
    static final String DEFAULT_LINGER_MS = "2";

    /**
     * A 384-d vector record is about 1.6 KB, so Kafka's default 16 KiB batch holds ten of them and
     * bulk loads stall on request round trips; 256 KiB batches doubled the acknowledged publish
     * rate in EndToEndBench (4.6k to 10.5k vectors/s). A lone record is still sent after linger.ms.
     */
    static final String DEFAULT_BATCH_SIZE = "262144";

    private KafkaClientConfigs() {}

    /** Producer for vectors: durable, ordered per key, low latency. */
    public static Properties producer(
            String bootstrapServers, String clientId, Map<String, String> user) {
        return producer(bootstrapServers, clientId, user, DEFAULT_LINGER_MS, "-producer");
    }

    /**
     * Producer for queries and collection requests: as {@link #producer}, without the linger, since
     * someone waits for each answer (a closed loop of queries saves the 2 ms; under load records
     * still batch while a request is in flight). The user's {@code linger.ms} still wins.
     */
    public static Properties requestProducer(
            String bootstrapServers, String clientId, Map<String, String> user) {
        return producer(bootstrapServers, clientId, user, "0", "-requests");
    }

    private static Properties producer(
            String bootstrapServers,
            String clientId,
            Map<String, String> user,
            String lingerMs,
            String clientIdSuffix) {
        Properties p = new Properties();
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, DEFAULT_BATCH_SIZE);
        p.putAll(user);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (clientId != null) {
            p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId + clientIdSuffix);
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return p;
    }

    /**
     * Consumer without a group: the caller assigns partitions and seeks itself, so any number of
     * readers can share a topic without rebalancing each other and nothing is committed.
     */
    public static Properties groupless(
            String bootstrapServers, String clientId, Map<String, String> user) {
        Properties p = new Properties();
        p.putAll(user);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (clientId != null) {
            p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        }
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }
}
