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

import io.vectorstream.client.CollectionRejectedException;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.CollectionInfo;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
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

    /** How long opening a writer or search function waits for each answer about its collection. */
    private static final Duration COLLECTION_CHECK_TIMEOUT = Duration.ofSeconds(30);

    private static final long WAIT_MILLIS = COLLECTION_CHECK_TIMEOUT.toMillis() + 1000;

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
        return builder().clientId(clientId).build();
    }

    /**
     * Checks the settings as a client would, without creating one: planning a statement must not
     * need the brokers, their DNS names or the keystores that only the task managers have.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void validate() {
        builder().validate();
    }

    private VectorStreamClient.Builder builder() {
        VectorStreamClient.Builder b =
                VectorStreamClient.builder()
                        .bootstrapServers(bootstrapServers)
                        .vectorsTopic(vectorsTopic)
                        .queriesTopic(queriesTopic)
                        .replyTopic(resultsTopic)
                        .collectionsTopic(collectionsTopic)
                        .collectionsReplyTopic(collectionsResultsTopic);
        kafkaProperties.forEach(b::property);
        return b;
    }

    /**
     * The collection as the job serves it. When the job does not serve it and {@code
     * collection.dimension} is set, creates it first; when it does, checks that it has the
     * dimension and metric the table names (a create is sent only for a missing collection, so a
     * change of the job's defaults since does not turn it into {@code COLLECTION_EXISTS}).
     *
     * @throws IllegalStateException when the collection is missing, differs from the table or the
     *     job cannot be asked
     */
    public CollectionInfo ensureCollection(VectorStreamClient client) throws InterruptedException {
        try {
            CollectionInfo served = served(client);
            if (served == null && dimension != null) {
                try {
                    served =
                            client.createCollection(
                                            collection,
                                            dimension,
                                            s -> {
                                                if (metric != null) {
                                                    s.setMetric(metric);
                                                }
                                            },
                                            COLLECTION_CHECK_TIMEOUT)
                                    .get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    // Another subtask created it first, perhaps with other defaults: take it if
                    // it has what the table asks for.
                    served = served(client);
                    if (served == null) {
                        throw e;
                    }
                }
            }
            if (served == null) {
                throw new IllegalStateException(
                        "The VectorStream job at "
                                + bootstrapServers
                                + " does not serve collection '"
                                + collection
                                + "': set 'collection.dimension' in the table's WITH options to"
                                + " create it, or create it with the client or bin/vectorstream.");
            }
            checkMatches(served);
            return served;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof CollectionRejectedException) {
                throw new IllegalStateException(
                        "The VectorStream job refused to create collection '"
                                + collection
                                + "': "
                                + cause.getMessage(),
                        cause);
            }
            throw new IllegalStateException(
                    "Could not ask the VectorStream job at "
                            + bootstrapServers
                            + " about collection '"
                            + collection
                            + "': "
                            + cause
                            + ". Is the job running, and do the topics '"
                            + collectionsTopic
                            + "' and '"
                            + collectionsResultsTopic
                            + "' exist?",
                    cause);
        }
    }

    private CollectionInfo served(VectorStreamClient client)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (CollectionInfo info :
                client.listCollections(COLLECTION_CHECK_TIMEOUT)
                        .get(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            if (info.getName().equals(collection)) {
                return info;
            }
        }
        return null;
    }

    /** A dimension of 0 is the job's built-in collection before its first vector fixes one. */
    private void checkMatches(CollectionInfo served) {
        if (dimension != null && served.getDimension() != 0 && served.getDimension() != dimension) {
            throw new IllegalStateException(
                    "Collection '"
                            + collection
                            + "' has dimension "
                            + served.getDimension()
                            + ", the table's 'collection.dimension' is "
                            + dimension
                            + ".");
        }
        if (metric != null && !canonicalMetric(metric).equals(served.getMetric())) {
            throw new IllegalStateException(
                    "Collection '"
                            + collection
                            + "' has metric "
                            + served.getMetric()
                            + ", the table's 'collection.metric' is "
                            + metric
                            + ".");
        }
    }

    /**
     * The job's name of a metric the job accepts (cosine, dot, euclidean; l2 and ip as aliases).
     *
     * @throws IllegalArgumentException for any other name
     */
    static String canonicalMetric(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "cosine":
                return "cosine";
            case "dot":
            case "ip":
                return "dot";
            case "euclidean":
            case "l2":
                return "euclidean";
            default:
                throw new IllegalArgumentException(
                        "'collection.metric' must be cosine, dot or euclidean, not '" + name + "'");
        }
    }
}
