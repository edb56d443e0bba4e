package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and checks query requests. A good one becomes a {@link Query} with its deadline; a bad
 * one is answered at once on {@link #REJECTED} with an error response naming what was wrong, so the
 * caller is never left waiting. Never throws on input.
 */
public final class QueryValidator extends ProcessFunction<RawMessage, Query> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<Answer> REJECTED =
            new OutputTag<>("rejected-queries", Types.POJO(Answer.class));

    private final VectorStreamConfig cfg;
    private final String resultsTopic;
    private transient Counter rejected;

    public QueryValidator(VectorStreamConfig cfg, String resultsTopic) {
        this.cfg = cfg;
        this.resultsTopic = resultsTopic;
    }

    @Override
    public void open(OpenContext ctx) {
        rejected =
                getRuntimeContext()
                        .getMetricGroup()
                        .addGroup("vectorstream")
                        .counter("queriesRejected");
    }

    @Override
    public void processElement(RawMessage m, Context ctx, Collector<Query> out) {
        long now = ctx.timerService().currentProcessingTime();
        boolean json = looksLikeJson(m.value);
        String queryId = m.key == null ? "" : new String(m.key, StandardCharsets.UTF_8);
        String replyTo = m.replyTo == null || m.replyTo.isEmpty() ? resultsTopic : m.replyTo;
        try {
            VectorChecks.checkSize(m.value, cfg);
            QueryRequest r;
            try {
                r = PayloadCodec.decodeQueryRequest(m.value);
            } catch (CodecException e) {
                throw new Rejection(e.code(), e.getMessage());
            }
            queryId = r.getQueryId();
            out.collect(toQuery(r, m, now, replyTo, json));
        } catch (Rejection e) {
            rejected.inc();
            QueryResponse response =
                    QueryResponse.newBuilder()
                            .setQueryId(queryId)
                            .setHits(List.of())
                            .setComplete(false)
                            .setError(new QueryError(e.code, e.getMessage()))
                            .build();
            ctx.output(
                    REJECTED,
                    new Answer(
                            queryId,
                            replyTo,
                            m.correlationId,
                            PayloadCodec.encode(
                                    response, json ? WireFormat.JSON : WireFormat.AVRO)));
        }
    }

    private Query toQuery(QueryRequest r, RawMessage m, long now, String replyTo, boolean json)
            throws Rejection {
        VectorChecks.checkId(r.getQueryId(), "queryId", "MISSING_QUERY_ID", cfg);
        VectorChecks.checkCollection(r.getCollection(), cfg);
        if (r.getK() < 1) {
            throw new Rejection("BAD_K", "k must be at least 1, got " + r.getK());
        }
        if (r.getK() > cfg.maxK()) {
            throw new Rejection(
                    "K_TOO_LARGE",
                    "k=" + r.getK() + " exceeds vectorstream.query.max-k=" + cfg.maxK());
        }
        long timeout = r.getTimeoutMs() == null ? cfg.defaultTimeoutMs() : r.getTimeoutMs();
        if (timeout < 1) {
            throw new Rejection("BAD_TIMEOUT", "timeoutMs must be positive, got " + timeout);
        }
        if (timeout > cfg.maxTimeoutMs()) {
            throw new Rejection(
                    "TIMEOUT_TOO_LARGE",
                    "timeoutMs="
                            + timeout
                            + " exceeds vectorstream.query.max-timeout="
                            + cfg.maxTimeoutMs()
                            + " ms");
        }
        Query q = new Query();
        q.queryId = r.getQueryId();
        q.vector = VectorChecks.vector(r.getVector(), cfg);
        q.k = r.getK();
        q.includeMetadata = r.getIncludeMetadata();
        q.receivedAtMs = now;
        q.deadlineMs = now + timeout;
        q.replyTo = replyTo;
        q.correlationId = m.correlationId;
        q.jsonReply = json;
        return q;
    }

    private static boolean looksLikeJson(byte[] payload) {
        try {
            return WireFormat.detect(payload) == WireFormat.JSON;
        } catch (CodecException e) {
            return true; // unreadable: answer in the form a person with a console tool can read
        }
    }
}
