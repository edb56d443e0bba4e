package io.vectorstream.operators.message;

/**
 * What admitting a query yields: the query, on its way to the index and the merger, or its answer
 * already (an error). Typed by {@link MessageTypes#QUERY_OUTCOME}.
 */
public sealed interface QueryOutcome permits Query, Answer {}
