package io.vectorstream.jobs.client;

import io.vectorstream.schema.Hit;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Plays the query side of the VectorStream job with a plain consumer and producer, so the client is
 * tested against the Kafka contract alone.
 *
 * <p>Every request is answered on its {@code reply-to} topic (default {@code results}) with its
 * {@code correlation-id} echoed, in the request's wire form. The answer has one hit whose id is the
 * query id and whose score is the query vector's first component (for a query without a vector, the
 * length of its text), so a test can tell whose answer it got; a query with {@code includeVectors}
 * gets its own vector back as the hit's vector, one with {@code includeText} the text {@code "mode
 * <mode>: <query text>"} as the hit's text (mode {@code null} when unset). Before each real answer
 * it writes a decoy: an answer with the same query id but another correlation id and a hit named
 * {@code decoy}, as another client's answer would look. The mode is chosen by the query id's prefix
 * or, for tools that make their own ids, by the collection name:
 *
 * <ul>
 *   <li>{@code silent}: never answered
 *   <li>{@code twice}: answered twice (at-least-once redelivery)
 *   <li>{@code noheader}: answered without the correlation-id header
 *   <li>{@code reject}: answered with error WRONG_DIMENSION
 *   <li>{@code held}: answered only after {@link #releaseHeld()}, all at once, so a test can have
 *       many queries in flight together
 * </ul>
 *
 * Each poll's batch is answered in reverse order, so answers do not come back in request order.
 */
public final class FakeQueryServer extends FakeJobServer {

    /** Shards the fake pretends to have; answers say {@code 2/2}. */
    public static final int SHARDS = 2;

    private static final List<String> MODES =
            List.of("silent", "twice", "noheader", "reject", "held");

    private final AtomicInteger answersSent = new AtomicInteger();
    private final AtomicInteger heldCount = new AtomicInteger();
    private final AtomicBoolean releaseHeld = new AtomicBoolean();
    // Server thread only.
    private final List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();

    public FakeQueryServer(String bootstrapServers) {
        super(
                bootstrapServers,
                KafkaContract.QUERIES_TOPIC,
                KafkaContract.RESULTS_TOPIC,
                "fake-query-server");
        start();
    }

    /** Real answers written so far (decoys not counted). */
    public int answersSent() {
        return answersSent.get();
    }

    /** {@code held-*} requests read and not answered yet. */
    public int heldRequests() {
        return heldCount.get();
    }

    /** Answers every held request, last first, and stops holding new ones. */
    public void releaseHeld() {
        releaseHeld.set(true);
    }

    @Override
    protected void onPoll(List<ConsumerRecord<byte[], byte[]>> batch) {
        List<ConsumerRecord<byte[], byte[]>> reversed = new ArrayList<>(batch);
        Collections.reverse(reversed);
        for (ConsumerRecord<byte[], byte[]> r : reversed) {
            answer(r);
        }
        if (releaseHeld.get() && !held.isEmpty()) {
            Collections.reverse(held);
            for (ConsumerRecord<byte[], byte[]> r : held) {
                reply(r);
            }
            held.clear();
            heldCount.set(0);
        }
    }

    private void answer(ConsumerRecord<byte[], byte[]> r) {
        QueryRequest q = PayloadCodec.decodeQueryRequest(r.value());
        String mode = mode(q);
        if (mode.equals("held") && !releaseHeld.get()) {
            held.add(r);
            heldCount.incrementAndGet();
            return;
        }
        reply(r);
    }

    private void reply(ConsumerRecord<byte[], byte[]> r) {
        QueryRequest q = PayloadCodec.decodeQueryRequest(r.value());
        WireFormat format = WireFormat.detect(r.value());
        String mode = mode(q);
        if (mode.equals("silent")) {
            return;
        }
        QueryResponse decoy =
                QueryResponse.newBuilder(response(q))
                        .setHits(List.of(new Hit("decoy", -1f, Map.of(), null, null)))
                        .build();
        sendDecoy(r, q.getQueryId(), PayloadCodec.encode(decoy, format));

        QueryResponse answer = response(q);
        if (mode.equals("reject")) {
            answer =
                    QueryResponse.newBuilder(answer)
                            .setHits(List.of())
                            .setComplete(false)
                            .setError(
                                    new QueryError(
                                            "WRONG_DIMENSION",
                                            "collection expects 384 floats, the query has "
                                                    + (q.getVector() == null
                                                            ? 0
                                                            : FloatVectors.fromBytes(q.getVector())
                                                                    .length)))
                            .build();
        }
        int copies = mode.equals("twice") ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            sendAnswer(
                    r,
                    q.getQueryId(),
                    PayloadCodec.encode(answer, format),
                    !mode.equals("noheader"));
            answersSent.incrementAndGet();
        }
    }

    private static String mode(QueryRequest q) {
        for (String m : MODES) {
            if (q.getQueryId().startsWith(m + "-") || q.getCollection().equals(m)) {
                return m;
            }
        }
        return "once";
    }

    private static QueryResponse response(QueryRequest q) {
        float first =
                q.getVector() == null
                        ? (q.getText() == null ? 0 : q.getText().length())
                        : FloatVectors.fromBytes(q.getVector())[0];
        String text = q.getIncludeText() ? "mode " + q.getMode() + ": " + q.getText() : null;
        return QueryResponse.newBuilder()
                .setQueryId(q.getQueryId())
                .setHits(
                        List.of(
                                new Hit(
                                        q.getQueryId(),
                                        first,
                                        Map.of("k", Integer.toString(q.getK())),
                                        q.getIncludeVectors() ? q.getVector() : null,
                                        text)))
                .setShardsAnswered(SHARDS)
                .setShardsExpected(SHARDS)
                .setComplete(true)
                .setTookMs(1)
                .build();
    }
}
