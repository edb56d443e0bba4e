package io.vectorstream.operators.message;

import io.vectorstream.operators.Messages;
import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.util.List;

/**
 * A query answer ready for Kafka: the encoded {@code QueryResponse} in the request's wire form and
 * where it goes. Flink POJO.
 */
public final class Answer implements QueryOutcome {
    public String queryId;

    /** Topic to write to: the request's 'reply-to' header, or the results topic. */
    public String topic;

    public byte[] correlationId;
    public byte[] payload;

    public Answer() {}

    public Answer(String queryId, String topic, byte[] correlationId, byte[] payload) {
        this.queryId = queryId;
        this.topic = topic;
        this.correlationId = correlationId;
        this.payload = payload;
    }

    /**
     * {@code response} encoded for {@code topic}, within {@code limits}: the query id (also the
     * Kafka key) is cut to {@code maxIdBytes}, a longer correlation id is left out (the query
     * decoder rejects those), and a response whose encoding exceeds {@code maxAnswerBytes} is
     * replaced by an {@code ANSWER_TOO_LARGE} error that says what to lower. So every answer fits
     * the sink.
     */
    public static Answer of(
            String queryId,
            String topic,
            byte[] correlationId,
            boolean json,
            QueryResponse response,
            Limits limits) {
        String id = Messages.utf8Prefix(queryId, limits.maxIdBytes());
        if (!id.equals(response.getQueryId())) {
            response = QueryResponse.newBuilder(response).setQueryId(id).build();
        }
        WireFormat format = json ? WireFormat.JSON : WireFormat.AVRO;
        byte[] payload = PayloadCodec.encode(response, format);
        if (payload.length > limits.maxAnswerBytes()) {
            payload = PayloadCodec.encode(tooLarge(response, payload.length, limits), format);
        }
        return new Answer(id, topic, echoedCorrelationId(correlationId, limits), payload);
    }

    /**
     * The correlation id an answer may echo: {@code correlationId}, or null when it is over {@code
     * maxIdBytes} (the query decoder rejects those with BAD_CORRELATION_ID).
     */
    public static byte[] echoedCorrelationId(byte[] correlationId, Limits limits) {
        return correlationId != null && correlationId.length <= limits.maxIdBytes()
                ? correlationId
                : null;
    }

    private static QueryResponse tooLarge(QueryResponse r, int bytes, Limits limits) {
        return QueryResponse.newBuilder(r)
                .setHits(List.of())
                .setComplete(false)
                .setError(
                        tooLargeError(
                                "the answer of "
                                        + r.getHits().size()
                                        + " hits is "
                                        + bytes
                                        + " bytes,",
                                limits))
                .build();
    }

    /**
     * The ANSWER_TOO_LARGE error of a query of {@code k} hits whose answer an index instance found
     * over the limit before the merge.
     */
    public static QueryError tooLargeError(int k, Limits limits) {
        return tooLargeError("the answer of up to " + k + " hits would be", limits);
    }

    private static QueryError tooLargeError(String what, Limits limits) {
        return new QueryError(
                "ANSWER_TOO_LARGE",
                what
                        + " over vectorstream.limits.max-answer-bytes="
                        + limits.maxAnswerBytes()
                        + "; ask for fewer hits (a lower k, offset or groupSize), leave out"
                        + " includeVectors (each"
                        + " vector adds 4 bytes per dimension in Avro, about 10 in JSON),"
                        + " includeText or includeMetadata");
    }
}
