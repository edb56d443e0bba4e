package io.vectorstream.operators.kafka;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Timeouts on Kafka admin calls. Kafka's own futures ignore {@code orTimeout}: their {@code
 * completeExceptionally} throws, so the timeout task fails silently and a call that gets no answer
 * waits for the admin client's {@code default.api.timeout.ms} (60 s). A plain future, completed
 * from Kafka's, times out as asked.
 */
public final class AdminFutures {

    private AdminFutures() {}

    /**
     * Completes {@code target} as {@code source} completes, or exceptionally with a {@code
     * TimeoutException} after {@code timeoutMs}; returns {@code target}.
     */
    public static <T> CompletableFuture<T> completeWithin(
            CompletableFuture<T> target, CompletionStage<? extends T> source, long timeoutMs) {
        source.whenComplete(
                (value, failure) -> {
                    if (failure != null) {
                        target.completeExceptionally(failure);
                    } else {
                        target.complete(value);
                    }
                });
        return target.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
