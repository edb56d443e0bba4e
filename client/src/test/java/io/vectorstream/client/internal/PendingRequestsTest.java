package io.vectorstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingRequestsTest {

    private static final Duration LONG = Duration.ofMinutes(5);

    private final PendingRequests<QueryResponse> pending =
            PendingRequests.forQueries("queries", "results", "test-timeouts");
    private long offset;

    @AfterEach
    void close() {
        pending.close();
    }

    @Test
    void answerCompletesTheQueryWithTheSameCorrelationId() {
        CompletableFuture<QueryResponse> q1 = pending.register("q1", "c1", LONG);
        CompletableFuture<QueryResponse> q2 = pending.register("q2", "c2", LONG);

        pending.onReply(answer("q2", "c2", WireFormat.AVRO));

        assertThat(q1).isNotDone();
        assertThat(q2).isCompleted();
        assertThat(q2.join().getHits().get(0).getId()).isEqualTo("hit-of-q2");
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    void jsonAnswersAreDecodedToo() {
        CompletableFuture<QueryResponse> q = pending.register("q", "c", LONG);

        pending.onReply(answer("q", "c", WireFormat.JSON));

        assertThat(q.join().getQueryId()).isEqualTo("q");
    }

    @Test
    void duplicateAnswerIsDroppedAndDoesNotTouchTheNextQuery() {
        CompletableFuture<QueryResponse> first = pending.register("q1", "c1", LONG);
        pending.onReply(answer("q1", "c1", WireFormat.AVRO));
        CompletableFuture<QueryResponse> second = pending.register("q2", "c2", LONG);

        pending.onReply(answer("q1", "c1", WireFormat.AVRO)); // redelivered copy

        assertThat(first.join().getQueryId()).isEqualTo("q1");
        assertThat(second).isNotDone();
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    void answerWithoutHeaderFallsBackToTheQueryId() {
        CompletableFuture<QueryResponse> q = pending.register("q", "c", LONG);

        pending.onReply(record("q", null, PayloadCodec.encode(response("q"), WireFormat.AVRO)));

        assertThat(q.join().getQueryId()).isEqualTo("q");
    }

    @Test
    void answerWithoutHeaderOrKeyFallsBackToTheBodysQueryId() {
        CompletableFuture<QueryResponse> q = pending.register("q", "c", LONG);

        pending.onReply(record(null, null, PayloadCodec.encode(response("q"), WireFormat.AVRO)));

        assertThat(q).isCompleted();
    }

    @Test
    void otherClientsAnswersAreIgnoredEvenForTheSameQueryId() {
        CompletableFuture<QueryResponse> q = pending.register("q", "mine", LONG);

        pending.onReply(answer("q", "someone-else", WireFormat.AVRO));
        pending.onReply(
                answer(
                        "other",
                        "mine",
                        WireFormat.AVRO)); // our correlation id, another query's body

        assertThat(q).isNotDone();
    }

    @Test
    void undecodableAnswerFailsOnlyItsOwnQuery() {
        CompletableFuture<QueryResponse> q = pending.register("q", "c", LONG);
        CompletableFuture<QueryResponse> other = pending.register("o", "d", LONG);

        pending.onReply(record("q", "c", "garbage".getBytes(StandardCharsets.UTF_8)));
        pending.onReply(record("x", "nobody", "garbage".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(q::get)
                .hasCauseInstanceOf(CodecException.class)
                .hasMessageContaining("the answer to query 'q' at results/0@0 cannot be decoded");
        assertThat(other).isNotDone();
    }

    @Test
    void unansweredQueryTimesOutNamingQueryTimeoutAndTopic() {
        CompletableFuture<QueryResponse> q = pending.register("lonely", "c", Duration.ofMillis(20));

        assertThatThrownBy(q::get)
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining(
                        "no answer to query 'lonely' within 20 ms on reply topic 'results'");
        assertThat(pending.size()).isZero();
        // A late answer is dropped quietly.
        pending.onReply(answer("lonely", "c", WireFormat.AVRO));
    }

    @Test
    void sameQueryIdTwiceInFlightIsRefused() {
        pending.register("q", "c1", LONG);

        assertThatThrownBy(() -> pending.register("q", "c2", LONG))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("query id 'q' is already waiting");
    }

    @Test
    void callerCancelRemovesTheEntry() {
        CompletableFuture<QueryResponse> q = pending.register("q", "c", LONG);

        q.cancel(false);

        assertThat(pending.size()).isZero();
        assertThat(pending.register("q", "c2", LONG)).isNotDone();
    }

    @Test
    void failAllFailsEveryWaitingQuery() {
        CompletableFuture<QueryResponse> a = pending.register("a", "ca", LONG);
        CompletableFuture<QueryResponse> b = pending.register("b", "cb", LONG);

        pending.failAll(
                queryId -> new IllegalStateException("closed while " + queryId + " waited"));

        assertThatThrownBy(a::join).hasMessageContaining("closed while a waited");
        assertThatThrownBy(b::join).hasMessageContaining("closed while b waited");
        assertThat(pending.size()).isZero();
    }

    @Test
    void collectionAnswersAreMatchedByRequestIdAndTimeOutNamingTheirTopic() {
        try (PendingRequests<CollectionResponse> collections =
                PendingRequests.forCollections(
                        "collections", "collections.results", "test-collection-timeouts")) {
            CompletableFuture<CollectionResponse> created = collections.register("r1", "c1", LONG);
            CompletableFuture<CollectionResponse> lonely =
                    collections.register("r2", "c2", Duration.ofMillis(20));

            CollectionResponse answer =
                    new CollectionResponse("r1", List.of(), new CollectionError("X", "why"));
            // Without header: the key, then the body's request id, route it.
            collections.onReply(record("r1", null, PayloadCodec.encode(answer, WireFormat.JSON)));

            assertThat(created.join().getError().getCode()).isEqualTo("X");
            assertThatThrownBy(lonely::get)
                    .cause()
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining(
                            "no answer to collection request 'r2' within 20 ms on reply topic"
                                    + " 'collections.results'")
                    .hasMessageContaining("reading topic 'collections'");
        }
    }

    private ConsumerRecord<byte[], byte[]> answer(
            String queryId, String correlationId, WireFormat format) {
        return record(queryId, correlationId, PayloadCodec.encode(response(queryId), format));
    }

    private ConsumerRecord<byte[], byte[]> record(String key, String correlationId, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        if (correlationId != null) {
            headers.add(
                    new RecordHeader(
                            KafkaContract.CORRELATION_ID_HEADER,
                            correlationId.getBytes(StandardCharsets.UTF_8)));
        }
        return new ConsumerRecord<>(
                "results",
                0,
                offset++,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                value.length,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value,
                headers,
                Optional.empty());
    }

    private static QueryResponse response(String queryId) {
        return QueryResponse.newBuilder()
                .setQueryId(queryId)
                .setHits(List.of(new Hit("hit-of-" + queryId, 0.5f, Map.of(), null, null)))
                .setShardsAnswered(1)
                .setShardsExpected(1)
                .setComplete(true)
                .build();
    }
}
