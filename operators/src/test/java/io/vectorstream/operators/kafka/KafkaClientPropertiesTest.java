package io.vectorstream.operators.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;

class KafkaClientPropertiesTest {

    private static final String JAAS =
            "org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"svc\" password=\"s3cr3t\";";

    @Test
    void prefixedSettingsReachTheClientWithoutThePrefix() {
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "vectorstream.kafka.bootstrap-servers", "k1:9093,k2:9093",
                                "vectorstream.kafka.properties.security.protocol", "SASL_SSL",
                                "vectorstream.kafka.properties.sasl.mechanism", "PLAIN",
                                "vectorstream.kafka.properties.sasl.jaas.config", JAAS,
                                "vectorstream.kafka.properties.ssl.truststore.location",
                                        "/etc/kafka/truststore.p12",
                                "vectorstream.kafka.properties.ssl.truststore.password", "pw",
                                "vectorstream.kafka.group-id", "not-a-client-setting",
                                "state.backend.type", "rocksdb"));

        Properties p = KafkaClientProperties.from(conf);

        assertThat(p)
                .containsOnly(
                        Map.entry("bootstrap.servers", "k1:9093,k2:9093"),
                        Map.entry("security.protocol", "SASL_SSL"),
                        Map.entry("sasl.mechanism", "PLAIN"),
                        Map.entry("sasl.jaas.config", JAAS),
                        Map.entry("ssl.truststore.location", "/etc/kafka/truststore.p12"),
                        Map.entry("ssl.truststore.password", "pw"));
    }

    @Test
    void withoutPrefixedSettingsOnlyTheBootstrapServersAreSet() {
        assertThat(KafkaClientProperties.from(new Configuration()))
                .containsOnly(Map.entry("bootstrap.servers", "localhost:9092"));
    }

    @Test
    void everyCallReturnsAFreshCopy() {
        Configuration conf = new Configuration();
        Properties first = KafkaClientProperties.from(conf);
        first.setProperty("client.id", "one-client");

        assertThat(KafkaClientProperties.from(conf)).doesNotContainKey("client.id");
    }

    @Test
    void settingsTheJobOwnsAreRejectedWithTheOptionToUse() {
        Configuration conf =
                Configuration.fromMap(
                        Map.of(
                                "vectorstream.kafka.properties.bootstrap.servers", "k:9092",
                                "vectorstream.kafka.properties.group.id", "g"));

        assertThatThrownBy(() -> KafkaClientProperties.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set vectorstream.kafka.bootstrap-servers instead")
                .hasMessageContaining("set vectorstream.kafka.group-id");
    }

    @Test
    void aSecretFlinkWouldLogInClearTextIsRejectedWithoutItsValue() {
        // ssl.keystore.key is a Kafka password (an inline PEM key), but its name holds none of the
        // words Flink masks.
        String key = "vectorstream.kafka.properties.ssl.keystore.key";
        assertThat(GlobalConfiguration.isSensitive(key)).isFalse();
        Configuration conf = Configuration.fromMap(Map.of(key, "-----BEGIN PRIVATE KEY----- xyz"));

        assertThatThrownBy(() -> KafkaClientProperties.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(key)
                .hasMessageContaining("ssl.keystore.location")
                .hasMessageNotContaining("BEGIN PRIVATE KEY");
    }

    @Test
    void theUsualSecretsAreKafkaPasswordsThatFlinkMasks() {
        for (String kafkaKey :
                new String[] {
                    "sasl.jaas.config",
                    "ssl.key.password",
                    "ssl.keystore.password",
                    "ssl.truststore.password"
                }) {
            assertThat(KafkaClientProperties.isKafkaPassword(kafkaKey)).as(kafkaKey).isTrue();
            assertThat(GlobalConfiguration.isSensitive("vectorstream.kafka.properties." + kafkaKey))
                    .as(kafkaKey)
                    .isTrue();
        }
        assertThat(KafkaClientProperties.isKafkaPassword("security.protocol")).isFalse();
    }
}
