package io.vectorstream.connector.search;

/** A {@code VECTOR_SEARCH} row that got no complete answer, with the job's code when it has one. */
public final class VectorSearchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    VectorSearchException(String message, Throwable cause) {
        super(message, cause);
    }
}
