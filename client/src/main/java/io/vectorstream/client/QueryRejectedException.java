package io.vectorstream.client;

import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import java.util.Objects;

/**
 * The job answered a query with an error (bad dimension, k over the cap, unknown collection...).
 *
 * <p>{@link VectorStreamClient#query} completes normally with such an answer, because it is an
 * answer; callers that prefer an exception chain {@link #requireAccepted}:
 *
 * <pre>{@code
 * QueryResponse r = client.query(vector, 10).thenApply(QueryRejectedException::requireAccepted).get();
 * }</pre>
 */
public final class QueryRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;
    // Not serialized: generated Avro records are not Serializable; code and message survive.
    private final transient QueryResponse response;

    private QueryRejectedException(QueryResponse response) {
        super(
                "query '"
                        + response.getQueryId()
                        + "' was rejected: "
                        + response.getError().getCode()
                        + ": "
                        + response.getError().getMessage());
        this.code = response.getError().getCode();
        this.response = response;
    }

    /** True when the job rejected the query instead of searching: {@code error} is set. */
    public static boolean isRejected(QueryResponse response) {
        return Objects.requireNonNull(response, "response must not be null").getError() != null;
    }

    /** Returns {@code response} unchanged, or throws this exception when it carries an error. */
    public static QueryResponse requireAccepted(QueryResponse response) {
        if (isRejected(response)) {
            throw new QueryRejectedException(response);
        }
        return response;
    }

    /** The stable machine-readable error code, e.g. {@code WRONG_DIMENSION}. */
    public String code() {
        return code;
    }

    /** The error as the job sent it; null after Java deserialization. */
    public QueryError error() {
        return response == null ? null : response.getError();
    }

    /** The whole answer, for its query id and timings; null after Java deserialization. */
    public QueryResponse response() {
        return response;
    }
}
