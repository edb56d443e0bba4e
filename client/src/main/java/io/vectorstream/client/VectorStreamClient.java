package io.vectorstream.client;

import static io.vectorstream.schema.KafkaContract.CORRELATION_ID_HEADER;
import static io.vectorstream.schema.KafkaContract.REPLY_TO_HEADER;
import static java.util.Objects.requireNonNull;

import io.vectorstream.client.internal.KafkaClientConfigs;
import io.vectorstream.client.internal.PendingRequests;
import io.vectorstream.client.internal.ReplyChannel;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Java client of VectorStream: publishes upserts and deletes, runs k-NN queries and creates and
 * lists collections over Kafka.
 *
 * <pre>{@code
 * try (VectorStreamClient client = VectorStreamClient.builder().bootstrapServers("localhost:9092").build()) {
 *   client.upsert("doc-1", embedding, Map.of("lang", "en")).get();
 *   QueryResponse answer = client.query(queryEmbedding, 10).get();
 *   CollectionInfo docs = client.createCollection("docs", 384, s -> s.setMetric("dot")).get();
 *   // A collection that embeds texts itself: write and search texts, no vectors.
 *   client.createCollection("notes", 384, s -> s.setEmbedder("all-minilm-l6-v2")).get();
 *   client.upsertText("notes", "note-1", "Kafka keeps the log", Map.of()).get();
 *   QueryResponse found = client.queryText("notes", "where is the log kept?", 5, "hybrid").get();
 * }
 * }</pre>
 *
 * <p><b>Writes</b> go to the vectors topic with the id as Kafka key, so the writes of one id stay
 * in order. The producer uses {@code acks=all} and idempotence: a write's future completes when the
 * brokers have it durably, and fails with the Kafka exception otherwise. A write is indexed
 * asynchronously by the job; an acknowledged write is not yet searchable.
 *
 * <p><b>Queries</b> are request/response over two topics. Each request carries a fresh random
 * {@code correlation-id} header and a {@code reply-to} header naming this client's reply topic. A
 * background thread reads every partition of that topic without a consumer group, so many clients
 * can share it; it completes the waiting future whose correlation id (or, if the header is lost,
 * query id) matches and drops every other answer, including the duplicates that at-least-once
 * delivery produces. A query with no answer within its timeout fails with a {@link
 * TimeoutException}. A query the job rejected completes <em>normally</em> with a response whose
 * {@code error} is set; see {@link QueryRejectedException#requireAccepted}. The first query starts
 * the reply thread and waits (within its timeout) until its read position is fixed, so a client
 * that only writes never needs the reply topic. Queries go out on a producer of their own without
 * linger (someone waits for each), so a query can reach Kafka before a write sent just before it:
 * to read your own write with a {@code strong} query, wait for the write's future (or {@link
 * #flush}) first.
 *
 * <p><b>Collections</b> are created and listed the same way over their own pair of topics ({@value
 * KafkaContract#COLLECTIONS_TOPIC} and, by default, {@value
 * KafkaContract#COLLECTION_RESULTS_TOPIC}), read by a second reply thread started by the first
 * collection request. Unlike a query, a request the job rejected fails with a {@link
 * CollectionRejectedException} carrying the error code.
 *
 * <p><b>Thread-safety:</b> all methods may be called from any number of threads at once. Futures
 * complete on the client's internal threads (Kafka's producer I/O thread, the reply thread, the
 * timeout timer): stages chained with the non-async {@code then...} methods run there and must be
 * quick; use the {@code ...Async} variants for slow work. After {@link #close()} every method
 * throws {@link IllegalStateException}.
 */
public final class VectorStreamClient implements AutoCloseable {

    /** Collection used by the overloads that take none; the job's default collection. */
    public static final String DEFAULT_COLLECTION = "default";

    /** Query mode: nearest neighbours of the vector, or of the text the collection embeds. */
    public static final String MODE_VECTOR = "vector";

    /** Query mode: BM25 over the stored texts. */
    public static final String MODE_KEYWORD = "keyword";

    /** Query mode: BM25 and vector search fused by reciprocal rank fusion. */
    public static final String MODE_HYBRID = "hybrid";

    private static final List<String> MODES = List.of(MODE_VECTOR, MODE_KEYWORD, MODE_HYBRID);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;
    private final String vectorsTopic;
    private final String queriesTopic;
    private final String collectionsTopic;
    private final WireFormat wireFormat;
    private final Duration defaultTimeout;
    private final String clientId;
    private final Map<String, String> kafkaProperties;
    private final KafkaProducer<byte[], byte[]> producer;

    /** Queries and collection requests: a producer without linger (see KafkaClientConfigs). */
    private final KafkaProducer<byte[], byte[]> requestProducer;

    private final ReplyChannel<QueryResponse> queryReplies;
    private final ReplyChannel<CollectionResponse> collectionReplies;

    private final AtomicBoolean closed = new AtomicBoolean();

    private VectorStreamClient(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.vectorsTopic = b.vectorsTopic;
        this.queriesTopic = b.queriesTopic;
        this.collectionsTopic = b.collectionsTopic;
        this.wireFormat = b.wireFormat;
        this.defaultTimeout = b.defaultTimeout;
        this.clientId = b.clientId;
        this.kafkaProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
        // Kafka loads the classes its configuration names (metric reporters, ...) through the
        // context class loader. The caller's may not know this Kafka, e.g. a relocated copy in a
        // shaded jar; the reply readers' threads use this loader too (ReplyListener).
        Thread thread = Thread.currentThread();
        ClassLoader callers = thread.getContextClassLoader();
        thread.setContextClassLoader(VectorStreamClient.class.getClassLoader());
        try {
            this.producer =
                    new KafkaProducer<>(
                            KafkaClientConfigs.producer(
                                    bootstrapServers, clientId, kafkaProperties));
            this.requestProducer =
                    new KafkaProducer<>(
                            KafkaClientConfigs.requestProducer(
                                    bootstrapServers, clientId, kafkaProperties));
        } finally {
            thread.setContextClassLoader(callers);
        }
        this.queryReplies =
                replyChannel(
                        PendingRequests.forQueries(
                                queriesTopic, b.replyTopic, threadName("timeouts")),
                        "replies");
        this.collectionReplies =
                replyChannel(
                        PendingRequests.forCollections(
                                collectionsTopic,
                                b.collectionsReplyTopic,
                                threadName("collection-timeouts")),
                        "collection-replies");
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------ writes

    /** Inserts or replaces {@code id} in the default collection. */
    public CompletableFuture<RecordMetadata> upsert(
            String id, float[] vector, Map<String, String> metadata) {
        return upsert(DEFAULT_COLLECTION, id, vector, metadata);
    }

    /**
     * Inserts or replaces {@code id} in {@code collection}.
     *
     * @throws IllegalArgumentException if the id is empty or the vector is empty or not finite: the
     *     job would reject it to the dead-letter topic, where the caller would not see it
     */
    public CompletableFuture<RecordMetadata> upsert(
            String collection, String id, float[] vector, Map<String, String> metadata) {
        requireNonNull(vector, "vector must not be null");
        requireNonNull(metadata, "metadata must not be null; pass Map.of() for none");
        checkFinite(id, vector);
        return publish(
                VectorRecord.newBuilder()
                        .setId(checkId(id))
                        .setOp(Op.UPSERT)
                        .setCollection(requireNonNull(collection, "collection must not be null"))
                        .setVector(FloatVectors.toBytes(vector))
                        .setMetadata(new LinkedHashMap<>(metadata))
                        .build());
    }

    /**
     * Inserts or replaces {@code id} in {@code collection} with {@code text} and no vector: the job
     * embeds the text with the collection's embedder (a collection created with one, e.g. {@code s
     * -> s.setEmbedder("all-minilm-l6-v2")}; see {@link #createCollection(String, int, Consumer,
     * Duration)}) and stores the text with the vector, for keyword search and {@code includeText}.
     * In a collection without an embedder the job rejects the record to the dead-letter topic,
     * where this client does not see it.
     *
     * @throws IllegalArgumentException if the id is empty or the text is empty or blank: there
     *     would be nothing to embed
     */
    public CompletableFuture<RecordMetadata> upsertText(
            String collection, String id, String text, Map<String, String> metadata) {
        requireNonNull(metadata, "metadata must not be null; pass Map.of() for none");
        return publish(
                VectorRecord.newBuilder()
                        .setId(checkId(id))
                        .setOp(Op.UPSERT)
                        .setCollection(requireNonNull(collection, "collection must not be null"))
                        .setText(checkText(text, "text of '" + id + "'"))
                        .setMetadata(new LinkedHashMap<>(metadata))
                        .build());
    }

    /** Deletes {@code id} from the default collection; deleting an unknown id is not an error. */
    public CompletableFuture<RecordMetadata> delete(String id) {
        return delete(DEFAULT_COLLECTION, id);
    }

    /** Deletes {@code id} from {@code collection}; deleting an unknown id is not an error. */
    public CompletableFuture<RecordMetadata> delete(String collection, String id) {
        return publish(
                VectorRecord.newBuilder()
                        .setId(checkId(id))
                        .setOp(Op.DELETE)
                        .setCollection(requireNonNull(collection, "collection must not be null"))
                        .build());
    }

    /**
     * Publishes a complete record as it is, upsert or delete, for callers that set the optional
     * fields ({@code text}, {@code eventTimeMs}) or read records from files.
     */
    public CompletableFuture<RecordMetadata> publish(VectorRecord record) {
        requireNonNull(record, "record must not be null");
        checkOpen();
        checkId(record.getId());
        byte[] value = PayloadCodec.encode(record, wireFormat);
        return send(new ProducerRecord<>(vectorsTopic, null, utf8(record.getId()), value));
    }

    /** Blocks until every write and query sent so far has been acknowledged or has failed. */
    public void flush() {
        checkOpen();
        producer.flush();
        requestProducer.flush();
    }

    // ----------------------------------------------------------------------------------- queries

    /** The {@code k} nearest neighbours of {@code vector} in the default collection. */
    public CompletableFuture<QueryResponse> query(float[] vector, int k) {
        return query(DEFAULT_COLLECTION, vector, k);
    }

    /** The {@code k} nearest neighbours of {@code vector} in {@code collection}, with metadata. */
    public CompletableFuture<QueryResponse> query(String collection, float[] vector, int k) {
        requireNonNull(vector, "vector must not be null");
        return query(
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setCollection(requireNonNull(collection, "collection must not be null"))
                        .setVector(FloatVectors.toBytes(vector))
                        .setK(k)
                        .build());
    }

    /**
     * The {@code k} best hits for {@code text} in {@code collection}, each with its metadata and
     * stored text ({@code includeText}), waiting at most the default timeout.
     *
     * <p>{@code mode} is one of {@value #MODE_VECTOR} (nearest neighbours of the text as the
     * collection's embedder embeds it), {@value #MODE_KEYWORD} (BM25 over the stored texts; no
     * embedder needed) or {@value #MODE_HYBRID} (both, fused by reciprocal rank fusion with the
     * job's default rank constant); the hits' scores are then cosine/dot/L2, BM25 or RRF scores.
     * Vector and hybrid queries need a collection with an embedder: the job rejects them otherwise
     * (the response's {@code error} is set, as for {@link #query(QueryRequest, Duration)}). To give
     * the vector yourself, set the rank constant or other fields, build the request and use {@link
     * #query(QueryRequest)}.
     *
     * @throws IllegalArgumentException if the text is empty or blank, or {@code mode} is not one of
     *     the three
     */
    public CompletableFuture<QueryResponse> queryText(
            String collection, String text, int k, String mode) {
        return query(
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setCollection(requireNonNull(collection, "collection must not be null"))
                        .setText(checkText(text, "query text"))
                        .setMode(checkMode(mode))
                        .setK(k)
                        .setIncludeMetadata(true)
                        .setIncludeText(true)
                        .build());
    }

    /** Sends {@code request} and waits at most the default timeout for its answer. */
    public CompletableFuture<QueryResponse> query(QueryRequest request) {
        return query(request, defaultTimeout);
    }

    /**
     * Sends {@code request} and waits at most {@code timeout} for its answer.
     *
     * <p>The future completes with the job's answer, which may be partial ({@code complete=false})
     * or a rejection ({@code error} set); it fails with a {@link TimeoutException} naming the
     * query, the timeout and the reply topic when no answer came in time, or with the Kafka
     * exception when the request could not be written. Set {@link QueryRequest#getTimeoutMs()}
     * below {@code timeout} to get the job's partial answer rather than a client-side timeout.
     *
     * @throws IllegalArgumentException if the query id is empty or already waiting on this client
     */
    public CompletableFuture<QueryResponse> query(QueryRequest request, Duration timeout) {
        requireNonNull(request, "request must not be null");
        requireNonNull(timeout, "timeout must not be null");
        checkPositive(timeout, "timeout");
        String queryId = checkId(request.getQueryId());
        return exchange(
                queryReplies,
                queriesTopic,
                queryId,
                PayloadCodec.encode(request, wireFormat),
                timeout);
    }

    /**
     * Starts reading the reply topic now rather than at the first query, and returns the future
     * that completes once the reader's position is fixed. A query waits for that on its caller's
     * thread; callers that must not block (a Flink async function) call this when they open.
     */
    public CompletableFuture<Void> startReplyReader() {
        checkOpen();
        return queryReplies.start();
    }

    /** How many queries are waiting for their answer right now. */
    public int inFlightQueries() {
        return queryReplies.inFlight();
    }

    /** The topic this client reads answers to queries from. */
    public String replyTopic() {
        return queryReplies.replyTopic();
    }

    // ------------------------------------------------------------------------------- collections

    /**
     * Creates a collection, waiting at most the default timeout; see {@link
     * #createCollection(String, int, Consumer, Duration)}.
     */
    public CompletableFuture<CollectionInfo> createCollection(
            String name, int dimension, Consumer<CollectionRequest.Builder> settings) {
        return createCollection(name, dimension, settings, defaultTimeout);
    }

    /**
     * Asks the job to create collection {@code name} of {@code dimension}-component vectors and
     * waits at most {@code timeout} for its answer. {@code settings} sets whatever should differ
     * from the job's defaults on the request (e.g. {@code s -> s.setMetric("dot").setHnswM(32)});
     * the job checks them. {@code s -> s.setEmbedder("all-minilm-l6-v2")} makes a collection that
     * embeds texts itself (see {@link #upsertText} and {@link #queryText}); its vectors have 384
     * components, so pass 384 as {@code dimension} (or {@code s.setDimension(null)} to take the
     * embedder's).
     *
     * <p>The future completes with the collection as the job serves it, every setting resolved
     * (also when it already existed with the same settings). It fails with a {@link
     * CollectionRejectedException} when the job refused (e.g. {@code COLLECTION_EXISTS} with other
     * settings, {@code BAD_COLLECTION}, {@code TOO_MANY_COLLECTIONS}), with a {@link
     * TimeoutException} naming the request, the timeout and the reply topic when no answer came in
     * time, or with the Kafka exception when the request could not be written.
     */
    public CompletableFuture<CollectionInfo> createCollection(
            String name,
            int dimension,
            Consumer<CollectionRequest.Builder> settings,
            Duration timeout) {
        requireNonNull(name, "name must not be null");
        CollectionRequest.Builder request =
                CollectionRequest.newBuilder()
                        .setRequestId(UUID.randomUUID().toString())
                        .setOp(CollectionOp.CREATE)
                        .setCollection(name)
                        .setDimension(dimension);
        settings.accept(request);
        String what = "creating collection '" + name + "'";
        return collectionRequest(request.build(), what, timeout)
                .thenApply(
                        r -> {
                            for (CollectionInfo info : r.getCollections()) {
                                if (info.getName().equals(name)) {
                                    return info;
                                }
                            }
                            throw new IllegalStateException(
                                    "the job accepted "
                                            + what
                                            + " (request '"
                                            + r.getRequestId()
                                            + "') but its answer does not list it");
                        });
    }

    /** Every collection the job serves, by name, waiting at most the default timeout. */
    public CompletableFuture<List<CollectionInfo>> listCollections() {
        return listCollections(defaultTimeout);
    }

    /**
     * Every collection the job serves, by name, with its resolved settings; fails as {@link
     * #createCollection(String, int, Consumer, Duration)} does.
     */
    public CompletableFuture<List<CollectionInfo>> listCollections(Duration timeout) {
        CollectionRequest request =
                CollectionRequest.newBuilder()
                        .setRequestId(UUID.randomUUID().toString())
                        .setOp(CollectionOp.LIST)
                        .build();
        return collectionRequest(request, "listing collections", timeout)
                .thenApply(r -> List.copyOf(r.getCollections()));
    }

    /** The topic this client reads answers to collection requests from. */
    public String collectionsReplyTopic() {
        return collectionReplies.replyTopic();
    }

    private CompletableFuture<CollectionResponse> collectionRequest(
            CollectionRequest request, String what, Duration timeout) {
        requireNonNull(timeout, "timeout must not be null");
        checkPositive(timeout, "timeout");
        return exchange(
                        collectionReplies,
                        collectionsTopic,
                        request.getRequestId(),
                        PayloadCodec.encode(request, wireFormat),
                        timeout)
                .thenApply(
                        r -> {
                            if (r.getError() != null) {
                                throw new CollectionRejectedException(
                                        what, r.getRequestId(), r.getError());
                            }
                            return r;
                        });
    }

    // ----------------------------------------------------------------------------------- closing

    /**
     * Stops the reply threads, fails every waiting query and collection request with an {@link
     * IllegalStateException}, and closes the producers after sending what they still hold.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            queryReplies.close(CLOSE_TIMEOUT, closedBeforeAnswer("query"));
            collectionReplies.close(CLOSE_TIMEOUT, closedBeforeAnswer("collection request"));
        } finally {
            try {
                requestProducer.close(CLOSE_TIMEOUT);
            } finally {
                producer.close(CLOSE_TIMEOUT);
            }
        }
    }

    private static Function<String, Throwable> closedBeforeAnswer(String noun) {
        return requestId ->
                new IllegalStateException(
                        "the VectorStream client was closed before the answer to "
                                + noun
                                + " '"
                                + requestId
                                + "' arrived");
    }

    // ---------------------------------------------------------------------------------- plumbing

    private CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return send(producer, record);
    }

    private static CompletableFuture<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        try {
            producer.send(
                    record,
                    (metadata, error) -> {
                        if (error != null) {
                            done.completeExceptionally(error);
                        } else {
                            done.complete(metadata);
                        }
                    });
        } catch (RuntimeException e) {
            // send() throws for some failures (closed producer, metadata timeout) instead of
            // calling back.
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Sends one request to {@code requestTopic} with a fresh correlation id and this channel's
     * reply topic, once the channel's reader is ready, and returns the future of its answer.
     */
    private <R> CompletableFuture<R> exchange(
            ReplyChannel<R> channel,
            String requestTopic,
            String requestId,
            byte[] value,
            Duration timeout) {
        checkOpen();
        long start = System.nanoTime();
        String correlationId = UUID.randomUUID().toString();
        CompletableFuture<R> answer = channel.expect(requestId, correlationId, timeout, start);
        if (answer.isDone()) {
            return answer; // the reader did not start: nothing was sent
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(REPLY_TO_HEADER, utf8(channel.replyTopic())));
        headers.add(new RecordHeader(CORRELATION_ID_HEADER, utf8(correlationId)));
        send(
                        requestProducer,
                        new ProducerRecord<>(requestTopic, null, utf8(requestId), value, headers))
                .whenComplete(
                        (metadata, error) -> {
                            if (error != null) {
                                channel.fail(correlationId, error);
                            }
                        });
        return answer;
    }

    private <R> ReplyChannel<R> replyChannel(PendingRequests<R> pending, String role) {
        return new ReplyChannel<>(
                pending,
                KafkaClientConfigs.groupless(
                        bootstrapServers,
                        clientId == null ? null : clientId + "-" + role,
                        kafkaProperties),
                threadName(role),
                bootstrapServers);
    }

    private String threadName(String role) {
        return "vectorstream-client-" + (clientId == null ? "" : clientId + "-") + role;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the VectorStream client is closed; build a new one");
        }
    }

    private static String checkId(String id) {
        requireNonNull(id, "id must not be null");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        return id;
    }

    private static String checkText(String text, String what) {
        requireNonNull(text, what + " must not be null");
        if (text.isBlank()) {
            throw new IllegalArgumentException(
                    what
                            + " is "
                            + (text.isEmpty() ? "empty" : "blank")
                            + "; there is nothing to embed or search");
        }
        return text;
    }

    private static String checkMode(String mode) {
        requireNonNull(mode, "mode must not be null");
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException(
                    "mode must be vector, keyword or hybrid, got '" + mode + "'");
        }
        return mode;
    }

    private static void checkFinite(String id, float[] vector) {
        if (vector.length == 0) {
            throw new IllegalArgumentException("vector of '" + id + "' is empty");
        }
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException(
                        "vector of '"
                                + id
                                + "' has "
                                + vector[i]
                                + " at index "
                                + i
                                + "; every component must be finite");
            }
        }
    }

    private static void checkPositive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(
                    name + " must be positive, got " + d.toMillis() + " ms");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ----------------------------------------------------------------------------------- builder

    /**
     * Builds a {@link VectorStreamClient}. Every setter rejects null; {@link #build()} checks the
     * whole configuration and says how to fix what is wrong. Not thread-safe.
     */
    public static final class Builder {

        // Kafka's own rule for topic names (kafka.common.internals.Topic).
        private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
        private static final Pattern HOST_PORT = Pattern.compile("\\S+:\\d{1,5}");

        private String bootstrapServers;
        private String vectorsTopic = KafkaContract.VECTORS_TOPIC;
        private String queriesTopic = KafkaContract.QUERIES_TOPIC;
        private String replyTopic = KafkaContract.RESULTS_TOPIC;
        private String collectionsTopic = KafkaContract.COLLECTIONS_TOPIC;
        private String collectionsReplyTopic = KafkaContract.COLLECTION_RESULTS_TOPIC;
        private WireFormat wireFormat = WireFormat.AVRO;
        private Duration defaultTimeout = Duration.ofSeconds(10);
        private String clientId;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

        /** Required: the Kafka brokers, {@code host:port[,host:port...]}. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers =
                    requireNonNull(bootstrapServers, "bootstrapServers must not be null").trim();
            return this;
        }

        /** Topic of upserts and deletes; default {@value KafkaContract#VECTORS_TOPIC}. */
        public Builder vectorsTopic(String topic) {
            this.vectorsTopic = requireNonNull(topic, "vectorsTopic must not be null");
            return this;
        }

        /** Topic of query requests; default {@value KafkaContract#QUERIES_TOPIC}. */
        public Builder queriesTopic(String topic) {
            this.queriesTopic = requireNonNull(topic, "queriesTopic must not be null");
            return this;
        }

        /**
         * Topic this client asks its answers to be written to and reads them from; default {@value
         * KafkaContract#RESULTS_TOPIC}. It must exist. Sharing it between clients is fine.
         */
        public Builder replyTopic(String topic) {
            this.replyTopic = requireNonNull(topic, "replyTopic must not be null");
            return this;
        }

        /** Topic of collection requests; default {@value KafkaContract#COLLECTIONS_TOPIC}. */
        public Builder collectionsTopic(String topic) {
            this.collectionsTopic = requireNonNull(topic, "collectionsTopic must not be null");
            return this;
        }

        /**
         * Topic this client asks answers to collection requests to be written to and reads them
         * from; default {@value KafkaContract#COLLECTION_RESULTS_TOPIC}. It must exist once a
         * collection request is made. Sharing it between clients is fine.
         */
        public Builder collectionsReplyTopic(String topic) {
            this.collectionsReplyTopic =
                    requireNonNull(topic, "collectionsReplyTopic must not be null");
            return this;
        }

        /**
         * Payload form of what this client writes; default Avro. Answers are read in either form.
         */
        public Builder wireFormat(WireFormat wireFormat) {
            this.wireFormat = requireNonNull(wireFormat, "wireFormat must not be null");
            return this;
        }

        /** How long {@code query} waits for an answer unless told otherwise; default 10 s. */
        public Builder defaultTimeout(Duration timeout) {
            this.defaultTimeout = requireNonNull(timeout, "defaultTimeout must not be null");
            return this;
        }

        /**
         * Prefix of the Kafka {@code client.id}s and thread names; helps to find this client in
         * logs.
         */
        public Builder clientId(String clientId) {
            this.clientId = requireNonNull(clientId, "clientId must not be null");
            return this;
        }

        /**
         * A Kafka client setting passed to every producer and consumer this client creates, e.g.
         * {@code security.protocol} or {@code sasl.jaas.config}. Values are never logged.
         */
        public Builder property(String key, String value) {
            requireNonNull(key, "property key must not be null");
            requireNonNull(value, "value of property '" + key + "' must not be null");
            properties.put(key, value);
            return this;
        }

        /** Every string entry of {@code props}, as with {@link #property(String, String)}. */
        public Builder properties(Properties props) {
            requireNonNull(props, "properties must not be null");
            for (String key : props.stringPropertyNames()) {
                property(key, props.getProperty(key));
            }
            return this;
        }

        /**
         * Checks the configuration and creates the client (and its producer; no connection is made
         * until the first write or query).
         *
         * @throws IllegalArgumentException naming the setting that is wrong and how to fix it
         */
        public VectorStreamClient build() {
            validate();
            return new VectorStreamClient(this);
        }

        /**
         * Checks the configuration as {@link #build()} does, without creating anything: no
         * producer, no connection, no security login.
         *
         * @throws IllegalArgumentException naming the setting that is wrong and how to fix it
         */
        public Builder validate() {
            List<String> problems = new ArrayList<>();
            if (bootstrapServers == null || bootstrapServers.isEmpty()) {
                problems.add(
                        "bootstrapServers is required: call"
                                + " bootstrapServers(\"host:port[,host:port]\"), e.g."
                                + " bootstrapServers(\"localhost:9092\")");
            } else {
                for (String server : bootstrapServers.split(",", -1)) {
                    if (!HOST_PORT.matcher(server.trim()).matches()) {
                        problems.add(
                                "bootstrapServers entry '"
                                        + server.trim()
                                        + "' is not host:port; separate brokers with commas, e.g."
                                        + " \"kafka1:9092,kafka2:9092\"");
                    }
                }
            }
            checkTopic("vectorsTopic", vectorsTopic, problems);
            checkTopic("queriesTopic", queriesTopic, problems);
            checkTopic("replyTopic", replyTopic, problems);
            if (replyTopic.equals(queriesTopic)) {
                problems.add(
                        "replyTopic and queriesTopic are both '"
                                + replyTopic
                                + "': answers would be read by the job as queries; use a separate"
                                + " reply topic such as 'results'");
            }
            if (vectorsTopic.equals(queriesTopic) || vectorsTopic.equals(replyTopic)) {
                problems.add(
                        "vectorsTopic '"
                                + vectorsTopic
                                + "' is also used for queries or replies; vectors need a topic of"
                                + " their own");
            }
            checkTopic("collectionsTopic", collectionsTopic, problems);
            checkTopic("collectionsReplyTopic", collectionsReplyTopic, problems);
            if (List.of(vectorsTopic, queriesTopic, replyTopic, collectionsReplyTopic)
                    .contains(collectionsTopic)) {
                problems.add(
                        "collectionsTopic '"
                                + collectionsTopic
                                + "' is also used for vectors, queries or replies; collection"
                                + " requests need a topic of their own such as 'collections'");
            }
            if (collectionsReplyTopic.equals(vectorsTopic)
                    || collectionsReplyTopic.equals(queriesTopic)) {
                problems.add(
                        "collectionsReplyTopic '"
                                + collectionsReplyTopic
                                + "' is also the vectors or queries topic; the job would read the"
                                + " answers as requests; use a reply topic such as"
                                + " 'collections.results'");
            }
            if (defaultTimeout.isNegative() || defaultTimeout.isZero()) {
                problems.add(
                        "defaultTimeout must be positive, got "
                                + defaultTimeout.toMillis()
                                + " ms");
            }
            if (clientId != null && clientId.isBlank()) {
                problems.add(
                        "clientId must not be blank; leave it unset to let Kafka generate ids");
            }
            for (String key : properties.keySet()) {
                if (KafkaClientConfigs.OWNED_KEYS.contains(key)) {
                    problems.add(
                            "property '"
                                    + key
                                    + "' is set by the client itself; "
                                    + ownedKeyHint(key));
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "invalid VectorStreamClient configuration:\n  - "
                                + String.join("\n  - ", problems));
            }
            return this;
        }

        private static void checkTopic(String name, String topic, List<String> problems) {
            if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                problems.add(
                        name
                                + " '"
                                + topic
                                + "' is not a valid Kafka topic name: use 1 to 249 letters, digits,"
                                + " '.', '_' or '-'");
            }
        }

        private static String ownedKeyHint(String key) {
            switch (key) {
                case "bootstrap.servers":
                    return "use bootstrapServers(...) instead";
                case "client.id":
                    return "use clientId(...) instead";
                case "group.id":
                    return "replies are read without a consumer group so that clients can share the"
                            + " reply topic; remove it";
                default:
                    return "remove it (writes always use acks=all with idempotence; payloads are"
                            + " bytes)";
            }
        }
    }
}
