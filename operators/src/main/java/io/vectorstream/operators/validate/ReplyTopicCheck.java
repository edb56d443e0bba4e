package io.vectorstream.operators.validate;

import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.message.RawMessage;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Checks, without blocking the task thread, that a request's reply-to topic exists: writing to a
 * missing topic would fail the sink, and the replayed request would fail it again after every
 * restart. A request naming a missing topic goes on with {@link RawMessage#unknownReplyTo} set, and
 * its validator answers it with an error on the default topic. Known topics answer from a cache at
 * once; an unknown one waits for one admin listing ({@link ReplyTopics}).
 */
public final class ReplyTopicCheck extends RichAsyncFunction<RawMessage, RawMessage> {
    private static final long serialVersionUID = 1L;

    private final ReplyTopics topics;
    private final Set<String> defaults;

    /**
     * @param defaults topics the job writes to anyway (they need no check)
     */
    public ReplyTopicCheck(ReplyTopics topics, Set<String> defaults) {
        this.topics = topics;
        this.defaults = Set.copyOf(defaults);
    }

    @Override
    public void open(OpenContext ctx) {
        topics.open();
    }

    @Override
    public void close() {
        topics.close();
    }

    @Override
    public void asyncInvoke(RawMessage m, ResultFuture<RawMessage> result) {
        String topic = m.replyTo;
        if (topic == null || topic.isEmpty() || defaults.contains(topic)) {
            result.complete(List.of(m));
            return;
        }
        topics.exists(topic)
                .whenComplete(
                        (exists, failure) -> {
                            if (!Boolean.TRUE.equals(exists)) {
                                unknown(m);
                            }
                            result.complete(List.of(m));
                        });
    }

    @Override
    public void timeout(RawMessage m, ResultFuture<RawMessage> result) {
        unknown(m);
        result.complete(List.of(m));
    }

    private static void unknown(RawMessage m) {
        m.unknownReplyTo = m.replyTo;
        m.replyTo = null;
    }
}
