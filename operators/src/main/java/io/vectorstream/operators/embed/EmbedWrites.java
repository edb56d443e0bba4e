package io.vectorstream.operators.embed;

import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.state.vector.VectorMath;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Embeds the text of each upsert the validator marked (a collection with an embedder, a record with
 * text and no vector) on this subtask's own threads; every other message passes at once.
 *
 * <p>Run in ordered mode, so writes of one id, and the progress markers that vouch for them, keep
 * their order. A write whose embedding fails goes on with {@link VectorWrite#failure} set, and its
 * shard dead-letters it: no record can stop the job.
 */
public final class EmbedWrites extends RichAsyncFunction<ShardMessage, ShardMessage> {
    private static final long serialVersionUID = 1L;

    private final int threads;
    private transient ExecutorService pool;

    /**
     * @param threads model threads of each subtask
     */
    public EmbedWrites(int threads) {
        this.threads = threads;
    }

    @Override
    public void open(OpenContext ctx) {
        pool =
                EmbeddingThreads.start(
                        "embed-writes-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                        threads);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Override
    public void asyncInvoke(ShardMessage m, ResultFuture<ShardMessage> result) {
        if (!(m instanceof VectorWrite w) || w.embedder == null) {
            result.complete(List.of(m));
            return;
        }
        pool.execute(
                () -> {
                    VectorWrite out;
                    try {
                        float[] v = TextEmbedder.embed(w.embedder, w.text);
                        VectorMath.normalize(v);
                        out = w.embedded(v);
                    } catch (RuntimeException | LinkageError e) {
                        out = w.failed("the embedder failed on the text: " + e);
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
    public void timeout(ShardMessage m, ResultFuture<ShardMessage> result) {
        result.complete(List.of(((VectorWrite) m).failed("the embedder did not finish in time")));
    }
}
