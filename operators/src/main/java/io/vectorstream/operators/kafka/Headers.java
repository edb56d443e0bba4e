package io.vectorstream.operators.kafka;

/** Names of the Kafka headers of the request/response contract. */
public final class Headers {
  private Headers() {}

  /** On a query: topic the answer must go to; the configured results topic when absent. */
  public static final String REPLY_TO = "reply-to";
  /** On a query: opaque bytes, echoed unchanged on its answer. */
  public static final String CORRELATION_ID = "correlation-id";
  /** On a dead letter: the stable reason code. */
  public static final String ERROR_CODE = "error-code";
  /** On a dead letter: the human-readable reason. */
  public static final String ERROR_REASON = "error-reason";
}
