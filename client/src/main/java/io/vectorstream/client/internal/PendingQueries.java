package io.vectorstream.client.internal;

import static io.vectorstream.schema.KafkaContract.CORRELATION_ID_HEADER;

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
 * The queries of one client that wait for their answer, and the routing of answers to them.
 *
 * <p>An entry is indexed by its correlation id (primary) and by its query id (the fallback for an
 * answer that lost its header). It leaves both indexes the moment its future completes, however it
 * completes (answer, timeout, send failure, close, caller's cancel), so a second copy of an answer
 * — delivery is at-least-once — finds nothing and is dropped, and the maps never grow with finished
 * queries.
 *
 * <p>Thread-safe: {@link #register} runs on caller threads, {@link #onReply} on the reply listener
 * thread, timeouts on this class's timer thread.
 */
public final class PendingQueries implements AutoCloseable {

    private final String replyTopic;
    private final ConcurrentHashMap<String, Pending> byCorrelationId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Pending> byQueryId = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timer;

    public PendingQueries(String replyTopic, String threadName) {
        this.replyTopic = replyTopic;
        this.timer =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, threadName);
                            t.setDaemon(true);
                            return t;
                        });
        // Most queries are answered long before their timeout: drop their timer tasks at once.
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Adds a query that waits for its answer.
     *
     * @throws IllegalArgumentException if a query with the same id is still waiting: answers are
     *     deduplicated by query id, so two in flight at once could not be told apart
     */
    public CompletableFuture<QueryResponse> register(
            String queryId, String correlationId, Duration timeout) {
        return register(queryId, correlationId, timeout, System.nanoTime());
    }

    /**
     * As {@link #register(String, String, Duration)} for a query whose timeout started at {@code
     * startNanos} ({@link System#nanoTime()}): time the caller already spent counts.
     */
    public CompletableFuture<QueryResponse> register(
            String queryId, String correlationId, Duration timeout, long startNanos) {
        long delayNanos = Math.max(0, startNanos + timeout.toNanos() - System.nanoTime());
        Pending p = new Pending(queryId, correlationId);
        if (byQueryId.putIfAbsent(queryId, p) != null) {
            throw new IllegalArgumentException(
                    "query id '"
                            + queryId
                            + "' is already waiting for an answer on this client; give every query"
                            + " its own id");
        }
        byCorrelationId.put(correlationId, p);
        p.future.whenComplete((r, e) -> forget(p));
        try {
            p.timeout =
                    timer.schedule(
                            () ->
                                    p.future.completeExceptionally(
                                            timeoutException(queryId, timeout)),
                            delayNanos,
                            TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(
                    new IllegalStateException("the VectorStream client is closed", e));
        }
        return p.future;
    }

    /** Fails a query that could not be sent; its entry is removed. */
    public void fail(String correlationId, Throwable cause) {
        Pending p = byCorrelationId.get(correlationId);
        if (p != null) {
            p.future.completeExceptionally(cause);
        }
    }

    /**
     * Completes the query this answer belongs to, if this client is waiting for it; any other
     * answer (another client's, a duplicate, a late one) is ignored.
     */
    public void onReply(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(CORRELATION_ID_HEADER);
        Pending p = null;
        // Cheap rejection of the answers to other clients that share the topic: no decoding.
        if (header != null && header.value() != null) {
            p = byCorrelationId.get(new String(header.value(), StandardCharsets.UTF_8));
            if (p == null) {
                return;
            }
        } else if (record.key() != null) {
            p = byQueryId.get(new String(record.key(), StandardCharsets.UTF_8));
            if (p == null) {
                return;
            }
        }
        QueryResponse response;
        try {
            response = PayloadCodec.decodeQueryResponse(record.value());
        } catch (CodecException e) {
            if (p != null) {
                p.future.completeExceptionally(
                        new CodecException(
                                e.code(),
                                "the answer to query '"
                                        + p.queryId
                                        + "' at "
                                        + where(record)
                                        + " cannot be decoded: "
                                        + e.getMessage(),
                                e));
            }
            return;
        }
        if (p == null) {
            p = byQueryId.get(response.getQueryId());
        }
        // A correlation id or key that matched but a body for another query is not our answer.
        if (p != null && p.queryId.equals(response.getQueryId())) {
            p.future.complete(response);
        }
    }

    /** Fails every waiting query with the exception {@code causeFor} makes from its query id. */
    public void failAll(Function<String, Throwable> causeFor) {
        for (Pending p : new ArrayList<>(byCorrelationId.values())) {
            p.future.completeExceptionally(causeFor.apply(p.queryId));
        }
    }

    public int size() {
        return byCorrelationId.size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private void forget(Pending p) {
        byCorrelationId.remove(p.correlationId, p);
        byQueryId.remove(p.queryId, p);
        ScheduledFuture<?> t = p.timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private TimeoutException timeoutException(String queryId, Duration timeout) {
        return new TimeoutException(
                "no answer to query '"
                        + queryId
                        + "' within "
                        + timeout.toMillis()
                        + " ms on reply topic '"
                        + replyTopic
                        + "'; check that the VectorStream job is running and reading the queries"
                        + " topic, or raise the timeout");
    }

    private static String where(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "@" + r.offset();
    }

    private static final class Pending {
        final String queryId;
        final String correlationId;
        final CompletableFuture<QueryResponse> future = new CompletableFuture<>();
        // Set right after registration; read by forget() which may run first if the timer fires
        // instantly, hence volatile and a null check.
        volatile ScheduledFuture<?> timeout;

        Pending(String queryId, String correlationId) {
            this.queryId = queryId;
            this.correlationId = correlationId;
        }
    }
}
