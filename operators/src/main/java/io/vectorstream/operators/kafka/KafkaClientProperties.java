package io.vectorstream.operators.kafka;

import io.vectorstream.operators.VectorStreamOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The settings every Kafka client of the job shares: the bootstrap servers plus each {@value
 * VectorStreamOptions#KAFKA_PROPERTIES_PREFIX}{@code <key>} option of the configuration, with the
 * prefix removed (security, timeouts, tuning). The job's sources, sinks, admin clients and
 * consumers all start from {@link #from}, so a SASL/SSL setting reaches every one of them.
 *
 * <p>Values may hold passwords: they are never logged or put in messages here. Flink masks a
 * configuration value when its key contains a word such as {@code password}, {@code secret} or
 * {@code jaas.config} ({@link GlobalConfiguration#isSensitive}); Kafka masks its {@code PASSWORD}
 * settings. A Kafka password setting Flink would print in clear text when it loads the
 * configuration (an inline PEM key) is rejected, with the file-based setting to use instead.
 */
public final class KafkaClientProperties {

    /**
     * Keys the job sets from options of its own, or per client: taking them from the prefix would
     * silently lose to those settings.
     */
    private static final Map<String, String> RESERVED =
            Map.of(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "set " + VectorStreamOptions.BOOTSTRAP_SERVERS.key() + " instead",
                    CommonClientConfigs.GROUP_ID_CONFIG,
                    "set " + VectorStreamOptions.GROUP_ID.key() + " (a prefix) instead",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                    "the job reads raw bytes",
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                    "the job reads raw bytes",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                    "the job writes raw bytes",
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                    "the job writes raw bytes",
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                    "the job's sinks are at-least-once");

    private KafkaClientProperties() {}

    /**
     * The shared client settings of {@code conf}: a fresh copy per call, which the caller may add
     * client-specific settings to.
     *
     * @throws IllegalArgumentException naming every key under the prefix that cannot be used, and
     *     why
     */
    public static Properties from(Configuration conf) {
        Properties p = new Properties();
        List<String> problems = new ArrayList<>();
        Map<String, String> all = conf.toMap();
        for (String key : new TreeSet<>(all.keySet())) {
            if (!key.startsWith(VectorStreamOptions.KAFKA_PROPERTIES_PREFIX)) {
                continue;
            }
            String kafkaKey = key.substring(VectorStreamOptions.KAFKA_PROPERTIES_PREFIX.length());
            if (kafkaKey.isEmpty()) {
                problems.add("'" + key + "' names no Kafka setting");
            } else if (RESERVED.containsKey(kafkaKey)) {
                problems.add("'" + key + "' cannot be set: " + RESERVED.get(kafkaKey));
            } else if (isKafkaPassword(kafkaKey) && !GlobalConfiguration.isSensitive(key)) {
                problems.add(
                        "'"
                                + key
                                + "' is a secret Flink would log in clear text when it loads the"
                                + " configuration; keep it in a file instead (e.g."
                                + " ssl.keystore.location with ssl.keystore.type PEM)");
            } else {
                p.setProperty(kafkaKey, all.get(key));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid vectorstream setting: " + String.join("; ", problems));
        }
        p.setProperty(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                conf.get(VectorStreamOptions.BOOTSTRAP_SERVERS));
        return p;
    }

    /** Whether some Kafka client declares {@code kafkaKey} a password (it masks it in its logs). */
    static boolean isKafkaPassword(String kafkaKey) {
        for (ConfigDef def :
                List.of(
                        ConsumerConfig.configDef(),
                        ProducerConfig.configDef(),
                        AdminClientConfig.configDef())) {
            ConfigDef.ConfigKey k = def.configKeys().get(kafkaKey);
            if (k != null && k.type() == ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        return false;
    }
}
