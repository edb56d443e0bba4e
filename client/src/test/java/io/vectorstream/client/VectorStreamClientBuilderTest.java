package io.vectorstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.codec.FloatVectors;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class VectorStreamClientBuilderTest {

    @Test
    void validateChecksTheSettingsWithoutCreatingAnything() {
        VectorStreamClient.Builder unresolvable =
                VectorStreamClient.builder().bootstrapServers("no-such-host.invalid:9092");
        assertThat(unresolvable.validate()).isSameAs(unresolvable);
        // build() creates the producers, which resolve the brokers' names
        assertThatThrownBy(unresolvable::build).hasStackTraceContaining("bootstrap");
        assertThatThrownBy(() -> valid().replyTopic("queries").validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replyTopic and queriesTopic");
    }

    @Test
    void missingBootstrapServersSaysHowToSetThem() {
        assertThatThrownBy(() -> VectorStreamClient.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers is required")
                .hasMessageContaining("bootstrapServers(\"localhost:9092\")");
    }

    @Test
    void bootstrapEntryWithoutPortIsNamed() {
        assertThatThrownBy(
                        () ->
                                VectorStreamClient.builder()
                                        .bootstrapServers("kafka1:9092,kafka2")
                                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("entry 'kafka2' is not host:port")
                .hasMessageNotContaining("'kafka1:9092'");
    }

    @Test
    void invalidTopicNameIsNamedWithTheRule() {
        assertThatThrownBy(() -> valid().replyTopic("my results").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replyTopic 'my results' is not a valid Kafka topic name")
                .hasMessageContaining("letters, digits, '.', '_' or '-'");
    }

    @Test
    void replyTopicMustDifferFromQueriesTopic() {
        assertThatThrownBy(() -> valid().replyTopic("queries").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("replyTopic and queriesTopic are both 'queries'");
    }

    @Test
    void vectorsTopicMustBeItsOwn() {
        assertThatThrownBy(() -> valid().vectorsTopic("results").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vectorsTopic 'results' is also used for queries or replies");
    }

    @Test
    void collectionTopicsMustNotCollideWithTheOthers() {
        assertThatThrownBy(() -> valid().collectionsTopic("queries").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "collectionsTopic 'queries' is also used for vectors, queries or replies");
        assertThatThrownBy(() -> valid().collectionsReplyTopic("collections").build())
                .hasMessageContaining("collectionsTopic 'collections' is also used");
        assertThatThrownBy(() -> valid().collectionsReplyTopic("vectors").build())
                .hasMessageContaining(
                        "collectionsReplyTopic 'vectors' is also the vectors or"
                                + " queries topic");
        assertThatThrownBy(() -> valid().collectionsTopic("a b").build())
                .hasMessageContaining("collectionsTopic 'a b' is not a valid Kafka topic name");
    }

    @Test
    void collectionTopicsDefaultToTheContractAndMayShareTheQueryReplyTopic() {
        try (VectorStreamClient client = valid().build()) {
            assertThat(client.collectionsReplyTopic()).isEqualTo("collections.results");
        }
        try (VectorStreamClient client = valid().collectionsReplyTopic("results").build()) {
            assertThat(client.collectionsReplyTopic()).isEqualTo("results");
        }
    }

    @Test
    void nonPositiveTimeoutIsRejected() {
        assertThatThrownBy(() -> valid().defaultTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("defaultTimeout must be positive, got 0 ms");
    }

    @Test
    void propertiesTheClientOwnsAreRejectedWithTheSetterToUse() {
        assertThatThrownBy(() -> valid().property("bootstrap.servers", "x:1").build())
                .hasMessageContaining(
                        "property 'bootstrap.servers' is set by the client itself; use"
                                + " bootstrapServers(...)");
        assertThatThrownBy(() -> valid().property("acks", "1").build())
                .hasMessageContaining("property 'acks' is set by the client itself")
                .hasMessageContaining("acks=all");
        assertThatThrownBy(() -> valid().property("group.id", "g").build())
                .hasMessageContaining("without a consumer group");
    }

    @Test
    void propertyValuesNeverAppearInMessages() {
        Properties secret = new Properties();
        secret.setProperty("sasl.jaas.config", "password=\"hunter2\"");
        secret.setProperty("client.id", "hunter2-id");
        assertThatThrownBy(() -> valid().properties(secret).build())
                .hasMessageContaining("'client.id'")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void everyProblemIsListedAtOnce() {
        assertThatThrownBy(
                        () ->
                                VectorStreamClient.builder()
                                        .queriesTopic("")
                                        .defaultTimeout(Duration.ofSeconds(-1))
                                        .build())
                .hasMessageContaining("bootstrapServers is required")
                .hasMessageContaining("queriesTopic '' is not a valid Kafka topic name")
                .hasMessageContaining("defaultTimeout must be positive");
    }

    @Test
    void settersRejectNullWithTheSettingsName() {
        assertThatThrownBy(() -> VectorStreamClient.builder().replyTopic(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("replyTopic must not be null");
        assertThatThrownBy(
                        () -> VectorStreamClient.builder().property("ssl.keystore.password", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("value of property 'ssl.keystore.password' must not be null");
    }

    @Test
    void badWritesAndQueriesFailBeforeAnythingIsSent() {
        // No broker at this address: these must fail on the arguments, before any network use.
        try (VectorStreamClient client = valid().build()) {
            assertThatThrownBy(() -> client.upsert("a", new float[] {1f, Float.NaN}, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("vector of 'a' has NaN at index 1");
            assertThatThrownBy(() -> client.upsert("", new float[] {1f}, Map.of()))
                    .hasMessage("id must not be empty");
            assertThatThrownBy(() -> client.delete(null)).hasMessage("id must not be null");
            QueryRequest q =
                    QueryRequest.newBuilder()
                            .setQueryId("q")
                            .setVector(FloatVectors.toBytes(new float[] {1f}))
                            .build();
            assertThatThrownBy(() -> client.query(q, Duration.ofMillis(-5)))
                    .hasMessage("timeout must be positive, got -5 ms");
            assertThat(client.inFlightQueries()).isZero();
            assertThatThrownBy(() -> client.listCollections(Duration.ZERO))
                    .hasMessage("timeout must be positive, got 0 ms");
            assertThatThrownBy(() -> client.createCollection(null, 3, s -> {}))
                    .hasMessage("name must not be null");
        }
    }

    @Test
    void badTextWritesAndQueriesFailBeforeAnythingIsSent() {
        // No broker at this address: these must fail on the arguments, before any network use.
        try (VectorStreamClient client = valid().build()) {
            assertThatThrownBy(() -> client.upsertText("docs", "a", " \n", Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("text of 'a' is blank; there is nothing to embed or search");
            assertThatThrownBy(() -> client.upsertText("docs", "a", "", Map.of()))
                    .hasMessage("text of 'a' is empty; there is nothing to embed or search");
            assertThatThrownBy(() -> client.upsertText("docs", "a", null, Map.of()))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("text of 'a' must not be null");
            assertThatThrownBy(() -> client.upsertText("docs", "", "hello", Map.of()))
                    .hasMessage("id must not be empty");
            assertThatThrownBy(() -> client.upsertText(null, "a", "hello", Map.of()))
                    .hasMessage("collection must not be null");
            assertThatThrownBy(() -> client.upsertText("docs", "a", "hello", null))
                    .hasMessageContaining("metadata must not be null");

            assertThatThrownBy(() -> client.queryText("docs", "hello", 3, "semantic"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mode must be vector, keyword or hybrid, got 'semantic'");
            assertThatThrownBy(() -> client.queryText("docs", "hello", 3, "Hybrid"))
                    .as("modes are lower case on the wire")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> client.queryText("docs", "hello", 3, null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("mode must not be null");
            assertThatThrownBy(() -> client.queryText("docs", "  ", 3, "keyword"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("query text is blank; there is nothing to embed or search");
            assertThat(client.inFlightQueries()).isZero();
        }
    }

    @Test
    void modeConstantsAreTheWireValues() {
        assertThat(
                        List.of(
                                VectorStreamClient.MODE_VECTOR,
                                VectorStreamClient.MODE_KEYWORD,
                                VectorStreamClient.MODE_HYBRID))
                .containsExactly("vector", "keyword", "hybrid");
    }

    @Test
    void closedClientRefusesWork() {
        VectorStreamClient client = valid().clientId("closing").build();
        client.close();
        client.close(); // idempotent
        assertThatThrownBy(() -> client.delete("a"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> client.query(new float[] {1f}, 3))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(client::listCollections).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> client.upsertText("docs", "a", "hello", Map.of()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> client.queryText("docs", "hello", 3, "keyword"))
                .isInstanceOf(IllegalStateException.class);
    }

    private static VectorStreamClient.Builder valid() {
        // Port 1 is never a broker; building makes no connection.
        return VectorStreamClient.builder().bootstrapServers("localhost:1");
    }
}
