package io.vectorstream.client.internal;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One reply topic of a client: the {@link ReplyListener} that reads it and the {@link
 * PendingRequests} waiting for their answers there.
 *
 * <p>The reader starts with the first request, so a client that never sends this kind of request
 * never needs its reply topic, and it is replaced by the next request after it failed, so a missing
 * topic or a lost connection is retried once fixed. Each request waits (within its own timeout)
 * until the reader's position is fixed before it is sent, so its answer cannot be missed.
 *
 * <p>Thread-safe.
 *
 * @param <R> the answer type
 */
public final class ReplyChannel<R> {

    private final PendingRequests<R> pending;
    private final Properties consumerProperties;
    private final String readerThreadName;
    private final String bootstrapServers;

    private final Object lock = new Object();
    // Guarded by lock. Null until the first request.
    private ReplyListener listener;
    private CompletableFuture<Void> listenerReady;
    private boolean closed;

    /**
     * @param consumerProperties for a consumer without a group ({@link
     *     KafkaClientConfigs#groupless})
     * @param bootstrapServers for messages only
     */
    public ReplyChannel(
            PendingRequests<R> pending,
            Properties consumerProperties,
            String readerThreadName,
            String bootstrapServers) {
        this.pending = pending;
        this.consumerProperties = consumerProperties;
        this.readerThreadName = readerThreadName;
        this.bootstrapServers = bootstrapServers;
    }

    public String replyTopic() {
        return pending.replyTopic();
    }

    /**
     * Starts the reader unless it runs, waits until it is ready, and registers the request.
     *
     * <p>The returned future is already failed, and the request must not be sent, when the reader
     * did not become ready within {@code timeout} (counted from {@code startNanos}) or failed to
     * start; otherwise it completes as {@link PendingRequests#register} says.
     *
     * @throws IllegalStateException if this channel is closed
     * @throws IllegalArgumentException if the request id is already waiting
     */
    public CompletableFuture<R> expect(
            String requestId, String correlationId, Duration timeout, long startNanos) {
        CompletableFuture<Void> ready = start();
        long leftNanos = startNanos + timeout.toNanos() - System.nanoTime();
        try {
            ready.get(Math.max(0, leftNanos), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return CompletableFuture.failedFuture(
                    new TimeoutException(
                            pending.noun()
                                    + " '"
                                    + requestId
                                    + "' was not sent: the reader of reply topic '"
                                    + pending.replyTopic()
                                    + "' did not start within "
                                    + timeout.toMillis()
                                    + " ms; check that the brokers at "
                                    + bootstrapServers
                                    + " are reachable"));
        } catch (ExecutionException e) {
            return CompletableFuture.failedFuture(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return pending.register(requestId, correlationId, timeout, startNanos);
    }

    /**
     * Starts the reader unless it runs (or starts a new one if it failed) and returns, without
     * waiting, the future that completes once it reads.
     *
     * @throws IllegalStateException if this channel is closed
     */
    public CompletableFuture<Void> start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(
                        "the VectorStream client is closed; build a new one");
            }
            if (listener == null || listener.hasFailed()) {
                listener =
                        new ReplyListener(
                                pending.replyTopic(),
                                consumerProperties,
                                readerThreadName,
                                pending::onReply,
                                this::onListenerFailure);
                listenerReady = listener.start();
            }
            return listenerReady;
        }
    }

    /** Fails a request that could not be sent. */
    public void fail(String correlationId, Throwable cause) {
        pending.fail(correlationId, cause);
    }

    /** How many requests wait for their answer on this channel. */
    public int inFlight() {
        return pending.size();
    }

    /**
     * Fails every waiting request with the exception {@code causeFor} makes from its id, stops the
     * reader and waits at most {@code timeout} for it. Idempotent.
     */
    public void close(Duration timeout, Function<String, Throwable> causeFor) {
        ReplyListener l;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            l = listener;
            listener = null;
        }
        pending.failAll(causeFor);
        pending.close();
        if (l != null) {
            l.close(timeout);
        }
    }

    private void onListenerFailure(Throwable cause) {
        pending.failAll(
                requestId ->
                        new IllegalStateException(
                                "the reader of reply topic '"
                                        + pending.replyTopic()
                                        + "' failed while "
                                        + pending.noun()
                                        + " '"
                                        + requestId
                                        + "' waited; the next "
                                        + pending.noun()
                                        + " starts a new reader",
                                cause));
    }
}
