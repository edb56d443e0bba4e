package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.codec.WireFormat;

/**
 * One payload to send: where, what it was made from, and the Kafka record's key, value and reply-to
 * header. Its correlation id is derived from the run and {@code seq} when it is sent.
 *
 * @param seq position in the run; with the seed it determines the payload
 * @param format the wire form of the seed it was made from
 * @param description what the mutation did, for reports and saved files
 * @param key the Kafka key, null for none
 * @param replyTo the reply-to header of a request
 */
record FuzzCase(
        long seq,
        Target target,
        WireFormat format,
        MutationClass mutation,
        String description,
        byte[] key,
        byte[] value,
        ReplyTo replyTo) {

    /** The reply-to header of a request: the run's own reply topic, none, or literal bytes. */
    record ReplyTo(Kind kind, byte[] literal) {
        enum Kind {
            OWN,
            ABSENT,
            LITERAL
        }

        static final ReplyTo OWN = new ReplyTo(Kind.OWN, null);
        static final ReplyTo ABSENT = new ReplyTo(Kind.ABSENT, null);

        static ReplyTo literal(byte[] bytes) {
            return new ReplyTo(Kind.LITERAL, bytes);
        }
    }

    FuzzCase withValue(MutationClass mutation, String description, byte[] value) {
        return new FuzzCase(seq, target, format, mutation, description, key, value, replyTo);
    }
}
