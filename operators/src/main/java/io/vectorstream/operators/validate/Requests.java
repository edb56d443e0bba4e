package io.vectorstream.operators.validate;

import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;

/** What the query and control validators share about a request and its answer. */
public final class Requests {

    private Requests() {}

    /**
     * The request's reply-to topic, {@code fallback} when it names none or one that does not exist
     * ({@link #checkReplyTopic} then rejects it).
     */
    static String replyTopic(RawMessage m, String fallback) {
        return m.replyTo == null || m.replyTo.isEmpty() ? fallback : m.replyTo;
    }

    /** Rejects a request whose reply-to topic the {@link ReplyTopicCheck} found missing. */
    static void checkReplyTopic(RawMessage m, String usedInstead) throws Rejection {
        if (m.unknownReplyTo != null) {
            throw new Rejection(
                    "UNKNOWN_REPLY_TOPIC",
                    "reply-to topic '"
                            + m.unknownReplyTo
                            + "' does not exist (or is not a legal topic name); create it"
                            + " first. This answer went to '"
                            + usedInstead
                            + "' instead");
        }
    }

    /**
     * Rejects a correlation id over {@code maxIdBytes}: the answer echoes it, so it must be bounded
     * like the query id; the error answer goes out without it.
     */
    static void checkCorrelationId(RawMessage m, int maxIdBytes) throws Rejection {
        if (m.correlationId != null && m.correlationId.length > maxIdBytes) {
            throw new Rejection(
                    "BAD_CORRELATION_ID",
                    "the correlation-id header is "
                            + m.correlationId.length
                            + " bytes; vectorstream.limits.max-id-bytes="
                            + maxIdBytes
                            + ". This answer carries no correlation id");
        }
    }

    static boolean looksLikeJson(byte[] payload) {
        try {
            return WireFormat.detect(payload) == WireFormat.JSON;
        } catch (CodecException e) {
            return true; // unreadable: answer in the form a person with a console tool can read
        }
    }

    /** The query id of a rejected request: from the payload if it decodes, else the Kafka key. */
    static String queryIdOf(RawMessage m) {
        try {
            return PayloadCodec.decodeQueryRequest(m.value).getQueryId();
        } catch (RuntimeException e) {
            return m.key == null ? "" : new String(m.key, StandardCharsets.UTF_8);
        }
    }

    public static QueryResponse errorResponse(String queryId, String code, String message) {
        return QueryResponse.newBuilder()
                .setQueryId(queryId)
                .setHits(java.util.List.of())
                .setComplete(false)
                .setError(new QueryError(code, message))
                .build();
    }
}
