package io.vectorstream.schema;

/**
 * The names the client and the VectorStream job agree on: default topics and the request/response
 * headers of the queries topic.
 *
 * <p>The payloads themselves are specified by the Avro schemas next to this class; these names are
 * the part of the contract that lives in Kafka metadata instead.
 */
public final class KafkaContract {

    /** Upserts and deletes; Kafka key = the vector id (UTF-8), so writes of one id stay ordered. */
    public static final String VECTORS_TOPIC = "vectors";

    /** Query requests; Kafka key = the query id (UTF-8). */
    public static final String QUERIES_TOPIC = "queries";

    /** Where answers go when a request names no {@link #REPLY_TO_HEADER reply-to} topic. */
    public static final String RESULTS_TOPIC = "results";

    /** Dead letters: vector records the job could not accept, with the reason. */
    public static final String DEAD_LETTER_TOPIC = "vectors.dlq";

    /**
     * Control requests ({@code CollectionRequest}): create a collection, list them; Kafka key = the
     * request id (UTF-8).
     */
    public static final String COLLECTIONS_TOPIC = "collections";

    /** Where answers to control requests go when a request names no reply-to topic. */
    public static final String COLLECTION_RESULTS_TOPIC = "collections.results";

    /** Request header: UTF-8 name of the topic the answer must be written to. */
    public static final String REPLY_TO_HEADER = "reply-to";

    /** Request header: opaque bytes the job echoes unchanged on the answer. */
    public static final String CORRELATION_ID_HEADER = "correlation-id";

    /** Dead-letter header: the stable reason code, plain text (readable without Avro). */
    public static final String ERROR_CODE_HEADER = "error-code";

    /** Dead-letter header: the human-readable reason, plain text. */
    public static final String ERROR_REASON_HEADER = "error-reason";

    private KafkaContract() {}
}
