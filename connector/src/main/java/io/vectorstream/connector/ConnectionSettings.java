package io.vectorstream.connector;

import static io.vectorstream.connector.VectorStreamConnectorOptions.BOOTSTRAP_SERVERS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION_DIMENSION;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION_METRIC;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_COLLECTIONS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_COLLECTIONS_RESULTS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_QUERIES;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_RESULTS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_VECTORS;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.CollectionInfo;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Where a table's collection lives and how to reach it: what every writer and search function needs
 * to build its {@link VectorStreamClient} on the task manager.
 */
public final class ConnectionSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How long opening a writer or search function waits for the job to list its collections. */
    private static final Duration COLLECTION_CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final String collection;
    private final Integer dimension;
    private final String metric;
    private final String vectorsTopic;
    private final String queriesTopic;
    private final String resultsTopic;
    private final String collectionsTopic;
    private final String collectionsResultsTopic;
    private final LinkedHashMap<String, String> kafkaProperties;

    /** From a table's options, with {@code kafkaProperties} the {@code properties.*} stripped. */
    public static ConnectionSettings of(
            ReadableConfig options, Map<String, String> kafkaProperties) {
        return new ConnectionSettings(options, kafkaProperties);
    }

    private ConnectionSettings(ReadableConfig options, Map<String, String> kafkaProperties) {
        this.bootstrapServers = options.get(BOOTSTRAP_SERVERS);
        this.collection = options.get(COLLECTION);
        this.dimension = options.getOptional(COLLECTION_DIMENSION).orElse(null);
        this.metric = options.getOptional(COLLECTION_METRIC).orElse(null);
        this.vectorsTopic = options.get(TOPIC_VECTORS);
        this.queriesTopic = options.get(TOPIC_QUERIES);
        this.resultsTopic = options.get(TOPIC_RESULTS);
        this.collectionsTopic = options.get(TOPIC_COLLECTIONS);
        this.collectionsResultsTopic = options.get(TOPIC_COLLECTIONS_RESULTS);
        this.kafkaProperties = new LinkedHashMap<>(kafkaProperties);
    }

    /** The collection this table writes to and searches. */
    public String collection() {
        return collection;
    }

    /** A new client; {@code clientId} names it in Kafka's and the task's logs. */
    public VectorStreamClient newClient(String clientId) {
        VectorStreamClient.Builder b =
                VectorStreamClient.builder()
                        .bootstrapServers(bootstrapServers)
                        .vectorsTopic(vectorsTopic)
                        .queriesTopic(queriesTopic)
                        .replyTopic(resultsTopic)
                        .collectionsTopic(collectionsTopic)
                        .collectionsReplyTopic(collectionsResultsTopic)
                        .clientId(clientId);
        kafkaProperties.forEach(b::property);
        // Kafka loads the classes its configuration names (metric reporters, ...) through the
        // context class loader; in the shaded jar those names are relocated, and only the loader
        // of this jar is sure to know them (the planner's or the SQL Client's may not).
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(ConnectionSettings.class.getClassLoader());
        try {
            return b.build();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    /**
     * Makes sure the job serves the collection and returns it as the job serves it: creates it when
     * {@code collection.dimension} is set (the job answers a create of an existing collection with
     * the same settings as a success, and refuses other settings), else checks that it is listed.
     *
     * @throws IllegalStateException when the collection is missing or the job refused it
     */
    public CollectionInfo ensureCollection(VectorStreamClient client) throws InterruptedException {
        try {
            if (dimension != null) {
                return client.createCollection(
                                collection,
                                dimension,
                                s -> {
                                    if (metric != null) {
                                        s.setMetric(metric);
                                    }
                                },
                                COLLECTION_CHECK_TIMEOUT)
                        .get(COLLECTION_CHECK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            }
            List<CollectionInfo> served =
                    client.listCollections(COLLECTION_CHECK_TIMEOUT)
                            .get(COLLECTION_CHECK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            for (CollectionInfo info : served) {
                if (info.getName().equals(collection)) {
                    return info;
                }
            }
            throw new IllegalStateException(
                    "The VectorStream job at "
                            + bootstrapServers
                            + " does not serve collection '"
                            + collection
                            + "' (it serves "
                            + served.stream().map(CollectionInfo::getName).toList()
                            + "): set 'collection.dimension' in the table's WITH options to create"
                            + " it, or create it with the client or bin/vectorstream.");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(
                    "Could not make sure the VectorStream job at "
                            + bootstrapServers
                            + " serves collection '"
                            + collection
                            + "': "
                            + cause.getMessage()
                            + ". Is the job running, and do the topics '"
                            + collectionsTopic
                            + "' and '"
                            + collectionsResultsTopic
                            + "' exist?",
                    cause);
        }
    }
}
