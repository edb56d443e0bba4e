package io.vectorstream.connector.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.connector.VectorStreamConnectorOptions.OnError;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.junit.jupiter.api.Test;

class SearchSettingsTest {

    private final SearchSettings table =
            SearchSettings.of(
                    Configuration.fromMap(
                            Map.of(
                                    "search.ef", "32",
                                    "search.filter", "{\"eq\":{\"lang\":\"de\"}}",
                                    "search.timeout", "5 s")));

    @Test
    void theTablesOptionsAreTheDefaults() {
        assertThat(table.ef()).isEqualTo(32);
        assertThat(table.filter()).isEqualTo("{\"eq\":{\"lang\":\"de\"}}");
        assertThat(table.consistency()).isEqualTo("eventual");
        assertThat(table.includeVectors()).isTrue();
        assertThat(table.onError()).isEqualTo(OnError.FAIL);
        assertThat(table.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aCallsMapOverridesThem() {
        SearchSettings call =
                table.with(
                        Map.of(
                                "ef", "128",
                                "filter", "{\"eq\":{\"lang\":\"en\"}}",
                                "consistency", "STRONG",
                                "timeout", "2 s",
                                "include-vectors", "false",
                                "on-error", "skip",
                                "max-concurrent-operations", "64"));
        assertThat(call.ef()).isEqualTo(128);
        assertThat(call.filter()).isEqualTo("{\"eq\":{\"lang\":\"en\"}}");
        assertThat(call.consistency()).isEqualTo("strong");
        assertThat(call.includeVectors()).isFalse();
        assertThat(call.onError()).isEqualTo(OnError.SKIP);
        assertThat(call.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theClientGivesUpBeforeFlinkAndTheJobAnswersBeforeTheClient() {
        SearchSettings call = table.with(Map.of("timeout", "2 s"));
        assertThat(call.clientWait()).isLessThan(Duration.ofSeconds(2));
        assertThat((long) call.jobTimeoutMillis()).isLessThan(call.clientWait().toMillis());
    }

    @Test
    void unknownKeysAndBadValuesAreRefused() {
        assertThatThrownBy(() -> table.with(Map.of("eff", "1")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("[eff]")
                .hasMessageContaining("include-vectors");
        assertThatThrownBy(() -> table.with(Map.of("consistency", "linearizable")))
                .hasMessageContaining("'eventual' or 'strong'");
        assertThatThrownBy(() -> table.with(Map.of("ef", "0")))
                .hasMessageContaining("ef must be at least 1");
        assertThatThrownBy(() -> table.with(Map.of("ef", "many")))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> table.with(Map.of("on-error", "retry")))
                .isInstanceOf(ValidationException.class);
    }
}
