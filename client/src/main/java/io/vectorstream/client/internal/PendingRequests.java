package io.vectorstream.client.internal;

import static io.vectorstream.schema.KafkaContract.CORRELATION_ID_HEADER;

import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The requests of one client that wait for their answer on one reply topic, and the routing of
 * answers to them. One instance serves one kind of request ({@link #forQueries queries}, {@link
 * #forCollections collection requests}); the kind fixes how an answer is decoded and which of its
 * fields echoes the request id.
 *
 * <p>An entry is indexed by its correlation id (primary) and by its request id (the fallback for an
 * answer that lost its header). It leaves both indexes the moment its future completes, however it
 * completes (answer, timeout, send failure, close, caller's cancel), so a second copy of an answer
 * — delivery is at-least-once — finds nothing and is dropped, and the maps never grow with finished
 * requests.
 *
 * <p>Thread-safe: {@link #register} runs on caller threads, {@link #onReply} on the reply listener
 * thread, timeouts on this class's timer thread (started by the first registration).
 *
 * @param <R> the answer type
 */
public final class PendingRequests<R> implements AutoCloseable {

    private final String noun;
    private final String requestTopic;
    private final String replyTopic;
    private final Function<byte[], R> decoder;
    private final Function<R, String> requestIdOf;
    private final ConcurrentHashMap<String, Pending<R>> byCorrelationId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pending<R>> byRequestId = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;

    /**
     * @param noun what a request is called in messages, e.g. {@code query}
     * @param decoder decodes an answer's payload; throws {@link CodecException} when it cannot
     * @param requestIdOf the request id an answer echoes
     */
    public PendingRequests(
            String noun,
            String requestTopic,
            String replyTopic,
            Function<byte[], R> decoder,
            Function<R, String> requestIdOf,
            String threadName) {
        this.noun = noun;
        this.requestTopic = requestTopic;
        this.replyTopic = replyTopic;
        this.decoder = decoder;
        this.requestIdOf = requestIdOf;
        this.timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
        // Most requests are answered long before their timeout: drop their timer tasks at once.
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** k-NN queries sent to {@code requestTopic}, answered on {@code replyTopic}. */
    public static PendingRequests<QueryResponse> forQueries(
            String requestTopic, String replyTopic, String threadName) {
        return new PendingRequests<>(
                "query",
                requestTopic,
                replyTopic,
                PayloadCodec::decodeQueryResponse,
                QueryResponse::getQueryId,
                threadName);
    }

    /** Collection requests (create, list) sent to {@code requestTopic}. */
    public static PendingRequests<CollectionResponse> forCollections(
            String requestTopic, String replyTopic, String threadName) {
        return new PendingRequests<>(
                "collection request",
                requestTopic,
                replyTopic,
                PayloadCodec::decodeCollectionResponse,
                CollectionResponse::getRequestId,
                threadName);
    }

    /** What a request is called in messages, e.g. {@code query}. */
    public String noun() {
        return noun;
    }

    public String replyTopic() {
        return replyTopic;
    }

    /**
     * Adds a request that waits for its answer.
     *
     * @throws IllegalArgumentException if a request with the same id is still waiting: answers are
     *     deduplicated by request id, so two in flight at once could not be told apart
     */
    public CompletableFuture<R> register(String requestId, String correlationId, Duration timeout) {
        return register(requestId, correlationId, timeout, System.nanoTime());
    }

    /**
     * As {@link #register(String, String, Duration)} for a request whose timeout started at {@code
     * startNanos} ({@link System#nanoTime()}): time the caller already spent counts.
     */
    public CompletableFuture<R> register(
            String requestId, String correlationId, Duration timeout, long startNanos) {
        long delayNanos = Math.max(0, startNanos + timeout.toNanos() - System.nanoTime());
        Pending<R> p = new Pending<>(requestId, correlationId);
        if (byRequestId.putIfAbsent(requestId, p) != null) {
            throw new IllegalArgumentException(
                    noun
                            + " id '"
                            + requestId
                            + "' is already waiting for an answer on this client; give every "
                            + noun
                            + " its own id");
        }
        byCorrelationId.put(correlationId, p);
        p.future.whenComplete((r, e) -> forget(p));
        try {
            p.timeout =
                    timer.schedule(
                            () ->
                                    p.future.completeExceptionally(
                                            timeoutException(requestId, timeout)),
                            delayNanos,
                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(
                    new IllegalStateException("the VectorStream client is closed", e));
        }
        return p.future;
    }

    /** Fails a request that could not be sent; its entry is removed. */
    public void fail(String correlationId, Throwable cause) {
        Pending<R> p = byCorrelationId.get(correlationId);
        if (p != null) {
            p.future.completeExceptionally(cause);
        }
    }

    /**
     * Completes the request this answer belongs to, if this client is waiting for it; any other
     * answer (another client's, a duplicate, a late one) is ignored.
     */
    public void onReply(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(CORRELATION_ID_HEADER);
        Pending<R> p = null;
        // Cheap rejection of the answers to other clients that share the topic: no decoding.
        if (header != null && header.value() != null) {
            p = byCorrelationId.get(new String(header.value(), StandardCharsets.UTF_8));
            if (p == null) {
                return;
            }
        } else if (record.key() != null) {
            p = byRequestId.get(new String(record.key(), StandardCharsets.UTF_8));
            if (p == null) {
                return;
            }
        }
        R response;
        try {
            response = decoder.apply(record.value());
        } catch (CodecException e) {
            if (p != null) {
                p.future.completeExceptionally(
                        new CodecException(
                                e.code(),
                                "the answer to "
                                        + noun
                                        + " '"
                                        + p.requestId
                                        + "' at "
                                        + where(record)
                                        + " cannot be decoded: "
                                        + e.getMessage(),
                                e));
            }
            return;
        }
        String answered = requestIdOf.apply(response);
        if (p == null) {
            p = byRequestId.get(answered);
        }
        // A correlation id or key that matched but a body for another request is not our answer.
        if (p != null && p.requestId.equals(answered)) {
            p.future.complete(response);
        }
    }

    /** Fails every waiting request with the exception {@code causeFor} makes from its id. */
    public void failAll(Function<String, Throwable> causeFor) {
        for (Pending<R> p : new ArrayList<>(byCorrelationId.values())) {
            p.future.completeExceptionally(causeFor.apply(p.requestId));
        }
    }

    public int size() {
        return byCorrelationId.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private void forget(Pending<R> p) {
        byCorrelationId.remove(p.correlationId, p);
        byRequestId.remove(p.requestId, p);
        ScheduledFuture<?> t = p.timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private TimeoutException timeoutException(String requestId, Duration timeout) {
        return new TimeoutException(
                "no answer to "
                        + noun
                        + " '"
                        + requestId
                        + "' within "
                        + timeout.toMillis()
                        + " ms on reply topic '"
                        + replyTopic
                        + "'; check that the VectorStream job is running and reading topic '"
                        + requestTopic
                        + "', or raise the timeout");
    }

    private static String where(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "@" + r.offset();
    }

    private static final class Pending<R> {
        final String requestId;
        final String correlationId;
        final CompletableFuture<R> future = new CompletableFuture<>();
        // Set right after registration; read by forget() which may run first if the timer fires
        // instantly, hence volatile and a null check.
        volatile ScheduledFuture<?> timeout;

        Pending(String requestId, String correlationId) {
            this.requestId = requestId;
            this.correlationId = correlationId;
        }
    }
}
