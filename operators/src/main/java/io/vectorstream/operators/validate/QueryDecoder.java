package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.io.Serializable;

/** Decodes and checks one query request into a {@link Query} with its deadline and reply route. */
final class QueryDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final VectorStreamConfig cfg;

    QueryDecoder(VectorStreamConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * @param dimension the collection's dimension, or 0 while it is not known yet
     * @param now processing time at which the job read the query
     * @param replyTo where the answer goes
     * @param json whether the answer is written as JSON
     * @throws Rejection with the reason when the query cannot be accepted
     */
    Query decode(RawMessage m, int dimension, long now, String replyTo, boolean json)
            throws Rejection {
        VectorChecks.checkSize(m.value, cfg);
        QueryRequest r;
        try {
            r = PayloadCodec.decodeQueryRequest(m.value);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
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
        q.vector = VectorChecks.vector(r.getVector(), dimension, cfg);
        q.k = r.getK();
        q.includeMetadata = r.getIncludeMetadata();
        q.receivedAtMs = now;
        q.deadlineMs = now + timeout;
        q.replyTo = replyTo;
        q.correlationId = m.correlationId;
        q.jsonReply = json;
        return q;
    }
}
