package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class QueryValidatorTest {

    private static final QueryValidator VALIDATOR =
            new QueryValidator(TestData.config(3, Metric.EUCLIDEAN), "results");

    @Test
    void goodQueryGetsDeadlineAndReplyRoute() throws Exception {
        var h = ProcessFunctionTestHarnesses.forProcessFunction(VALIDATOR);
        h.setProcessingTime(1_000);
        RawMessage m =
                json(
                        "queries",
                        "q1",
                        "{\"queryId\":\"q1\",\"vector\":[1,2,3],\"k\":4,\"timeoutMs\":250}");
        m.replyTo = "my-replies";
        m.correlationId = new byte[] {7};
        h.processElement(m, 1L);
        Query q = h.extractOutputValues().get(0);
        assertThat(q.queryId).isEqualTo("q1");
        assertThat(q.vector).containsExactly(1f, 2f, 3f);
        assertThat(q.k).isEqualTo(4);
        assertThat(q.deadlineMs).isEqualTo(1_250);
        assertThat(q.replyTo).isEqualTo("my-replies");
        assertThat(q.correlationId).containsExactly(7);
        assertThat(q.jsonReply).isTrue();

        h.processElement(TestData.query("q2", new float[] {1, 2, 3}, 10), 2L);
        Query avro = h.extractOutputValues().get(1);
        assertThat(avro.jsonReply).isFalse();
        assertThat(avro.replyTo).isEqualTo("results");
        assertThat(avro.deadlineMs).isEqualTo(1_000 + 5_000);
    }

    @Test
    void badQueriesAreAnsweredWithAnErrorNamingTheProblem() throws Exception {
        var h = ProcessFunctionTestHarnesses.forProcessFunction(VALIDATOR);
        h.processElement(TestData.query("dim", new float[] {1, 2}, 10), 1L);
        h.processElement(TestData.query("big-k", new float[] {1, 2, 3}, 101), 1L);
        h.processElement(
                TestData.query("nan", new float[] {1, Float.POSITIVE_INFINITY, 3}, 10), 1L);
        h.processElement(json("queries", "junk", "{not json"), 1L);
        h.processElement(
                json(
                        "queries",
                        "slow",
                        "{\"queryId\":\"slow\",\"vector\":[1,2,3],\"timeoutMs\":600000}"),
                1L);
        h.processElement(
                json("queries", "zero-k", "{\"queryId\":\"zero-k\",\"vector\":[1,2,3],\"k\":0}"),
                1L);

        assertThat(h.extractOutputValues()).isEmpty();
        List<QueryResponse> errors =
                h.getSideOutput(QueryValidator.REJECTED).stream()
                        .map(StreamRecord::getValue)
                        .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                        .toList();
        assertThat(errors)
                .extracting(QueryResponse::getQueryId)
                .containsExactly("dim", "big-k", "nan", "junk", "slow", "zero-k");
        assertThat(errors)
                .extracting(r -> r.getError().getCode())
                .containsExactly(
                        "WRONG_DIMENSION",
                        "K_TOO_LARGE",
                        "NOT_FINITE",
                        "UNDECODABLE",
                        "TIMEOUT_TOO_LARGE",
                        "BAD_K");
        assertThat(errors.get(1).getError().getMessage()).contains("vectorstream.query.max-k=100");
        assertThat(errors)
                .allSatisfy(
                        r -> {
                            assertThat(r.getComplete()).isFalse();
                            assertThat(r.getHits()).isEmpty();
                        });
    }
}
