package io.vectorstream.connector;

import io.vectorstream.schema.KafkaContract;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The {@code WITH} options of a {@code 'connector' = 'vectorstream'} table. Kafka client settings
 * (security, timeouts) pass through as {@code properties.*}, as with Flink's Kafka connector.
 */
public final class VectorStreamConnectorOptions {

    private VectorStreamConnectorOptions() {}

    public static final String PROPERTIES_PREFIX = "properties.";

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka brokers of the VectorStream job, host:port[,host:port].");

    public static final ConfigOption<String> COLLECTION =
            ConfigOptions.key("collection")
                    .stringType()
                    .defaultValue("default")
                    .withDescription("The collection the table writes to and searches.");

    public static final ConfigOption<Integer> COLLECTION_DIMENSION =
            ConfigOptions.key("collection.dimension")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "When set, the table creates its collection with this dimension if the"
                                    + " job does not serve it yet (idempotent). When not set, the"
                                    + " collection must exist.");

    public static final ConfigOption<String> COLLECTION_METRIC =
            ConfigOptions.key("collection.metric")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Metric of a collection the table creates: cosine, dot or euclidean;"
                                    + " the job's default when not set.");

    public static final ConfigOption<String> TOPIC_VECTORS =
            topic("topic.vectors", KafkaContract.VECTORS_TOPIC, "Topic of upserts and deletes.");

    public static final ConfigOption<String> TOPIC_QUERIES =
            topic("topic.queries", KafkaContract.QUERIES_TOPIC, "Topic of query requests.");

    public static final ConfigOption<String> TOPIC_RESULTS =
            topic(
                    "topic.results",
                    KafkaContract.RESULTS_TOPIC,
                    "Topic the answers are written to and read from; it must exist.");

    public static final ConfigOption<String> TOPIC_COLLECTIONS =
            topic(
                    "topic.collections",
                    KafkaContract.COLLECTIONS_TOPIC,
                    "Topic of collection requests.");

    public static final ConfigOption<String> TOPIC_COLLECTIONS_RESULTS =
            topic(
                    "topic.collections-results",
                    KafkaContract.COLLECTION_RESULTS_TOPIC,
                    "Topic the answers to collection requests are written to and read from.");

    public static final ConfigOption<Integer> SEARCH_EF =
            ConfigOptions.key("search.ef")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "HNSW beam width of each search; the job's default when not set."
                                    + " Overridden per call by 'ef' in VECTOR_SEARCH's map.");

    public static final ConfigOption<String> SEARCH_FILTER =
            ConfigOptions.key("search.filter")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Metadata filter (JSON, see README 'Filters') of each search;"
                                    + " overridden per call by 'filter'.");

    public static final ConfigOption<String> SEARCH_CONSISTENCY =
            ConfigOptions.key("search.consistency")
                    .stringType()
                    .defaultValue("eventual")
                    .withDescription(
                            "eventual or strong (read-your-writes); overridden per call by"
                                    + " 'consistency'.");

    public static final ConfigOption<Duration> SEARCH_TIMEOUT =
            ConfigOptions.key("search.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How long one search may take, Kafka round trip included;"
                                    + " overridden per call by 'timeout' (which also sets"
                                    + " Flink's own async timeout).");

    public static final ConfigOption<Boolean> SEARCH_INCLUDE_VECTORS =
            ConfigOptions.key("search.include-vectors")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether search results carry each hit's stored embedding (unit"
                                    + " length under cosine). When false the embedding column is"
                                    + " NULL, which saves 4 x dimension bytes per hit on the"
                                    + " response topic (Flink 2.2 does not tell a search table"
                                    + " which columns a statement uses). Overridden per call by"
                                    + " 'include-vectors'.");

    public static final ConfigOption<Boolean> SEARCH_INCLUDE_TEXT =
            ConfigOptions.key("search.include-text")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Whether search results carry each hit's stored text. When false the"
                                    + " text column is NULL, which saves the job one state read"
                                    + " and the text's bytes per hit. Overridden per call by"
                                    + " 'include-text'.");

    public static final ConfigOption<OnError> SEARCH_ON_ERROR =
            ConfigOptions.key("search.on-error")
                    .enumType(OnError.class)
                    .defaultValue(OnError.FAIL)
                    .withDescription(
                            "What a search the job rejected, answered only in part, or did not"
                                    + " answer in time does: FAIL fails the SQL job with the"
                                    + " job's error code and message; SKIP yields no rows for"
                                    + " that input row and counts it in the 'searchesSkipped'"
                                    + " metric. Overridden per call by 'on-error'.");

    /** What a search that got no complete answer does. */
    public enum OnError {
        FAIL,
        SKIP
    }

    private static ConfigOption<String> topic(String key, String topic, String description) {
        return ConfigOptions.key(key).stringType().defaultValue(topic).withDescription(description);
    }
}
