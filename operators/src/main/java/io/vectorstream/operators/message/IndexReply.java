package io.vectorstream.operators.message;

/**
 * What one index instance sends the merger for one query: its hits, or an error that makes the
 * whole answer an error. Typed by {@link MessageTypes#INDEX_REPLY}.
 */
public sealed interface IndexReply permits PartialResult, PartialError {

    /** {@code Query#requestKey} of the query answered: what the merger keys by. */
    String requestKey();
}
