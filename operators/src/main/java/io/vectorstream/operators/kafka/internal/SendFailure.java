package io.vectorstream.operators.kafka.internal;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Why Kafka refused one record, as far as a sink can tell: a reason that belongs to the record (its
 * size, its topic), so the record is dropped and counted while the job goes on, or {@link #FATAL},
 * a problem of the producer or the cluster that fails the job as before (and a restart re-sends
 * everything since the last checkpoint).
 *
 * <p>This is the split Kafka Streams makes between its {@code ProductionExceptionHandler} (called
 * per record) and the errors it always treats as fatal (authentication, fencing, a cluster that
 * stays unreachable).
 */
public enum SendFailure {
    /** Over the producer's {@code max.request.size} or the topic's {@code max.message.bytes}. */
    TOO_LARGE,
    /** Not authorized to write the topic (e.g. a client's {@code reply-to} topic). */
    NOT_AUTHORIZED,
    /** The topic does not exist, or its name is not legal. */
    UNKNOWN_TOPIC,
    /** The broker rejected the record's contents. */
    INVALID_RECORD,
    /**
     * Anything else, timeouts included: a record that waited past {@code max.block.ms} or {@code
     * delivery.timeout.ms} says the cluster is unreachable or overloaded, and restarting (which
     * re-sends everything since the last checkpoint) is the honest answer to that. A topic that
     * does not exist also ends in a timeout, which is why the job checks a query's {@code reply-to}
     * topic before it accepts the query.
     */
    FATAL;

    public static SendFailure of(Exception e) {
        if (e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException) {
            return TOO_LARGE;
        }
        if (e instanceof TopicAuthorizationException) {
            return NOT_AUTHORIZED;
        }
        if (e instanceof UnknownTopicOrPartitionException || e instanceof InvalidTopicException) {
            return UNKNOWN_TOPIC;
        }
        if (e instanceof InvalidRecordException
                || e instanceof CorruptRecordException
                || e instanceof SerializationException) {
            return INVALID_RECORD;
        }
        return FATAL;
    }
}
