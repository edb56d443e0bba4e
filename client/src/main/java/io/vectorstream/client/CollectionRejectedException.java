package io.vectorstream.client;

import io.vectorstream.schema.CollectionError;
import java.util.Objects;

/**
 * The job rejected a collection request: the name is taken with other settings ({@code
 * COLLECTION_EXISTS}), a setting is out of range ({@code BAD_COLLECTION}), the job serves as many
 * collections as it may ({@code TOO_MANY_COLLECTIONS}), or it could not read the request ({@code
 * UNDECODABLE}).
 *
 * <p>Unlike a rejected query, which is an answer, {@link VectorStreamClient#createCollection} and
 * {@link VectorStreamClient#listCollections} fail with this exception, since a rejection carries no
 * collection to return.
 */
public final class CollectionRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String requestId;
    private final String code;
    private final String reason;

    CollectionRejectedException(String what, String requestId, CollectionError error) {
        super(
                what
                        + " was rejected: "
                        + Objects.requireNonNull(error, "error must not be null").getCode()
                        + ": "
                        + error.getMessage());
        this.requestId = requestId;
        this.code = error.getCode();
        this.reason = error.getMessage();
    }

    /** The stable machine-readable error code, e.g. {@code COLLECTION_EXISTS}. */
    public String code() {
        return code;
    }

    /** The job's explanation: what was wrong and how to fix it. */
    public String reason() {
        return reason;
    }

    /** The id of the rejected request, as sent and echoed. */
    public String requestId() {
        return requestId;
    }
}
