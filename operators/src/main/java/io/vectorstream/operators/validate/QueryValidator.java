package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.RawMessage;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and checks queries, in parallel, against the collections the control operator created
 * (broadcast input, kept in broadcast state: {@link CatalogView}).
 *
 * <p>A good query goes out with its deadline and a {@link Query#requestKey} unique to it, which the
 * merger and the index key by: a client that reuses a query id gets two separate answers, never a
 * mix. A bad one is answered at once on {@link #REJECTED} with an error naming the problem, so
 * nobody waits for it. Never throws on input. Its reply-to topic was checked before ({@link
 * ReplyTopicCheck}); a strong query's end offsets are looked up after ({@link EndOffsetLookup}).
 */
public final class QueryValidator extends BroadcastProcessFunction<RawMessage, CatalogUpdate, Query>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<Answer> REJECTED =
            new OutputTag<>("rejected-queries", Types.POJO(Answer.class));

    private final VectorStreamConfig cfg;
    private final String resultsTopic;
    private final List<byte[]> history;
    private final QueryDecoder queries;

    private transient CatalogView catalog;
    private transient long requestKeyBase;
    private transient long requestCount;
    private transient Counter queriesRejected;
    private transient RejectionCounters rejectedByReason;

    /**
     * @param resultsTopic where answers go when a query names no reply topic
     * @param history the control topic's payloads when the job was submitted
     */
    public QueryValidator(VectorStreamConfig cfg, String resultsTopic, List<byte[]> history) {
        this.cfg = cfg;
        this.resultsTopic = resultsTopic;
        this.history = List.copyOf(history);
        this.queries = new QueryDecoder(cfg);
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        catalog =
                new CatalogView(
                        cfg,
                        ctx.getOperatorStateStore().getBroadcastState(CatalogView.CATALOG),
                        history,
                        ctx.isRestored());
        // Request keys must not repeat across instances and restarts: a random base per instance.
        requestKeyBase = new SplittableRandom().nextLong();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) {
        // The catalog is in broadcast state, which Flink snapshots itself.
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        queriesRejected = group.counter("queriesRejected");
        rejectedByReason = new RejectionCounters(group);
    }

    @Override
    public void processElement(RawMessage m, ReadOnlyContext ctx, Collector<Query> out) {
        boolean json = Requests.looksLikeJson(m.value);
        String replyTo = Requests.replyTopic(m, resultsTopic);
        long now = ctx.currentProcessingTime();
        try {
            Requests.checkReplyTopic(m, resultsTopic);
            Requests.checkCorrelationId(m, cfg.limits().maxIdBytes());
            Query q = queries.decode(m, catalog, now, replyTo, json);
            q.requestKey = Long.toString(requestKeyBase + requestCount++, 36);
            out.collect(q);
        } catch (Rejection e) {
            queriesRejected.inc();
            rejectedByReason.record("queriesRejected", e.code);
            String queryId = Requests.queryIdOf(m);
            ctx.output(
                    REJECTED,
                    Answer.of(
                            queryId,
                            replyTo,
                            m.correlationId,
                            json,
                            Requests.errorResponse(queryId, e.code, e.getMessage()),
                            cfg.limits()));
        }
    }

    @Override
    public void processBroadcastElement(CatalogUpdate u, Context ctx, Collector<Query> out)
            throws Exception {
        BroadcastState<String, byte[]> state = ctx.getBroadcastState(CatalogView.CATALOG);
        catalog.apply(u, state);
    }
}
