package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.jobs.testing.CapturedLogs;
import io.vectorstream.operators.kafka.KafkaClientProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka security example of {@code config/config.yaml}, switched on, loads as Flink loads a
 * cluster's configuration: its settings reach the job's Kafka client properties, and Flink's
 * startup log of the configuration masks the secrets.
 */
class KafkaSecretsLoggingTest {

    @TempDir Path dir;

    @Test
    void theSecurityExampleOfConfigYamlReachesTheClientsAndItsSecretsAreMasked() throws Exception {
        String jaasSecret = "jaas-" + UUID.randomUUID();
        String truststoreSecret = "truststore-" + UUID.randomUUID();
        String yaml = enableSecurityExample(Files.readString(Path.of("../config/config.yaml")));
        yaml = yaml.replaceFirst("<secret>", jaasSecret).replaceFirst("<secret>", truststoreSecret);
        Files.writeString(dir.resolve("config.yaml"), yaml);

        Configuration conf;
        try (CapturedLogs logs = CapturedLogs.start()) {
            conf = GlobalConfiguration.loadConfiguration(dir.toString());

            assertThat(logs.text())
                    .contains("vectorstream.kafka.properties.security.protocol, SASL_SSL")
                    .contains("vectorstream.kafka.properties.sasl.jaas.config, ******")
                    .contains("vectorstream.kafka.properties.ssl.truststore.password, ******")
                    .doesNotContain(jaasSecret)
                    .doesNotContain(truststoreSecret);
        }

        Properties kafka = KafkaClientProperties.from(conf);
        assertThat(kafka.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(kafka.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
        assertThat(kafka.getProperty("sasl.jaas.config"))
                .startsWith("org.apache.kafka.common.security.scram.ScramLoginModule required")
                .contains("password=\"" + jaasSecret + "\"");
        assertThat(kafka.getProperty("ssl.truststore.location"))
                .isEqualTo("/etc/kafka/truststore.p12");
        assertThat(kafka.getProperty("ssl.truststore.password")).isEqualTo(truststoreSecret);
    }

    /** Removes the comment marks of the commented-out {@code properties:} block. */
    private static String enableSecurityExample(String yaml) {
        String enabled =
                yaml.replace("\n    # properties:\n", "\n    properties:\n")
                        .replaceAll("\n    #   ", "\n      ");
        assertThat(enabled).as("config.yaml has the commented security example").isNotEqualTo(yaml);
        return enabled;
    }
}
