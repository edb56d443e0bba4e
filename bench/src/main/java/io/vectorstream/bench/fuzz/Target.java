package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.KafkaContract;

/** The topic a fuzz case is sent to, and how its outcome is observed. */
enum Target {
    /** Accepted (the validator's counter) or dead-lettered on {@code vectors.dlq}. */
    VECTORS(KafkaContract.VECTORS_TOPIC),
    /** Answered on its reply topic (or {@code results}), matched by correlation id. */
    QUERIES(KafkaContract.QUERIES_TOPIC),
    /** Answered on its reply topic (or {@code collections.results}), matched by correlation id. */
    COLLECTIONS(KafkaContract.COLLECTIONS_TOPIC);

    final String topic;

    Target(String topic) {
        this.topic = topic;
    }

    /** Whether the job answers each payload (queries, collection requests). */
    boolean answered() {
        return this != VECTORS;
    }
}
