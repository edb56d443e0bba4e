package io.vectorstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaClientConfigsTest {

    @Test
    void userSettingsPassThroughButCannotWeakenDurability() {
        Map<String, String> user =
                Map.of("security.protocol", "SASL_SSL", "linger.ms", "20", "acks", "0");

        Properties p = KafkaClientConfigs.producer("k:9092", "app", user);

        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("linger.ms")).isEqualTo("20");
        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("client.id")).isEqualTo("app-producer");
    }

    @Test
    void producerLingersBrieflyByDefault() {
        assertThat(KafkaClientConfigs.producer("k:9092", null, Map.of()).getProperty("linger.ms"))
                .isEqualTo("2");
    }

    @Test
    void requestsAreSentWithoutLingerUnlessTheUserSaysOtherwise() {
        assertThat(
                        KafkaClientConfigs.requestProducer("k:9092", "c", Map.of())
                                .getProperty("linger.ms"))
                .isEqualTo("0");
        assertThat(
                        KafkaClientConfigs.requestProducer("k:9092", "c", Map.of("linger.ms", "7"))
                                .getProperty("linger.ms"))
                .isEqualTo("7");
        assertThat(
                        KafkaClientConfigs.requestProducer("k:9092", "c", Map.of())
                                .getProperty("client.id"))
                .isEqualTo("c-requests");
    }

    @Test
    void consumerNeverCommits() {
        Properties p =
                KafkaClientConfigs.groupless("k:9092", null, Map.of("enable.auto.commit", "true"));

        assertThat(p.getProperty("enable.auto.commit")).isEqualTo("false");
        assertThat(p.getProperty("group.id")).isNull();
        assertThat(p.getProperty("client.id")).isNull();
    }
}
