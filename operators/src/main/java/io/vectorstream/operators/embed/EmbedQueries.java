package io.vectorstream.operators.embed;

import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.QueryOutcome;
import io.vectorstream.operators.validate.Requests;
import io.vectorstream.state.vector.VectorMath;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Embeds the text of each admitted query that asks with text and no vector (its collection has an
 * embedder) on this subtask's own threads. Only such queries come here ({@code
 * QueryOutcomes#TO_EMBED}). A failed or late embedding (past the job's longest query timeout)
 * answers the query EMBEDDING_FAILED.
 */
public final class EmbedQueries extends RichAsyncFunction<Query, QueryOutcome> {
    private static final long serialVersionUID = 1L;

    private final int threads;
    private final Limits limits;
    private transient ExecutorService pool;

    /**
     * @param threads model threads of each subtask
     * @param limits bound the error answers
     */
    public EmbedQueries(int threads, Limits limits) {
        this.threads = threads;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext ctx) {
        pool =
                EmbeddingThreads.start(
                        "embed-queries-"
                                + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                        threads);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Override
    public void asyncInvoke(Query q, ResultFuture<QueryOutcome> result) {
        if (q.embedder == null) {
            result.complete(List.of(q));
            return;
        }
        pool.execute(
                () -> {
                    QueryOutcome out;
                    try {
                        if (System.currentTimeMillis() >= q.deadlineMs) {
                            // Nobody waits for it any more: the model's time goes to the next.
                            out =
                                    failed(
                                            q,
                                            "the query's deadline passed while it waited for the"
                                                + " embedder; raise timeoutMs or send fewer text"
                                                + " queries");
                        } else {
                            float[] v = TextEmbedder.embed(q.embedder, q.text);
                            VectorMath.normalize(v);
                            // A copy: the operator may be checkpointing the query it holds.
                            out = q.embedded(v);
                        }
                    } catch (RuntimeException | LinkageError e) {
                        out = failed(q, "the embedder failed on the query text: " + e);
                    }
                    try {
                        result.complete(List.of(out));
                    } catch (RejectedExecutionException closed) {
                        // The task is closing (cancelled or failed over): its checkpointed
                        // in-flight elements are embedded again after a restore.
                    }
                });
    }

    @Override
    public void timeout(Query q, ResultFuture<QueryOutcome> result) {
        result.complete(List.of(failed(q, "the embedder did not finish in time")));
    }

    private Answer failed(Query q, String reason) {
        return Answer.of(
                q.queryId,
                q.replyTo,
                q.correlationId,
                q.jsonReply,
                Requests.errorResponse(q.queryId, "EMBEDDING_FAILED", reason),
                limits);
    }
}
