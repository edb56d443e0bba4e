package io.vectorstream.operators.validate;

import java.io.Serializable;
import java.util.List;

/**
 * Where control requests come from and their answers go, and the requests already on the control
 * topic when the job was submitted.
 *
 * @param requests the collections topic; input 2 messages from it are control requests
 * @param results where answers go when a request names no reply topic
 * @param history payloads of the collections topic before the offsets its source starts from: a job
 *     started without state replays them, silently, before its first record, so the collections
 *     exist before any of their vectors are read again
 */
public record CollectionTopics(String requests, String results, List<byte[]> history)
        implements Serializable {

    public CollectionTopics {
        history = List.copyOf(history);
    }

    /** Nothing to replay. */
    public static CollectionTopics of(String requests, String results) {
        return new CollectionTopics(requests, results, List.of());
    }
}
