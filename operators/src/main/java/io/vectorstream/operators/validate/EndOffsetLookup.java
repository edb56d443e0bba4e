package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.operators.kafka.AdminFutures;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.QueryOutcome;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Looks up, without blocking the task thread, where the vectors topic ends for each strong query
 * ({@link Query#endOffsets}); eventual queries pass at once. A strong query then waits at the index
 * until the vector decoders' progress markers cover those offsets.
 *
 * <p>One lookup at a time per instance, shared: a lookup serves every strong query that arrived
 * before it started; those arriving while it runs share the next one, which starts when it ends (a
 * lookup that started earlier may have read the end before their writes). A lookup that fails or
 * takes over {@value #MAX_LOOKUP_MS} ms answers its queries {@code OFFSETS_UNAVAILABLE}.
 */
public final class EndOffsetLookup extends RichAsyncFunction<Query, QueryOutcome> {
    private static final long serialVersionUID = 1L;

    /** The longest one lookup may take. */
    public static final long MAX_LOOKUP_MS = 5_000;

    private final TopicEndOffsets vectorsEnd;
    private final Limits limits;

    private transient Lookups lookups;

    public EndOffsetLookup(TopicEndOffsets vectorsEnd, Limits limits) {
        this.vectorsEnd = vectorsEnd;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext ctx) {
        vectorsEnd.open();
        lookups = new Lookups(vectorsEnd);
    }

    @Override
    public void close() {
        vectorsEnd.close();
    }

    @Override
    public void asyncInvoke(Query q, ResultFuture<QueryOutcome> result) {
        if (!q.strong) {
            result.complete(List.of(q));
            return;
        }
        lookups.next()
                .whenComplete(
                        (ends, failure) ->
                                result.complete(
                                        List.of(
                                                failure == null
                                                        ? withEnds(q, ends)
                                                        : unavailable(
                                                                q, String.valueOf(failure)))));
    }

    @Override
    public void timeout(Query q, ResultFuture<QueryOutcome> result) {
        result.complete(List.of(unavailable(q, "the lookup timed out")));
    }

    private static Query withEnds(Query q, Map<Integer, Long> ends) {
        q.endPartitions = new int[ends.size()];
        q.endOffsets = new long[ends.size()];
        int i = 0;
        for (Map.Entry<Integer, Long> e : ends.entrySet()) {
            q.endPartitions[i] = e.getKey();
            q.endOffsets[i++] = e.getValue();
        }
        return q;
    }

    private Answer unavailable(Query q, String reason) {
        return Answer.of(
                q.queryId,
                q.replyTo,
                q.correlationId,
                q.jsonReply,
                Requests.errorResponse(
                        q.queryId,
                        "OFFSETS_UNAVAILABLE",
                        "could not read where the vectors topic ends, which a strong query"
                                + " waits for ("
                                + reason
                                + "); retry, or send the query with consistency"
                                + " \"eventual\""),
                limits);
    }

    /** The shared lookups of one instance; see the class comment. Thread-safe. */
    static final class Lookups {
        private final TopicEndOffsets vectorsEnd;
        private final long timeoutMs;
        private CompletableFuture<Map<Integer, Long>> running;
        private CompletableFuture<Map<Integer, Long>> next;

        Lookups(TopicEndOffsets vectorsEnd) {
            this(vectorsEnd, MAX_LOOKUP_MS);
        }

        Lookups(TopicEndOffsets vectorsEnd, long timeoutMs) {
            this.vectorsEnd = vectorsEnd;
            this.timeoutMs = timeoutMs;
        }

        /** The end offsets as read by a lookup that starts after this call. */
        synchronized CompletableFuture<Map<Integer, Long>> next() {
            if (next == null) {
                next = new CompletableFuture<>();
            }
            CompletableFuture<Map<Integer, Long>> mine = next;
            if (running == null) {
                start();
            }
            return mine;
        }

        private void start() {
            running = next;
            next = null;
            CompletableFuture<Map<Integer, Long>> target = running;
            CompletableFuture<Map<Integer, Long>> lookup;
            try {
                lookup = vectorsEnd.lastOffsetsAsync();
            } catch (RuntimeException e) {
                lookup = CompletableFuture.failedFuture(e);
            }
            AdminFutures.completeWithin(target, lookup, timeoutMs)
                    .whenComplete(
                            (ends, failure) -> {
                                synchronized (this) {
                                    running = null;
                                    if (next != null) {
                                        start();
                                    }
                                }
                            });
        }
    }
}
