package io.vectorstream.connector.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.connector.VectorStreamConnectorOptions.OnError;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.ValidationException;
import org.junit.jupiter.api.Test;

class SearchSettingsTest {

    private static final Duration FLINK = Duration.ofMinutes(3);

    private final SearchSettings table =
            SearchSettings.of(
                    Configuration.fromMap(
                            Map.of(
                                    "search.ef", "32",
                                    "search.filter", "{\"eq\":{\"lang\":\"de\"}}",
                                    "search.timeout", "5 s")),
                    FLINK);

    @Test
    void theTablesOptionsAreTheDefaults() {
        assertThat(table.ef()).isEqualTo(32);
        assertThat(table.filter()).isEqualTo("{\"eq\":{\"lang\":\"de\"}}");
        assertThat(table.consistency()).isEqualTo("eventual");
        assertThat(table.includeVectors()).isFalse();
        assertThat(table.onError()).isEqualTo(OnError.FAIL);
        assertThat(table.timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aCallsMapOverridesThem() {
        SearchSettings call =
                table.with(
                        call(
                                "ef", "128",
                                "filter", "{\"eq\":{\"lang\":\"en\"}}",
                                "consistency", "STRONG",
                                "timeout", "2 s",
                                "include-vectors", "true",
                                "on-error", "skip",
                                "max-distance", "0.5",
                                "max-concurrent-operations", "64"));
        assertThat(call.ef()).isEqualTo(128);
        assertThat(call.filter()).isEqualTo("{\"eq\":{\"lang\":\"en\"}}");
        assertThat(call.consistency()).isEqualTo("strong");
        assertThat(call.includeVectors()).isTrue();
        assertThat(call.maxDistance()).isEqualTo(0.5f);
        assertThat(call.minScore()).isNull();
        assertThat(call.onError()).isEqualTo(OnError.SKIP);
        assertThat(call.timeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theClientGivesUpBeforeFlinkAndTheJobAnswersBeforeTheClient() {
        SearchSettings call = table.with(call("timeout", "2 s"));
        assertThat(call.clientWait()).isEqualTo(Duration.ofMillis(1800));
        assertThat(call.jobTimeoutMillis()).isEqualTo(1600);
    }

    @Test
    void noSearchWaitsLongerThanFlinksOwnTimeout() {
        SearchSettings slow =
                SearchSettings.of(
                        Configuration.fromMap(Map.of("search.timeout", "10 min")),
                        Duration.ofSeconds(5));
        assertThat(slow.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(slow.clientWait()).isLessThan(Duration.ofSeconds(5));
        // a call's timeout is Flink's too
        assertThat(slow.with(call("timeout", "30 s")).timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theJobsDeadlineStaysUnderItsDefaultCap() {
        assertThat(table.with(call("timeout", "2 min")).jobTimeoutMillis()).isEqualTo(60_000);
    }

    @Test
    void unknownKeysAndBadValuesAreRefused() {
        assertThatThrownBy(() -> table.with(call("eff", "1")))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("[eff]")
                .hasMessageContaining("include-vectors");
        assertThatThrownBy(() -> table.with(call("consistency", "linearizable")))
                .hasMessageContaining("'eventual' or 'strong'");
        assertThatThrownBy(() -> table.with(call("ef", "0")))
                .hasMessageContaining("ef must be at least 1");
        assertThatThrownBy(() -> table.with(call("ef", "many")))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> table.with(call("on-error", "retry")))
                .isInstanceOf(ValidationException.class);
    }

    /** A VECTOR_SEARCH map of key, value pairs. */
    private static Configuration call(String... keysAndValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Configuration.fromMap(map);
    }
}
